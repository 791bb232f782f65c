"""The rows the data migrations made (User Roles, groups, the cycle matrix, the thresholds),
made again for tests whose database an earlier transactional test may have flushed."""

import importlib

from django.apps import apps as django_apps

REFERENCE_DATA_MIGRATIONS = [
    ("users.migrations.0002_user_roles_and_staff_groups", "seed"),
    ("notifications.migrations.0002_staff_group_permissions", "grant"),
    # The matrix by size first: 0002's seed then finds its rows there and only grants.
    ("assessments.migrations.0013_cycle_data_size_triage", "seed_sized_matrix"),
    ("assessments.migrations.0002_cycle_matrix_and_permissions", "seed"),
    ("assessments.migrations.0013_cycle_data_size_triage", "first_thresholds"),
]


def recreate_reference_data() -> None:
    """The migration functions are idempotent, so running them again is harmless."""
    for module_name, function_name in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(django_apps, None)
