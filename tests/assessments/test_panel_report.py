"""The periodic report to the SEC Panel: its figures from a known data set, no names in it, the
page, the downloads, and the scheduled run (once per period)."""

import csv
import datetime
import io
import threading
import uuid

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import panel_report
from assessments.models import (
    Assessment,
    AssessmentDecision,
    Decision,
    PanelReport,
    Reminder,
)
from assessments.panel_report import Period
from notifications.models import InformationRequest, Notification, UserSystem
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.html_forms import form_data, postable
from users.models import SecurityEvent

LONDON = timezone.get_default_timezone()
Q3 = Period(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
# Names that must never reach the report: organisations, systems, SRPs, people.
NAMES = (
    "Quokkaville Power",
    "Zephyrine Gateway",
    "Marzipan Hosting",
    "Ottoline Quillfeather",
    "Barnaby Thistlewood",
)


def at(day, hour=10, minute=0, tz=LONDON):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def d(day_month: str, year: int = 2026) -> datetime.date:
    day, month = (int(part) for part in day_month.split("/"))
    return datetime.date(year, month, day)


@pytest.fixture
def people(db):
    return {
        "secas": factories.secas_user(full_name="Ottoline Quillfeather"),
        "member": factories.ssc_user(full_name="Barnaby Thistlewood"),
    }


@pytest.fixture
def known_data(people):
    """A quarter (Q3 2026) with one of each thing the report counts, and things just outside it.

    Expected: received in-house 1 (late 1), SRP 1, third party 1; decided in-house "no
    assessment" 2, SRP "assessment required" 1 (one each by meeting, chair's action, written
    procedure); triage 2, 5, 7, 2 working days; decisions 20, 25 (30 less 5 paused), 23.
    """
    organisation = factories.OrganisationFactory(name="Quokkaville Power plc")
    provider = factories.SharedResourceProviderFactory(name="Marzipan Hosting Ltd")
    secas, member = people["secas"], people["member"]
    meeting = factories.SSCMeetingFactory(date=d("3/8"), title="Quokkaville Power review")

    def notification(index, model="in_house", **times):
        extra = {"provider": provider} if model == "srp" else {}
        if model == "third_party":
            extra = {"third_party_name": "Zephyrine Gateway Operators"}
        case = factories.NotificationFactory(
            organisation=organisation,
            created_by=secas,
            system_name=f"Zephyrine Gateway {index}",
            delivery_model=model,
            **extra,
        )
        Notification.objects.filter(pk=case.pk).update(
            created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), state="closed", **times
        )
        return case

    def decide(case, moment, outcome="no_assessment", route="meeting"):
        Decision.objects.create(
            notification=case,
            outcome=outcome,
            route=route,
            rationale="Zephyrine Gateway is fine for Quokkaville Power.",
            meeting=meeting,
            decided_by=member,
            decided_at=moment,
        )

    n1 = notification(1, is_late=True, submitted_at=at(d("6/7")), review_started_at=at(d("8/7")))
    decide(n1, at(d("3/8")))
    n2 = notification(2, "srp", submitted_at=at(d("13/7")), review_started_at=at(d("20/7")))
    InformationRequest.objects.create(
        notification=n2,
        question="Which keys?",
        response_due_date=d("28/7"),
        requested_by=member,
        requested_at=at(d("14/7")),
        responded_at=at(d("21/7")),
    )
    decide(n2, at(d("24/8")), "assessment_required", "written_procedure")
    notification(3, "third_party", submitted_at=at(d("1/7"), 9), review_started_at=at(d("10/7")))
    # 23:30 UTC on 30 September is 00:30 on 1 October in London: the next quarter.
    notification(4, "srp", submitted_at=datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC))
    # Submitted the evening before the quarter (London), triaged and decided in it.
    n5 = notification(
        5,
        submitted_at=datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC),
        review_started_at=at(d("2/7"), 9),
    )
    decide(n5, at(d("31/7")), route="chairs_action")
    n7 = notification(7, submitted_at=at(d("1/6")), review_started_at=at(d("2/6")))
    decide(n7, at(d("1/10")))
    factories.NotificationFactory(organisation=organisation, created_by=secas)  # a draft

    for name, began, flag in (
        ("Zephyrine Gateway early 1", d("15/7"), "before_notice"),
        ("Zephyrine Gateway early 2", d("30/9"), "before_decision"),
        ("Zephyrine Gateway early 3", d("1/10"), "before_decision"),
        ("Zephyrine Gateway on time", d("10/8"), ""),
    ):
        UserSystem.objects.create(
            organisation=organisation,
            name=name,
            delivery_model="in_house",
            status="live",
            began_employing_date=began,
            employed_early=flag,
        )

    def assessment(reason, kind, created, due, *, state="required", completed=None, **extra):
        row = Assessment.objects.create(
            organisation=organisation,
            reason=reason,
            kind=kind,
            counts_as_annual_review=reason == "annual_review",
            cycle_year=1 if reason == "annual_review" else None,
            due_date=due,
            **extra,
        )
        Assessment.objects.filter(pk=row.pk).update(
            created_at=created,
            state=state,
            completed_at=completed,
            assurance_status="approved" if state == "completed" else "",
        )
        return row

    def outcome(row, status, moment):
        AssessmentDecision.objects.create(
            assessment=row,
            status=status,
            rationale="Quokkaville Power's Zephyrine Gateway.",
            meeting=meeting,
            decided_by=member,
            decided_at=moment,
            proposed_status=status,
            proposal_rationale="As the report shows.",
        )

    assessment("annual_review", "fusa", at(d("1/1")), d("15/9"))  # open, overdue
    # Completed after the quarter: open at its end, and overdue.
    ussa = assessment(
        "g8_13", "ussa", at(d("1/8")), d("30/9"), state="completed", completed=at(d("2/10"))
    )
    outcome(ussa, "approved", at(d("2/10")))
    followed = assessment("g8_13", "fusa", at(d("1/1")), d("1/3"), state="completed")
    outcome(followed, "deferred", at(d("2/7")))
    assessment("follow_up", "vusa", at(d("1/9")), d("1/10"), follows=followed)  # open, not due
    done = assessment(
        "annual_review", "fusa", at(d("1/2")), d("1/9"), state="completed", completed=at(d("20/9"))
    )
    outcome(done, "approved", at(d("20/9")))
    assessment("annual_review", "vusa", at(d("5/10")), d("1/12"))  # opened after the quarter
    assessment("g8_13", "", at(d("1/6")), d("1/12"), state="fieldwork")  # type not recorded
    late_outcome = assessment(
        "annual_review",
        "ussa",
        at(d("1/3")),
        d("1/9"),
        state="completed",
        completed=datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC),
    )
    # Recorded at 00:30 on 1 October in London: the next quarter's.
    outcome(late_outcome, "rejected", datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC))
    return organisation


