import os
import shutil

import pytest

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
