import importlib
import os
import shutil

import pytest
from django.apps import apps as django_apps

# live_server runs Django in a thread next to Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_CANDIDATES = ["/usr/lib/chromium/chromium", shutil.which("chromium") or ""]
CHROMIUM = next((path for path in CHROMIUM_CANDIDATES if path and os.path.exists(path)), None)


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    no_browser = pytest.mark.skip(reason="Chromium not installed: `make test` installs it as root")
    for item in items:
        if "browser" in item.nodeid:
            item.add_marker(no_browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


REFERENCE_DATA_MIGRATIONS = [
    ("users.migrations.0002_user_roles_and_staff_groups", "seed"),
    ("notifications.migrations.0002_staff_group_permissions", "grant"),
    ("assessments.migrations.0002_cycle_matrix_and_permissions", "seed"),
]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Recreate what the data migrations made (roles, groups, cycle matrix).

    Playwright's event loop hands the test a fresh database connection object, so Django's
    serialized rollback cannot restore those rows after an earlier transactional test; the
    migration functions are idempotent, so running them again is harmless.
    """
    for module_name, function_name in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(django_apps, None)
