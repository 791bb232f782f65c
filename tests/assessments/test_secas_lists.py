"""SECAS's pages do work bounded by what they show (issue 10): the dashboard shows the most urgent
rows of each table and links to the full lists, which show a page at a time; the CSV exports
stream; the charts come from SQL aggregates; histories are read without a query per entry."""

import csv
import datetime
import io
import random
from statistics import median
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import documents, services
from assessments import selectors as ssc
from assessments.models import (
    Assessment,
    AssessmentState,
    AssuranceRecord,
    Decision,
    LatestAssurance,
    RemediationPlan,
    RemediationStep,
)
from assessments.views.secas import DASHBOARD_ROWS, PAGE_SIZE
from notifications import services as intake
from notifications.models import (
    AssuranceStatus,
    EligibilityFinding,
    EmployedEarly,
    InformationRequest,
    Notification,
    NotificationState,
    UserSystem,
)
from notifications.services import EmailAbout, save_emails
from notifications.workdays import local_date, working_days_between
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments.journey import checked_upload
from users.models import Organisation

LONDON = ZoneInfo("Europe/London")
MANY = 60  # more than a page of the full list, and far more than the dashboard shows
LISTS = [
    "secas:awaiting",
    "secas:assessments",
    "secas:annual_reviews",
    "secas:late_notifications",
    "secas:organisations_at_risk",
    "secas:without_first_system",
    "secas:overdue_steps",
]


@pytest.fixture(autouse=True)
def _no_remembered_statistics():
    # The decision chart is remembered per latest decision; each test starts with none.
    cache.clear()


def text(response) -> str:
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def rows_in(html: str) -> int:
    """Table rows in the body, or list items in a list."""
    return html.count("<tr>") - html.count("<thead><tr>") or html.count("<li>")


@pytest.fixture
def busy(db, preparer):
    """MANY organisations, each with a late, undecided case and an overdue annual review (so
    each is at risk), written straight to the tables: only their number matters here."""
    today = timezone.localdate()
    now = timezone.now()
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Busy Energy {index:03d} Ltd",
                sec_party_id=f"SP-B{index:03d}",
                contact_email=f"security{index}@busy.example.org",
            )
            for index in range(MANY)
        ]
    )
    Notification.objects.bulk_create(
        [
            Notification(
                reference=f"SSN-BUSY-{index:03d}",
                organisation=organisation,
                created_by=preparer,
                state=NotificationState.SUBMITTED,
                system_name=f"Busy system {index}",
                delivery_model="in_house",
                is_late=True,
                # None of these organisations has a first User System on the register.
                eligibility_finding=EligibilityFinding.NO_FIRST_SYSTEM,
                planned_go_live_date=today + datetime.timedelta(days=10),
                created_at=now - datetime.timedelta(days=index + 2),
                submitted_at=now - datetime.timedelta(days=index + 1),
            )
            for index, organisation in enumerate(organisations)
        ]
    )
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                organisation=organisation,
                kind="fusa",
                cycle_year=1,
                due_date=today - datetime.timedelta(days=index + 1),
            )
            for index, organisation in enumerate(organisations)
        ]
    )
    # And each a remediation plan with an overdue step (its record from an earlier assessment).
    earlier = Assessment.objects.bulk_create(
        [
            Assessment(organisation=assessment.organisation, kind="vusa", due_date=today)
            for assessment in assessments
        ]
    )
    Assessment.objects.filter(pk__in=[a.pk for a in earlier]).update(
        state=AssessmentState.COMPLETED,
        assurance_status=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
    )
    records = AssuranceRecord.objects.bulk_create(
        [
            AssuranceRecord(
                organisation=assessment.organisation,
                assessment=assessment,
                status=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
                kind="vusa",
                fieldwork_end_date=today - datetime.timedelta(days=200),
                effective_date=today - datetime.timedelta(days=150),
            )
            for assessment in earlier
        ]
    )
    plans = RemediationPlan.objects.bulk_create(
        [
            RemediationPlan(
                assessment=record.assessment,
                organisation=record.organisation,
                record=record,
                created_by=preparer,
            )
            for record in records
        ]
    )
    RemediationStep.objects.bulk_create(
        [
            RemediationStep(
                plan=plan,
                description=f"Busy step {index}",
                owner_name="Owner",
                owner_email="owner@busy.example.org",
                due_date=today - datetime.timedelta(days=index + 1),
            )
            for index, plan in enumerate(plans)
        ]
    )
    UserSystem.objects.bulk_create(
        [
            UserSystem(
                organisation=organisation,
                name=f"Busy system {index}",
                delivery_model="in_house",
                status=UserSystem.Status.LIVE,
                began_employing_date=today - datetime.timedelta(days=index),
                employed_early=EmployedEarly.BEFORE_DECISION,
            )
            for index, organisation in enumerate(organisations)
        ]
    )
    return organisations


