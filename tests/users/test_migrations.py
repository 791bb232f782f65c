"""Data migrations meet the data production holds (issue 9's migrations)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("users", "0007_calendar_address_event")]
AFTER = [("users", "0008_invitations_need_acceptance")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_accounts_differing_only_in_capitals_stop_the_migration_with_what_to_merge():
    old = migrate(BEFORE)
    User = old.get_model("users", "User")
    User.objects.create(email="Jane.Smith@example.org", full_name="Jane Smith", password="!")
    User.objects.create(email="jane.smith@example.org", full_name="Jane Smith", password="!")
    try:
        with pytest.raises(RuntimeError, match=r"jane\.smith@example\.org.*Merge or rename"):
            migrate(AFTER)
        User.objects.filter(email="Jane.Smith@example.org").delete()
        migrate(AFTER)  # once merged, it goes through
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