def figures_for(period=Q3):
    return panel_report.compute_figures(period, today=datetime.date(2026, 10, 1))


def by_label(rows, key):
    return {row["label"]: row[key] for row in rows}


# --- Periods ----------------------------------------------------------------------------------


def test_periods_are_calendar_quarters_by_default():
    assert panel_report.period_containing(d("15/8")) == Q3
    assert panel_report.previous_period(d("1/10")) == Q3
    assert panel_report.previous_period(d("30/9")) == Period(d("1/4"), d("30/6"))
    assert panel_report.previous_period(d("1/1", 2027)) == Period(d("1/10"), d("31/12"))


def test_the_period_length_is_a_setting(settings):
    settings.PANEL_REPORT_PERIOD_MONTHS = 6
    assert panel_report.previous_period(d("3/7")) == Period(d("1/1"), d("30/6"))


# --- The figures ------------------------------------------------------------------------------


def test_it_counts_notifications_received_by_delivery_model_and_late_notices(known_data):
    figures = figures_for()
    assert by_label(figures["received"], "received") == {
        "In-house": 1,
        "Shared Resource Provider": 1,
        "Another third party": 1,
    }
    assert by_label(figures["received"], "late") == {
        "In-house": 1,
        "Shared Resource Provider": 0,
        "Another third party": 0,
    }


