"""Each system's record in force takes its record's status when the column is added."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

BEFORE = ("assessments", "0010_register_history")
NOTIFICATIONS_THEN = ("notifications", "0013_outbox_moves_to_mail")


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
        # The register's columns as they were then too (later migrations add User System fields).
        old = migrate([BEFORE, NOTIFICATIONS_THEN])
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


BEFORE_SIZE = ("assessments", "0011_latest_assurance_status")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cycle_matrix_gains_size_keeping_every_existing_row_and_edit():
    executor = MigrationExecutor(connection)
    latest_nodes = executor.loader.graph.leaf_nodes()
    try:
        old = migrate([BEFORE_SIZE])
        # An edit SECAS made before the upgrade must survive it.
        old.get_model("assessments", "AssessmentCycleRule").objects.filter(
            party_category="small_supplier", cycle_year=2
        ).update(kind="fusa", notes="SECAS: FUSA in year 2")
        new = migrate(latest_nodes)
        rule = new.get_model("assessments", "AssessmentCycleRule")
        rows = {(r.party_category, r.size, r.cycle_year): r for r in rule.objects.all()}
        assert len(rows) == 5 * 2 * 3
        kept = rows["small_supplier", "small", 2]
        assert (kept.kind, kept.notes) == ("fusa", "SECAS: FUSA in year 2")
        assert rows["large_supplier", "large", 2].kind == "fusa"
        assert rows["large_supplier", "small", 2].kind == "vusa"
        assert rows["gas_network", "large", 3].kind == "fusa"
        assert rows["other", "large", 3].kind == "ussa"
        assert "assumed" in rows["gas_network", "large", 3].notes
        thresholds = new.get_model("assessments", "TriageSettings").objects.get(pk=1)
        assert (thresholds.srp_assessment_recent_months, thresholds.annual_review_soon_days) == (
            12,
            90,
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


BEFORE_REASON = ("assessments", "0014_cycle_constraint_size_triage")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_assessments_and_records_keep_their_meaning_as_reason_type_and_flag():
    organisation = factories.OrganisationFactory()
    cases = [factories.NotificationFactory(organisation=organisation) for _ in range(2)]
    executor = MigrationExecutor(connection)
    latest_nodes = executor.loader.graph.leaf_nodes()
    try:
        old = migrate([BEFORE_REASON])
        assessment = old.get_model("assessments", "Assessment")
        record = old.get_model("assessments", "AssuranceRecord")
        due = datetime.date(2027, 6, 1)
        annual = assessment.objects.create(
            organisation_id=organisation.pk, kind="vusa", due_date=due
        )
        old_g8_13 = assessment.objects.create(
            organisation_id=organisation.pk, kind="g8_13", notification_id=cases[0].pk, due_date=due
        )
        typed_g8_13 = assessment.objects.create(
            organisation_id=organisation.pk, kind="fusa", notification_id=cases[1].pk, due_date=due
        )
        dates = {
            "fieldwork_end_date": datetime.date(2026, 3, 1),
            "effective_date": datetime.date(2026, 4, 1),
        }
        annual_record = record.objects.create(
            organisation_id=organisation.pk, status="approved", kind="fusa", **dates
        )
        g8_13_record = record.objects.create(
            organisation_id=organisation.pk,
            status="deferred",
            kind="g8_13",
            assessment_id=old_g8_13.pk,
            **dates,
        )
        new = migrate(latest_nodes)
        assessment = new.get_model("assessments", "Assessment")
        record = new.get_model("assessments", "AssuranceRecord")

        def meaning(row):
            return (row.kind, row.reason, row.counts_as_annual_review)

        assert meaning(assessment.objects.get(pk=annual.pk)) == ("vusa", "annual_review", True)
        # The old "type" G8.13 was a reason: no type is invented for it.
        assert meaning(assessment.objects.get(pk=old_g8_13.pk)) == ("", "g8_13", False)
        # A G8.13 case given a type moved the clock before; it still does until SECAS says.
        assert meaning(assessment.objects.get(pk=typed_g8_13.pk)) == ("fusa", "g8_13", True)
        assert meaning(record.objects.get(pk=annual_record.pk)) == ("fusa", "annual_review", True)
        assert meaning(record.objects.get(pk=g8_13_record.pk)) == ("", "g8_13", False)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