# --- The dashboard: the most urgent rows, the totals, a link to each full list ------------------


def test_the_dashboard_shows_the_most_urgent_rows_of_each_table_with_the_totals(
    client, secas, busy
):
    client.force_login(secas)
    page = text(client.get(reverse("secas:dashboard")))
    for heading_id, title, url_name in [
        ("awaiting-heading", "Awaiting triage or decision", "secas:awaiting"),
        ("assessments-heading", "Outstanding assessments", "secas:assessments"),
        ("reviews-heading", "Annual reviews in the next 12 months", "secas:annual_reviews"),
        ("late-heading", "Late notifications", "secas:late_notifications"),
        ("risk-heading", "Organisations at risk", "secas:organisations_at_risk"),
        ("overdue-steps-heading", "Overdue remediation steps", "secas:overdue_steps"),
        (
            "without-first-system-heading",
            "Notified without an approved first system",
            "secas:without_first_system",
        ),
    ]:
        shown = section(page, heading_id)
        assert f"{title} ({MANY})" in shown
        assert rows_in(shown) == DASHBOARD_ROWS, heading_id
        assert f'href="{reverse(url_name)}">All {MANY} ' in shown
    awaiting = section(page, "awaiting-heading")
    assert "SSN-BUSY-059" in awaiting  # submitted first, so waiting longest
    assert "SSN-BUSY-000" not in awaiting
    late = section(page, "late-heading")
    assert "SSN-BUSY-000" in late  # the latest first
    assert "SSN-BUSY-059" not in late
    risk = section(page, "risk-heading")
    assert "Busy Energy 059 Ltd</a>" in risk  # overdue the longest
    assert "Busy Energy 000 Ltd</a>" not in risk
    assert "Required (60)" in section(page, "assessments-heading")
    assert "60 overdue" in section(page, "assessments-heading")


def test_the_dashboard_page_stays_small_however_much_is_outstanding(client, secas, busy):
    client.force_login(secas)
    url = reverse("secas:dashboard")
    client.get(url)  # the first request after signing in may write the session
    with CaptureQueriesContext(connection) as few:
        small = len(text(client.get(url)))
    more = [
        Organisation(name=f"More Energy {index} Ltd", sec_party_id=f"SP-M{index:03d}")
        for index in range(MANY)
    ]
    Organisation.objects.bulk_create(more)
    Assessment.objects.bulk_create(
        [
            Assessment(
                organisation=organisation,
                kind="vusa",
                cycle_year=2,
                due_date=timezone.localdate() - datetime.timedelta(days=1),
            )
            for organisation in more
        ]
    )
    with CaptureQueriesContext(connection) as many:
        large = len(text(client.get(url)))
    assert len(many) == len(few)
    # The counts grow by a digit or two; no row is added.
    assert abs(large - small) < 200


def test_the_stage_counts_link_to_the_full_list_of_that_stage(client, secas, organisation):
    Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    client.force_login(secas)
    page = text(client.get(reverse("secas:dashboard")))
    assert f'href="{reverse("secas:assessments")}?stage=required">Required (1)</a>' in page
    assert f'href="{reverse("secas:assessments")}?stage=fieldwork">Fieldwork (0)</a>' in page