def test_it_counts_decisions_by_outcome_delivery_model_and_route(known_data):
    figures = figures_for()
    assert by_label(figures["decided"], "no_assessment") == {
        "In-house": 2,
        "Shared Resource Provider": 0,
        "Another third party": 0,
    }
    assert by_label(figures["decided"], "assessment_required") == {
        "In-house": 0,
        "Shared Resource Provider": 1,
        "Another third party": 0,
    }
    assert by_label(figures["routes"], "count") == {
        "Decided at a meeting": 1,
        "Chair's action": 1,
        "Written procedure": 1,
    }


def test_it_counts_systems_employed_before_notice_and_before_the_decision(known_data):
    assert by_label(figures_for()["employed_early"], "count") == {
        "Employed before it was notified": 1,
        "Employed before the SSC's decision": 1,
    }


def test_triage_times_are_measured_against_the_service_level(known_data):
    # 2, 5, 7 and 2 SEC working days; the level is 5.
    assert figures_for()["triage"] == {"count": 4, "median": 3.5, "within": 3, "limit": 5}


def test_decision_times_pause_while_information_is_requested(known_data):
    # 20, 30 less 5 paused = 25, and 23 (a case submitted the evening before the quarter).
    assert figures_for()["decision"] == {"count": 3, "median": 23, "within": 1, "limit": 20}


def test_the_service_levels_are_the_settings(known_data, settings):
    settings.SSC_TRIAGE_WORKING_DAYS = 2
    settings.SSC_DECISION_WORKING_DAYS = 23
    figures = figures_for()
    assert (figures["triage"]["within"], figures["decision"]["within"]) == (2, 2)


def test_it_counts_open_and_overdue_assessments_at_the_end_of_the_period(known_data):
    rows = {
        (row["reason"], row["type"]): (row["open"], row["overdue"])
        for row in figures_for()["open_assessments"]
    }
    assert rows == {
        ("Annual review", "Full User Security Assessment (FUSA)"): (1, 1),
        # Completed at 00:30 on 1 October, London time: still open at the end of September.
        ("Annual review", "User Security Self-Assessment (USSA)"): (1, 1),
        ("Ad-hoc assessment required under G8.13", "User Security Self-Assessment (USSA)"): (1, 1),
        ("Ad-hoc assessment required under G8.13", "Assessment (type not recorded)"): (1, 0),
        ("Follow-up assessment", "Verification User Security Assessment (VUSA)"): (1, 0),
    }


def test_it_counts_assessment_outcomes_by_assurance_status(known_data):
    rows = {row["label"]: row for row in figures_for()["outcomes"]}
    assert rows["Annual review"]["approved"] == 1
    assert rows["Ad-hoc assessment required under G8.13"]["deferred"] == 1
    total = sum(
        row[status]
        for row in rows.values()
        for status in ("approved", "approved_subject_to_steps", "deferred", "rejected")
    )
    assert total == 2


def test_an_empty_period_has_zeros_and_no_median(db):
    figures = figures_for(Period(d("1/1", 2020), d("31/3", 2020)))
    assert figures["decision"] == {"count": 0, "median": None, "within": 0, "limit": 20}
    assert figures["open_assessments"] == []
    assert all(row["received"] == 0 for row in figures["received"])


def test_the_figures_are_aggregated_in_sql(known_data, django_assert_max_num_queries):
    # A fixed number of grouped queries, whatever the history's size.
    with django_assert_max_num_queries(10):
        figures_for()


# --- The documents ----------------------------------------------------------------------------


