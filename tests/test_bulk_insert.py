"""sscportal.bulk.insert_rows writes what the ORM would, on PostgreSQL (unnest) and SQLite
(bulk_create) alike: these run on both in CI."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy

from assessments.models import Reminder
from notifications.models import Notification, NotificationEmail
from notifications.recipients import portal_link, portal_links
from notifications.services import DeferredEmail
from sscportal import bulk
from sscportal.mail.models import OutboundEmail
from sscportal.mail.services import build_deferred_email, deferred_email_values
from tests.factories import NotificationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

WRITTEN_AT_INSERT = {"id", "created_at", "next_attempt_at"}


def field_values(row) -> dict:
    return {
        field.attname: getattr(row, field.attname)
        for field in type(row)._meta.concrete_fields
        if field.attname not in WRITTEN_AT_INSERT
    }


def test_an_email_inserted_in_bulk_reads_back_as_one_saved_by_the_orm():
    email = {
        "kind": "reminder_go_live",
        "to": ["a@example.org", "Zoë <z@example.org>"],
        "template": "reminder",
        "context": {"due": {"headline": "Quote ' and \" and \\ and ünïcode", "lines": ["1", 2]}},
        "summary": "A summary line " * 30,
    }
    saved = build_deferred_email(**email)
    saved.save()
    before = timezone.now()

    [pk] = bulk.insert_rows(OutboundEmail, [deferred_email_values(**email)], with_ids=True)

    inserted = OutboundEmail.objects.get(pk=pk)
    assert field_values(inserted) == field_values(OutboundEmail.objects.get(pk=saved.pk))
    # Defaults are evaluated at insert, as the ORM's are.
    assert inserted.created_at >= before - timedelta(seconds=1)
    assert inserted.next_attempt_at >= before - timedelta(seconds=1)
    assert inserted.is_waiting


def test_ids_come_back_in_the_rows_order_across_chunks(monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 3)
    rows = [
        deferred_email_values(kind="k", to=[], template="t", context={"n": n}, summary=f"#{n}")
        for n in range(8)
    ]

    ids = bulk.insert_rows(OutboundEmail, rows, with_ids=True)

    assert len(set(ids)) == 8
    subjects = dict(OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "subject"))
    assert [subjects[pk] for pk in ids] == [f"#{n}" for n in range(8)]


def test_rows_linked_by_the_returned_ids_point_at_their_own_email():
    notifications = [NotificationFactory(), NotificationFactory()]
    rows = [
        deferred_email_values(kind="k", to=[], template="t", context={}, summary=case.reference)
        for case in notifications
    ]
    ids = bulk.insert_rows(OutboundEmail, rows, with_ids=True)
    bulk.insert_rows(
        NotificationEmail,
        [
            {"email_id": pk, "notification_id": case.pk}
            for pk, case in zip(ids, notifications, strict=True)
        ],
    )

    for case in notifications:
        assert case.email_links.get().email.subject == case.reference


def reminder_row(organisation, run_id, **changes) -> dict:
    return {
        "kind": Reminder.Kind.ANNUAL_REVIEW,
        "target": f"assessment:{organisation.pk}",
        "milestone": date(2027, 3, 1),
        "step": 30,
        "organisation_id": organisation.pk,
        "notification_id": None,
        "recipients": ["a@example.org"],
        "run_id": run_id,
        **changes,
    }


def test_a_row_already_recorded_is_skipped_on_conflict_and_the_rest_written():
    organisation = OrganisationFactory()
    first_run, second_run = uuid.uuid4(), uuid.uuid4()
    bulk.insert_rows(Reminder, [reminder_row(organisation, first_run)], ignore_conflicts=True)

    bulk.insert_rows(
        Reminder,
        [reminder_row(organisation, second_run), reminder_row(organisation, second_run, step=7)],
        ignore_conflicts=True,
    )

    assert Reminder.objects.filter(run_id=first_run).count() == 1
    [new] = Reminder.objects.filter(run_id=second_run)
    assert (new.step, new.recipients, new.organisation) == (7, ["a@example.org"], organisation)
    assert new.sent_at is not None


def test_any_number_of_rows_costs_a_statement_per_chunk(monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 10)
    rows = [
        deferred_email_values(kind="k", to=[], template="t", context={}, summary=str(n))
        for n in range(25)
    ]
    with CaptureQueriesContext(connection) as captured:
        bulk.insert_rows(OutboundEmail, rows)
    inserts = [q for q in captured if q["sql"].startswith("INSERT")]
    # bulk_create's batches on SQLite are 1,000 rows.
    assert len(inserts) == (3 if connection.vendor == "postgresql" else 1)
    assert OutboundEmail.objects.count() == 25


def test_a_text_value_that_is_not_a_plain_string_goes_through_the_field():
    [pk] = bulk.insert_rows(
        OutboundEmail,
        [{"kind": gettext_lazy("reminder"), "subject": 42, "to": [], "context": {}}],
        with_ids=True,
    )
    assert OutboundEmail.objects.filter(pk=pk).values_list("kind", "subject").get() == (
        "reminder",
        "42",
    )


def test_a_row_missing_a_required_value_is_refused():
    with pytest.raises(ValueError, match=r"Reminder\.milestone has no default"):
        bulk.insert_rows(Reminder, [{"kind": "annual_review", "run_id": uuid.uuid4()}])
    assert not Reminder.objects.exists()


def test_a_row_naming_an_unknown_column_is_refused():
    row = reminder_row(OrganisationFactory(), uuid.uuid4(), colour="blue")
    with pytest.raises(ValueError, match="Reminder has no column colour"):
        bulk.insert_rows(Reminder, [row])
    assert not Reminder.objects.exists()


def test_ids_cannot_be_asked_for_rows_that_may_be_skipped():
    with pytest.raises(ValueError, match="no id"):
        bulk.insert_rows(OutboundEmail, [{"kind": "k"}], with_ids=True, ignore_conflicts=True)


def test_nothing_to_insert_sends_nothing():
    with CaptureQueriesContext(connection) as captured:
        assert bulk.insert_rows(OutboundEmail, [], with_ids=True) == []
    assert not captured.captured_queries


@pytest.mark.parametrize("viewname", ["organisation_home", "secas:assessment"])
def test_links_made_once_per_run_are_the_links_reverse_makes(viewname):
    link = portal_links(viewname)
    for pk in (1, 7, 42, 1234567):
        assert link(pk) == portal_link(viewname, pk)


def test_a_page_without_an_id_cannot_be_made_into_links():
    with pytest.raises(NoReverseMatch):
        portal_links("home")


def test_a_json_value_of_none_is_sql_null_as_the_orm_sends_it_so_a_required_one_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.create(kind="k", subject="s", context=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(OutboundEmail, [{"kind": "k", "subject": "s", "context": None}])


def test_a_column_django_fills_on_save_is_refused_when_left_out():
    notification = NotificationFactory.build()
    row = {
        field.attname: getattr(notification, field.attname)
        for field in Notification._meta.concrete_fields
        if field.attname not in {"id", "updated_at"}
    }
    with pytest.raises(ValueError, match=r"Notification\.updated_at is set on save"):
        bulk.insert_rows(Notification, [row])
    assert not Notification.objects.exists()


@pytest.mark.postgres  # SQLite keeps text of any length
def test_a_text_value_too_long_for_its_column_is_refused_not_cut():
    row = reminder_row(OrganisationFactory(), uuid.uuid4(), target="assessment:" + "9" * 60)
    with pytest.raises(DataError), transaction.atomic():
        bulk.insert_rows(Reminder, [row])
    assert not Reminder.objects.exists()


def test_rows_naming_different_columns_are_refused():
    organisation, run_id = OrganisationFactory(), uuid.uuid4()
    first, second = reminder_row(organisation, run_id), reminder_row(organisation, run_id)
    del second["notification_id"]
    with pytest.raises(ValueError, match="same columns"):
        bulk.insert_rows(Reminder, [first, second])


# No outer transaction: insert_rows is its own.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_chunk_leaves_none_of_the_rows_written_before_it(monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    organisation, run_id = OrganisationFactory(), uuid.uuid4()
    rows = [reminder_row(organisation, run_id, target=f"assessment:{n}") for n in range(4)]
    rows[3]["target"] = rows[0]["target"]  # the same reminder twice: refused in the last chunk
    with pytest.raises(IntegrityError):
        bulk.insert_rows(Reminder, rows)
    assert not Reminder.objects.exists()


def test_an_email_about_a_case_must_name_its_organisation():
    with pytest.raises(ValueError, match="organisation"):
        DeferredEmail({"kind": "k"}, notification_id=1)