def test_counts_that_follow_the_whole_history_stop_at_a_cap(
    client, secas, busy, preparer, monkeypatch
):
    monkeypatch.setattr(ssc, "STATE_COUNT_CAP", 50)
    Notification.objects.filter(reference__startswith="SSN-BUSY-").update(
        state=NotificationState.CLOSED
    )
    client.force_login(secas)
    with CaptureQueriesContext(connection) as captured:
        page = text(client.get(reverse("secas:dashboard")))
    assert "Late notifications (50+)" in section(page, "late-heading")
    assert 'class="chart-value">50+</text>' in page  # the closed cases' bar
    assert "Awaiting triage or decision (0)" in page  # live states are counted exactly
    late_counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and '"is_late"' in q["sql"]]
    assert late_counts
    assert all("LIMIT 51" in sql for sql in late_counts)


def test_the_late_list_counts_a_few_pages_ahead_not_the_whole_history(
    client, secas, organisation, preparer
):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                reference=f"SSN-LATE-{index:03d}",
                organisation=organisation,
                created_by=preparer,
                state=NotificationState.CLOSED,
                system_name=f"Late system {index}",
                delivery_model="in_house",
                is_late=True,
                created_at=now - datetime.timedelta(days=index + 2),
                submitted_at=now - datetime.timedelta(days=index + 1),
            )
            for index in range(5 * PAGE_SIZE + 10)
        ]
    )
    client.force_login(secas)
    page = text(client.get(reverse("secas:late_notifications")))
    assert f"Late notifications ({5 * PAGE_SIZE:,}+)</h1>" in page
    assert "Page 1 of 6 or more" in page
    assert rows_in(page.split("<main", 1)[1]) == PAGE_SIZE


# --- The full lists: fifty a page, with the total ---------------------------------------------


@pytest.mark.parametrize("name", LISTS)
def test_each_full_list_shows_a_page_of_fifty_and_the_total(client, secas, busy, name):
    client.force_login(secas)
    first = text(client.get(reverse(name)))
    assert f"({MANY})</h1>" in first
    main = first.split("<main", 1)[1]
    assert rows_in(main) == PAGE_SIZE
    assert "Page 1 of 2" in first
    second = text(client.get(reverse(name) + "?page=2"))
    assert rows_in(second.split("<main", 1)[1]) == MANY - PAGE_SIZE
    assert f"{reverse('secas:export', args=[documents_name(name)])}" in first


def documents_name(url_name: str) -> str:
    return {
        "secas:awaiting": "awaiting-ssc",
        "secas:assessments": "assessments",
        "secas:annual_reviews": "annual-reviews",
        "secas:late_notifications": "late-notifications",
        "secas:organisations_at_risk": "organisations-at-risk",
        "secas:without_first_system": "without-approved-first-system",
        "secas:overdue_steps": "overdue-remediation-steps",
    }[url_name]


@pytest.mark.parametrize("name", LISTS)
def test_a_full_list_runs_the_same_queries_on_any_page(client, secas, busy, name):
    client.force_login(secas)
    client.get(reverse(name))  # the first request after signing in may write the session

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            text(client.get(url))
        return len(captured)

    assert queries(reverse(name)) == queries(reverse(name) + "?page=2")


def test_the_awaiting_list_narrows_to_one_state(client, secas, busy, under_review):
    client.force_login(secas)
    page = text(client.get(reverse("secas:awaiting") + "?state=under_review"))
    assert "Awaiting triage or decision (1)</h1>" in page
    assert under_review.reference in page
    assert 'aria-current="page" href="?state=under_review">Under review (1)</a>' in page
    assert f">Submitted ({MANY})</a>" in page
    # An unknown state shows them all rather than nothing.
    everything = text(client.get(reverse("secas:awaiting") + "?state=drop"))
    assert f"Awaiting triage or decision ({MANY + 1})</h1>" in everything