def generated(people, period=Q3):
    with time_machine.travel(at(d("1/10"), 7), tick=False):
        return panel_report.generate_report(period=period, by=people["secas"])


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_has_the_figures_and_charts_and_no_names(known_data, people):
    report = generated(people)
    text = pdf_text(panel_report.report_pdf(report))
    assert "Report to the SEC Panel" in text
    assert "01/07/2026 to 30/09/2026" in text
    assert "Triage within 5 SEC working days" in text
    assert "Decision within 20 SEC working days" in text
    html = panel_report.report_html(report)
    assert html.count("<svg") == 5
    assert "Late notice 1</title></rect>" in html
    assert "Annual review: Overdue 2</title></rect>" in html
    for name in NAMES:
        assert name.lower() not in text.lower(), name
        assert name.lower() not in html.lower(), name


def test_the_csv_has_every_figure_and_no_names(known_data, people):
    report = generated(people)
    text = panel_report.report_csv(report)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Section", "Figure", "Breakdown", "Value"]
    assert ["Notifications received", "Late notices", "In-house", "1"] in rows
    level = "Decision within 20 SEC working days"
    assert [
        "Service levels (decision clock paused while the User answers)",
        "Median SEC working days",
        level,
        "23",
    ] in rows
    assert [
        "Service levels (decision clock paused while the User answers)",
        "Share within the service level",
        "Triage within 5 SEC working days",
        "75%",
    ] in rows
    for name in NAMES:
        assert name.lower() not in text.lower(), name


def test_a_report_keeps_the_figures_it_was_generated_with(known_data, people):
    report = generated(people)
    Decision.objects.all().delete()
    report.refresh_from_db()
    assert by_label(report.figures["decided"], "no_assessment")["In-house"] == 2


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def secas_client(client, people):
    client.force_login(people["secas"])
    return client


URL = reverse("secas:panel_reports")


def test_the_page_lists_reports_and_offers_the_last_period(secas_client, people):
    PanelReport.objects.create(period_start=d("1/4"), period_end=d("30/6"), figures=figures_for())
    with time_machine.travel(at(d("2/10")), tick=False):
        page = secas_client.get(URL).content.decode()
    assert "01/04/2026 to 30/06/2026" in page
    assert "The schedule" in page
    assert 'value="2026-07-01"' in page
    assert 'value="2026-09-30"' in page


def test_the_page_says_when_there_is_no_report(secas_client):
    assert "No report has been generated yet." in secas_client.get(URL).content.decode()


def test_the_form_posts_back_and_generates_a_report(secas_client, people, known_data):
    with time_machine.travel(at(d("2/10")), tick=False):
        page = secas_client.get(URL)
        data = form_data(page.content.decode(), action=URL)
        response = secas_client.post(URL, postable(data), follow=True)
    text = response.content.decode()
    assert "Report generated for 01/07/2026 to 30/09/2026" in text
    report = PanelReport.objects.get()
    assert report.generated_by == people["secas"]
    assert (report.period_start, report.period_end) == (Q3.start, Q3.end)
    assert "Ottoline Quillfeather" in text  # who generated it, on SECAS's own page


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        ("2026-09-30", "2026-07-01", "The last day must come after the first day (30/09/2026)."),
        ("2026-07-01", "2026-07-01", "The last day must come after the first day (01/07/2026)."),
        ("2026-10-01", "2026-12-31", "The period cannot end in the future: choose 02/10/2026"),
        ("2026-07-01", "not a date", "Enter a real date, for example 27/03/2027."),
    ],
)
def test_a_wrong_period_is_refused_in_words_and_kept(secas_client, start, end, error):
    with time_machine.travel(at(d("2/10")), tick=False):
        response = secas_client.post(URL, {"period_start": start, "period_end": end})
    text = response.content.decode()
    assert response.status_code == 200
    assert error in text
    assert f'value="{start}"' in text
    assert not PanelReport.objects.exists()


def test_the_list_is_paginated(secas_client):
    PanelReport.objects.bulk_create(
        PanelReport(
            period_start=datetime.date(2000 + index, 1, 1),
            period_end=datetime.date(2000 + index, 3, 31),
            figures={},
        )
        for index in range(25)
    )
    first = secas_client.get(URL).content.decode()
    second = secas_client.get(URL, {"page": 2}).content.decode()
    assert first.count("report.pdf") == 20
    assert second.count("report.pdf") == 5
    assert "Page 1 of 2" in first


