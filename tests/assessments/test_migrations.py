"""Each system's record in force takes its record's status when the column is added."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

BEFORE = ("assessments", "0010_register_history")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_status_column_is_filled_from_each_systems_record_in_force():
    organisation = factories.OrganisationFactory()
    executor = MigrationExecutor(connection)
    latest_nodes = executor.loader.graph.leaf_nodes()
    try:
        old = migrate([BEFORE])
        system = old.get_model("notifications", "UserSystem").objects.create(
            organisation_id=organisation.pk, name="App", delivery_model="in_house"
        )
        record = old.get_model("assessments", "AssuranceRecord").objects.create(
            organisation_id=organisation.pk,
            status="deferred",
            kind="fusa",
            fieldwork_end_date=datetime.date(2026, 3, 1),
            effective_date=datetime.date(2026, 4, 1),
        )
        old.get_model("assessments", "LatestAssurance").objects.create(
            user_system_id=system.pk, record_id=record.pk
        )
        new = migrate(latest_nodes)
        latest = new.get_model("assessments", "LatestAssurance").objects.get(
            user_system_id=system.pk
        )
        assert latest.status == "deferred"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