def test_the_assessment_list_narrows_to_one_stage(client, secas, busy, organisation):
    scheduled = Assessment.objects.create(
        organisation=organisation, kind="vusa", cycle_year=2, due_date=timezone.localdate()
    )
    services.schedule_assessment(
        assessment=scheduled,
        by=secas,
        cio_name="CIO LLP",
        fieldwork_start_date=datetime.date(2027, 1, 4),
        fieldwork_end_date=datetime.date(2027, 1, 8),
    )
    client.force_login(secas)
    page = text(client.get(reverse("secas:assessments") + "?stage=scheduled"))
    assert "Outstanding assessments (1)</h1>" in page
    assert "CIO LLP" in page
    assert "Busy Energy" not in page


def test_the_awaiting_list_shows_each_cases_service_level(
    client, secas, organisation, preparer, settings
):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=21)):
        case = intake.submit_notification(
            notification=factories.NotificationFactory(
                organisation=organisation, created_by=preparer
            ),
            by=factories.MembershipFactory(organisation=organisation, role="submitter").user,
            declaration_accepted=True,
        )
    client.force_login(secas)
    page = text(client.get(reverse("secas:awaiting")))
    row = page[page.index(case.reference) :].split("</tr>")[0]
    assert f"Triage: {settings.SSC_TRIAGE_WORKING_DAYS} working days" in row
    assert ">Late</span>" in row


# --- Organisations at risk: the latest record of a later system decides -----------------------


def test_only_a_later_systems_latest_deferral_puts_its_organisation_at_risk(
    db, organisation, other_organisation
):
    first = UserSystem.objects.create(
        organisation=other_organisation, name="Main", delivery_model="in_house"
    )
    UserSystem.objects.filter(pk=first.pk).update(is_first_system=True)
    later = UserSystem.objects.create(
        organisation=organisation, name="App", delivery_model="in_house"
    )

    def record(owner, system, status, day, recorded_at=None):
        entry = AssuranceRecord.objects.create(
            organisation=owner,
            status=status,
            kind="fusa",
            reason="g8_13",
            counts_as_annual_review=False,
            fieldwork_end_date=day - datetime.timedelta(days=30),
            effective_date=day,
            **({"recorded_at": recorded_at} if recorded_at else {}),
        )
        entry.systems.add(system)
        LatestAssurance.objects.refresh([system.pk])
        return entry

    record(other_organisation, first, "rejected", datetime.date(2026, 5, 1))
    today = timezone.localdate()
    assert list(ssc.organisations_at_risk(today)) == []  # a first system is not a later one
    moment = timezone.now()
    record(organisation, later, "approved", datetime.date(2026, 6, 1), moment)
    record(organisation, later, "deferred", datetime.date(2026, 6, 1), moment)
    # Same day, same moment: the record written last is the latest.
    assert list(ssc.organisations_at_risk(today)) == [organisation]
    [entry] = ssc.risk_reasons(ssc.organisations_at_risk(today), today)
    assert entry["reasons"] == ["A later User System was assessed Deferred (01/06/2026)"]


def test_every_organisation_listed_at_risk_says_why_even_after_a_system_moved(
    db, organisation, other_organisation
):
    """The list and its reasons read the same systems: a system moved to another
    organisation (the admin can) takes its flag and its reason with it."""
    system = UserSystem.objects.create(
        organisation=organisation, name="App", delivery_model="in_house"
    )
    entry = AssuranceRecord.objects.create(
        organisation=organisation,
        status="rejected",
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        fieldwork_end_date=datetime.date(2026, 4, 1),
        effective_date=datetime.date(2026, 5, 1),
    )
    entry.systems.add(system)
    LatestAssurance.objects.refresh([system.pk])
    UserSystem.objects.filter(pk=system.pk).update(organisation=other_organisation)
    today = timezone.localdate()
    listed = ssc.risk_reasons(ssc.organisations_at_risk(today), today)
    assert [(row["organisation"], row["reasons"]) for row in listed] == [
        (other_organisation, ["A later User System was assessed Rejected (01/05/2026)"])
    ]


# --- The decision charts: SQL aggregates, the median counted in SEC working days -----------------