@pytest.mark.parametrize("extension", ["pdf", "csv"])
def test_a_download_is_recorded_as_an_export(secas_client, people, known_data, extension):
    report = generated(people)
    response = secas_client.get(reverse("secas:panel_report_download", args=[report.pk, extension]))
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    assert "panel-report-2026-07-01-to-2026-09-30" in response["Content-Disposition"]
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.actor == people["secas"]
    assert extension.upper() in event.summary


def test_other_formats_are_not_found(secas_client, people, known_data):
    report = generated(people)
    url = reverse("secas:panel_report_download", args=[report.pk, "xlsx"])
    assert secas_client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["ssc_member", "submitter"])
def test_users_and_ssc_members_get_404(client, request, people, who):
    report = PanelReport.objects.create(period_start=Q3.start, period_end=Q3.end, figures={})
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"period_start": "2026-07-01"}).status_code == 404
    download = reverse("secas:panel_report_download", args=[report.pk, "pdf"])
    assert client.get(download).status_code == 404


# --- The schedule -----------------------------------------------------------------------------


def test_the_beat_schedule_runs_the_report_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["report-to-panel"]
    assert entry["task"] == "assessments.tasks.panel_report_task"


def test_the_first_run_after_a_period_reports_it_and_emails_secas_a_link(known_data):
    from assessments.tasks import panel_report_task

    with time_machine.travel(at(d("1/10"), 1), tick=False):
        pk = panel_report_task.apply().get()
    report = PanelReport.objects.get(pk=pk)
    assert report.is_scheduled
    assert (report.period_start, report.period_end) == (Q3.start, Q3.end)
    email = OutboundEmail.objects.get(kind="reminder_panel_report")
    assert email.to == [django_settings.SECAS_MAILBOX]
    assert reverse("secas:panel_reports") in email.body_text
    assert "01/07/2026 to 30/09/2026" in email.subject
    assert "3 notifications received and 3 decided" in email.body_text
    for name in NAMES:
        assert name not in email.body_text


def test_a_rerun_in_the_same_period_does_nothing(known_data):
    for day in (d("1/10"), d("1/10"), d("15/11"), d("31/12")):
        with time_machine.travel(at(day), tick=False):
            panel_report.generate_scheduled_report()
    assert PanelReport.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="reminder_panel_report").count() == 1
    assert Reminder.objects.filter(kind=Reminder.Kind.PANEL_REPORT).count() == 1
    with time_machine.travel(at(d("1/1", 2027)), tick=False):
        panel_report.generate_scheduled_report()
    assert PanelReport.objects.filter(period_start=d("1/10")).count() == 1


def test_a_run_that_finds_the_period_claimed_does_nothing(db):
    # As a second scheduler finds it once the first has committed its claim.
    Reminder.objects.create(
        kind=Reminder.Kind.PANEL_REPORT,
        target="panel-report:2026-07-01",
        milestone=Q3.end,
        run_id=uuid.uuid4(),
    )
    assert panel_report.generate_scheduled_report(today=d("2/10")) is None
    assert not PanelReport.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_scheduled_runs_at_once_report_the_period_once(monkeypatch):
    both_checked = threading.Barrier(2)
    compute = panel_report.compute_figures

    def compute_once_both_have_checked(period, **kwargs):
        # Both runs have found the period unclaimed before either claims it.
        both_checked.wait(timeout=10)
        return compute(period, **kwargs)

    monkeypatch.setattr(panel_report, "compute_figures", compute_once_both_have_checked)
    results = []

    def run():
        try:
            results.append(panel_report.generate_scheduled_report(today=d("1/10")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 2
    assert sum(report is not None for report in results) == 1
    assert PanelReport.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="reminder_panel_report").count() == 1