def reference_statistics(today) -> dict:
    """Median working days to decide per month, counted day by day in Python."""
    per_month: dict = {}
    for decision in Decision.objects.select_related("notification"):
        decided_on = local_date(decision.decided_at)
        case = decision.notification
        taken = working_days_between(local_date(case.submitted_at), decided_on)
        for question in case.information_requests.all():
            end = local_date(question.responded_at) if question.responded_at else decided_on
            taken -= working_days_between(local_date(question.requested_at), end)
        per_month.setdefault(decided_on.replace(day=1), []).append(max(taken, 0))
    return {month: median(days) for month, days in per_month.items()}


def test_the_median_working_days_match_a_day_by_day_count(db, organisation, preparer, secas):
    rng = random.Random(10)
    meeting = factories.SSCMeetingFactory()
    today = datetime.date(2027, 6, 30)
    cases = []
    # Late evenings in summer are the next day in London: the clock must use UK dates.
    for index in range(80):
        decided_at = datetime.datetime(2027, 6, 29, 23, 30, tzinfo=datetime.UTC) - (
            datetime.timedelta(days=rng.randint(0, 330), hours=rng.choice([0, 1, 12]))
        )
        submitted_at = decided_at - datetime.timedelta(
            days=rng.randint(0, 120), hours=rng.randint(0, 23)
        )
        cases.append((index, submitted_at, decided_at))
    Notification.objects.bulk_create(
        [
            Notification(
                reference=f"SSN-CLOCK-{index:03d}",
                organisation=organisation,
                created_by=preparer,
                state=NotificationState.CLOSED,
                system_name=f"Clock system {index}",
                delivery_model="in_house",
                created_at=submitted_at - datetime.timedelta(days=1),
                submitted_at=submitted_at,
            )
            for index, submitted_at, _ in cases
        ]
    )
    notifications = {n.reference: n for n in Notification.objects.all()}
    decisions, questions = [], []
    for index, submitted_at, decided_at in cases:
        notification = notifications[f"SSN-CLOCK-{index:03d}"]
        decisions.append(
            Decision(
                notification=notification,
                outcome=rng.choice(list(Decision.Outcome)),
                rationale="Recorded.",
                meeting=meeting,
                decided_by=secas,
                decided_at=decided_at,
            )
        )
        span = (decided_at - submitted_at).days
        for asked in sorted(rng.sample(range(span + 1), k=min(span + 1, rng.randint(0, 2)))):
            requested_at = submitted_at + datetime.timedelta(days=asked, hours=1)
            answered = rng.random() < 0.8 and requested_at < decided_at
            questions.append(
                InformationRequest(
                    notification=notification,
                    question="Which roles?",
                    response_due_date=requested_at.date(),
                    requested_by=secas,
                    requested_at=requested_at,
                    responded_at=(
                        requested_at + (decided_at - requested_at) * rng.random()
                        if answered
                        else None
                    ),
                )
            )
            if not answered:
                break  # only one question is ever open at a time
    Decision.objects.bulk_create(decisions)
    InformationRequest.objects.bulk_create(questions)

    expected = reference_statistics(today)
    rows = ssc.decision_statistics(today)
    assert rows[0]["month"] == datetime.date(2026, 7, 1)
    assert len(rows) == 12
    for row in rows:
        assert row["median_days"] == expected.get(row["month"]), row["month"]
    counted = sum(row["total"] for row in rows)
    assert (
        counted
        == Decision.objects.filter(
            decided_at__gte=datetime.datetime(2026, 7, 1, tzinfo=LONDON)
        ).count()
    )


def test_a_new_decision_redraws_the_decision_chart(
    client, secas, ssc_member, meeting, under_review, organisation, preparer, submitter
):
    services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Fine.",
        meeting=meeting,
    )
    client.force_login(secas)
    assert "No assessment needed 1</title></rect>" in text(client.get(reverse("secas:dashboard")))
    another = intake.submit_notification(
        notification=factories.NotificationFactory(organisation=organisation, created_by=preparer),
        by=submitter,
        declaration_accepted=True,
    )
    services.start_review(notification=another, by=secas, rapporteur=ssc_member, meeting=meeting)
    services.decide(
        notification=another,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Fine too.",
        meeting=meeting,
    )
    assert "No assessment needed 2</title></rect>" in text(client.get(reverse("secas:dashboard")))


def test_the_decision_chart_is_read_from_aggregates(
    client, secas, under_review, ssc_member, meeting
):
    services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        assessment_kind="fusa",
        rationale="Never assessed.",
        meeting=meeting,
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    with CaptureQueriesContext(connection) as captured:
        ssc.decisions_by_month(timezone.localdate())
    decision_reads = [q["sql"] for q in captured if '"assessments_decision"' in q["sql"]]
    assert decision_reads
    for sql in decision_reads:
        assert "GROUP BY" in sql or "LIMIT" in sql or "COUNT(" in sql, sql


# --- Exports: streamed, one table each, formulas defused -----------------------------------------


EXPORTS = list(documents.SECAS_TABLES)
OTHER_TABLES = {
    "assessments": ["notifications_informationrequest", "assessments_decision"],
    "annual-reviews": ["notifications_informationrequest", "assessments_decision"],
    "awaiting-ssc": ["assessments_assessment", "assessments_decision"],
    "late-notifications": ["assessments_assessment", "notifications_informationrequest"],
    "organisations-at-risk": ["notifications_informationrequest", "assessments_decision"],
    "without-approved-first-system": ["assessments_assessment", "assessments_decision"],
    "employed-early": ["notifications_informationrequest", "assessments_decision"],
    "decisions-by-month": ["assessments_assessment", "assessments_assurancerecord"],
    "overdue-remediation-steps": ["notifications_informationrequest", "assessments_decision"],
}


@pytest.mark.parametrize("name", EXPORTS)
def test_each_export_streams_its_own_table_in_chunks(client, secas, busy, monkeypatch, name):
    monkeypatch.setattr(documents, "CHUNK", 7)
    client.force_login(secas)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("secas:export", args=[name]))
        assert response.streaming is True
        pieces = list(response.streaming_content)
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode())))
    assert rows[0] == documents.SECAS_TABLES[name].columns
    expected = 12 if name == "decisions-by-month" else MANY
    assert len(rows) == 1 + expected
    if expected > 7:
        assert len(pieces) > 2  # written a chunk at a time, not built whole first
    for sql in (q["sql"] for q in captured):
        for table in OTHER_TABLES[name]:
            assert f'"{table}"' not in sql, (name, sql)


def test_the_exports_rows_are_right_and_formulas_defused(
    client, secas, organisation, preparer, submitter
):
    Organisation.objects.filter(pk=organisation.pk).update(name="=HYPERLINK(1) Ltd")
    case = intake.submit_notification(
        notification=factories.NotificationFactory(
            organisation=organisation,
            created_by=preparer,
            system_name="+SUM(A1)",
            planned_go_live_date=timezone.localdate(),
        ),
        by=submitter,
        declaration_accepted=True,
    )
    due = timezone.localdate() - datetime.timedelta(days=2)
    review = Assessment.objects.create(
        organisation=organisation, kind="vusa", cycle_year=2, due_date=due, cio_name="@CIO"
    )
    later = UserSystem.objects.create(
        organisation=organisation, name="-App", delivery_model="in_house"
    )
    review.systems_in_scope.add(later)
    client.force_login(secas)

    def export(name):
        return list(csv.reader(io.StringIO(text(client.get(reverse("secas:export", args=[name]))))))

    assert export("assessments")[1] == [
        "'=HYPERLINK(1) Ltd",
        "Verification User Security Assessment (VUSA)",
        "Required",
        f"{due:%d/%m/%Y}",
        "yes",
        "'@CIO",
        "",
    ]
    assert export("annual-reviews")[1] == [
        "'=HYPERLINK(1) Ltd",
        f"{due:%d/%m/%Y}",
        "Verification User Security Assessment (VUSA)",
        "'-App",
        "yes",
    ]
    submitted_on = f"{timezone.localtime(case.submitted_at):%d/%m/%Y}"
    assert export("awaiting-ssc")[1] == [
        case.reference,
        "'=HYPERLINK(1) Ltd",
        "Submitted",
        submitted_on,
        "0",
        "0",
        "Triage: 5",
        "On track",
    ]
    assert export("late-notifications")[1] == [
        case.reference,
        "'=HYPERLINK(1) Ltd",
        "'+SUM(A1)",
        f"{timezone.localdate():%d/%m/%Y}",
        submitted_on,
        "Submitted",
    ]
    assert export("organisations-at-risk")[1] == [
        "'=HYPERLINK(1) Ltd",
        f"Verification User Security Assessment (VUSA) overdue since {due:%d/%m/%Y}",
        "",  # no follow-up open
    ]


# --- The assessment page and the communications log --------------------------------------------


def test_the_assessment_history_runs_the_same_queries_however_long(client, organisation, secas):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    services.schedule_assessment(
        assessment=review,
        by=secas,
        cio_name="CIO LLP",
        fieldwork_start_date=datetime.date(2027, 1, 4),
        fieldwork_end_date=datetime.date(2027, 1, 15),
    )
    client.force_login(secas)
    url = reverse("secas:assessment", args=[review.pk])
    client.get(url)  # the first request after signing in may write the session

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = text(client.get(url))
        return len(captured), page

    few, _ = queries()
    services.start_fieldwork(assessment=review, by=secas, started_on=datetime.date(2027, 1, 4))
    services.record_report(
        assessment=review,
        by=secas,
        received_on=datetime.date(2027, 2, 1),
        fieldwork_ended_on=datetime.date(2027, 1, 15),
        response_due_date=datetime.date(2027, 3, 1),
        documents=[checked_upload("report.pdf")],
    )
    many, page = queries()
    assert many == few
    history = page[page.index('<h2 class="h4">History</h2>') :]
    assert history.index("Scheduled (CIO booked)") < history.index("Fieldwork")
    assert history.index("Fieldwork") < history.index("Report received")
    assert "Sam Secas" in history


def test_the_assessment_page_names_the_first_systems_in_scope_and_counts_the_rest(
    client, organisation, secas
):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    systems = UserSystem.objects.bulk_create(
        [
            UserSystem(
                organisation=organisation, name=f"System {index:03d}", delivery_model="in_house"
            )
            for index in range(ssc.SYSTEMS_IN_SCOPE_SHOWN + 5)
        ]
    )
    review.systems_in_scope.add(*systems)
    client.force_login(secas)
    page = text(client.get(reverse("secas:assessment", args=[review.pk])))
    assert "System 000; System 001" in page
    assert f"System {ssc.SYSTEMS_IN_SCOPE_SHOWN - 1:03d} and 5 more" in page
    assert f"System {ssc.SYSTEMS_IN_SCOPE_SHOWN:03d}" not in page


def test_the_communications_log_shows_a_page_at_a_time(client, secas, organisation, submitted):
    save_emails(
        [
            EmailAbout(
                OutboundEmail(
                    kind="receipt",
                    to=["a@example.org"],
                    subject=f"Mail {index:03d}",
                    body_text="A long body. " * 200,
                ),
                submitted,
            )
            for index in range(MANY)
        ]
    )
    client.force_login(secas)
    for url in [
        reverse("secas:case_communications", args=[submitted.pk]),
        reverse("secas:organisation_communications", args=[organisation.pk]),
    ]:
        with CaptureQueriesContext(connection) as captured:
            page = text(client.get(url))
        assert page.count("<tr>") == 1 + PAGE_SIZE
        assert "Page 1 of 2" in page
        # The bodies, the widest columns, are never read for the log.
        emails = [q["sql"] for q in captured if 'FROM "notifications_outboundemail"' in q["sql"]]
        assert emails
        assert not [sql for sql in emails if '"body_text"' in sql or '"body_html"' in sql]
