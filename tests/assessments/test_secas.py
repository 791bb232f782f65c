import csv
import datetime
import html
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssuranceRecord, Decision, LatestAssurance
from notifications import services as intake
from notifications.models import NotificationState, UserSystem
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.uploads import PDF_BYTES, upload

DASHBOARD = "secas:dashboard"


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("who", ["ssc_member", "submitter"])
def test_only_secas_reaches_its_pages(request, client, who, organisation, submitted):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    client.force_login(request.getfixturevalue(who))
    for url in [
        reverse(DASHBOARD),
        reverse("secas:export", args=["assessments"]),
        reverse("secas:assessment", args=[review.pk]),
        reverse("secas:case_communications", args=[submitted.pk]),
        reverse("secas:organisation_communications", args=[organisation.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("secas:assessment_step", args=[review.pk, "schedule"])).status_code
        == 404
    )


def test_the_dashboard_shows_service_levels_with_the_clock_paused(
    client, organisation, preparer, submitter, secas, ssc_member
):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=14)):
        late_draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
        asked_draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
        late = intake.submit_notification(
            notification=late_draft, by=submitter, declaration_accepted=True
        )
        asked = intake.submit_notification(
            notification=asked_draft, by=submitter, declaration_accepted=True
        )
    intake.request_information(notification=asked, by=secas, question="Which roles?")
    client.force_login(secas)
    page = text(client.get(reverse(DASHBOARD)))
    assert "Awaiting triage or decision (2)" in page
    late_row = page[page.index(late.reference) :].split("</tr>")[0]
    asked_row = page[page.index(asked.reference) :].split("</tr>")[0]
    assert ">Late</span>" in late_row
    assert ">Paused</span>" in asked_row


def test_the_dashboard_lists_assessments_by_stage_with_overdue_flags(client, organisation, secas):
    Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        cycle_year=2,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    client.force_login(secas)
    page = text(client.get(reverse(DASHBOARD)))
    assert "1 overdue" in page
    assert "Required (1)" in page
    assert "Overdue</span>" in page


def test_annual_reviews_show_the_expected_type_and_later_systems_in_scope(
    client, organisation, secas
):
    review = Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        cycle_year=2,
        due_date=timezone.localdate() + datetime.timedelta(days=100),
    )
    first = UserSystem.objects.create(
        organisation=organisation, name="Main", delivery_model="in_house", is_first_system=True
    )
    later = UserSystem.objects.create(
        organisation=organisation, name="App", delivery_model="in_house"
    )
    review.systems_in_scope.add(first, later)
    client.force_login(secas)
    page = text(client.get(reverse(DASHBOARD)))
    section = page[page.index("Annual reviews in the next 12 months") :]
    assert "Verification User Security Assessment (VUSA)" in section
    assert "<td>App</td>" in section
    assert "<td>Main</td>" not in section


def test_organisations_at_risk_are_flagged_early(client, organisation, other_organisation, secas):
    later = UserSystem.objects.create(
        organisation=organisation, name="App", delivery_model="in_house"
    )
    record = AssuranceRecord.objects.create(
        organisation=organisation,
        status="deferred",
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        fieldwork_end_date=datetime.date(2026, 9, 1),
        effective_date=datetime.date(2026, 10, 1),
    )
    record.systems.add(later)
    LatestAssurance.objects.refresh([later.pk])
    Assessment.objects.create(
        organisation=other_organisation,
        kind="fusa",
        cycle_year=1,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    client.force_login(secas)
    section = text(client.get(reverse(DASHBOARD)))
    section = section[section.index("Organisations at risk") :]
    assert f"{organisation.name}</a>: A later User System was assessed Deferred" in section
    assert f"{other_organisation.name}</a>: Full User Security Assessment (FUSA) overdue" in section


def test_charts_are_drawn_on_the_server_with_decisions_per_month(
    client, under_review, ssc_member, meeting, secas
):
    services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Fine.",
        meeting=meeting,
    )
    client.force_login(secas)
    page = text(client.get(reverse(DASHBOARD)))
    assert page.count("<svg") == 3
    assert "No assessment needed 1</title></rect>" in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>")[0]


@pytest.mark.parametrize(
    "name",
    [
        "assessments",
        "annual-reviews",
        "awaiting-ssc",
        "late-notifications",
        "organisations-at-risk",
        "decisions-by-month",
    ],
)
def test_every_table_exports_as_csv(client, secas, submitted, name):
    client.force_login(secas)
    response = client.get(reverse("secas:export", args=[name]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[0]
    if name == "awaiting-ssc":
        assert rows[1][0] == submitted.reference


def test_an_unknown_export_is_404_and_formulas_are_defused(
    client, secas, organisation, preparer, submitter
):
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        system_name="=cmd|' /C calc'!A0",
        planned_go_live_date=timezone.localdate(),
    )
    intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    client.force_login(secas)
    assert client.get(reverse("secas:export", args=["secrets"])).status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(text(client.get(reverse("secas:export", args=["late-notifications"]))))
        )
    )
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


def document_post(name: str) -> dict:
    """What the step's upload fields post: one file in the first slot, the others left empty."""
    return {
        "file1-file": upload(name, PDF_BYTES),
        "file1-tlp": "amber",
        "file2-tlp": "amber",
        "file3-tlp": "amber",
    }


def test_secas_tracks_an_assessment_to_completion_from_its_page(
    client, under_review, ssc_member, meeting, secas
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
    assessment = Assessment.objects.get(notification=under_review)
    client.force_login(secas)
    url = reverse("secas:assessment", args=[assessment.pk])
    assert "Next step: Schedule (CIO booked)" in text(client.get(url))

    def step(name, data):
        return client.post(
            reverse("secas:assessment_step", args=[assessment.pk, name]), data, follow=True
        )

    step(
        "schedule",
        {
            "cio_name": "CIO LLP",
            "fieldwork_start_date": "2027-01-04",
            "fieldwork_end_date": "2027-01-15",
        },
    )
    step("start_fieldwork", {"started_on": "2027-01-04"})
    step(
        "receive_report",
        {
            "received_on": "2027-02-01",
            "fieldwork_ended_on": "2027-01-15",
            "response_due_date": "2027-03-01",
            **document_post("report.pdf"),
        },
    )
    step("receive_response", {"received_on": "2027-02-20", **document_post("response.pdf")})
    response = step(
        "propose_outcome",
        {"status": "approved_subject_to_steps", "rationale": "Two gaps; steps will close them."},
    )
    page = html.unescape(text(response))
    assert (
        "Proposed to the SSC: Approved subject to steps. The assessment now awaits the "
        "committee's decision." in page
    )
    assert "the committee's page of this assessment" in page
    # The SSC member decides it on the committee's page of the assessment.
    client.force_login(ssc_member)
    due = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    response = client.post(
        reverse("assessments:decide_outcome", args=[assessment.pk]),
        {
            "meeting": meeting.pk,
            "status": "approved_subject_to_steps",
            "rationale": "Two gaps; steps will close them.",
            "steps-TOTAL_FORMS": "3",
            "steps-INITIAL_FORMS": "0",
            "steps-0-description": "Rotate the signing keys.",
            "steps-0-owner_name": "Kim Owner",
            "steps-0-owner_email": "kim@example.org",
            "steps-0-due_date": due,
        },
        follow=True,
    )
    assert "Decision recorded: Approved subject to steps." in text(response)
    client.force_login(secas)
    page = text(client.get(url))
    assert "This assessment is complete." in page
    assert "Rotate the signing keys." in page
    under_review.refresh_from_db()
    assert under_review.state == NotificationState.CLOSED
    assert AssuranceRecord.objects.get(assessment=assessment).status == "approved_subject_to_steps"


def test_a_wrong_step_form_keeps_what_was_typed(client, organisation, secas):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    client.force_login(secas)
    response = client.post(
        reverse("secas:assessment_step", args=[review.pk, "schedule"]),
        {"cio_name": "Kept CIO", "fieldwork_start_date": "soon", "fieldwork_end_date": ""},
    )
    assert response.status_code == 200
    assert 'value="Kept CIO"' in text(response)
    assert "Enter a real date" in text(response)
    assert (
        client.post(reverse("secas:assessment_step", args=[review.pk, "explode"])).status_code
        == 404
    )


def test_a_step_out_of_order_is_refused_with_a_message(client, organisation, secas):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    client.force_login(secas)
    response = client.post(
        reverse("secas:assessment_step", args=[review.pk, "propose_outcome"]),
        {"status": "approved", "rationale": "Too early."},
        follow=True,
    )
    assert "is not possible" in text(response)
    # Completing is no step of SECAS's page: the decision completes the assessment.
    complete = reverse("secas:assessment_step", args=[review.pk, "complete"])
    assert client.post(complete, {"assurance_status": "approved"}).status_code == 404
    review.refresh_from_db()
    assert review.state == "required"


def test_the_communications_log_shows_sent_and_waiting_mail(
    client, submitted, secas, organisation, settings
):
    client.force_login(secas)
    page = text(client.get(reverse("secas:case_communications", args=[submitted.pk])))
    assert f"{submitted.reference}: your notification" in page
    assert "Waiting" in page  # the test never committed, so nothing was delivered
    organisation_page = text(
        client.get(reverse("secas:organisation_communications", args=[organisation.pk]))
    )
    written = OutboundEmail.objects.filter(organisation_link__organisation=organisation).count()
    assert written == 4  # the receipt to three people, one each, and the alert to SECAS
    assert organisation_page.count("<tr>") == 1 + written


def test_the_dashboard_queries_do_not_grow_with_the_cases(
    client, organisation, preparer, submitter, secas
):
    def add_cases(count):
        for _ in range(count):
            draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
            case = intake.submit_notification(
                notification=draft, by=submitter, declaration_accepted=True
            )
            intake.request_information(notification=case, by=secas, question="Roles?")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse(DASHBOARD))
        return len(captured)

    client.force_login(secas)
    queries()  # the first request after signing in may write the session
    add_cases(3)
    few = queries()
    add_cases(30)
    assert queries() == few


def test_a_later_approval_clears_the_at_risk_flag(client, organisation, secas):
    later = UserSystem.objects.create(
        organisation=organisation, name="App", delivery_model="in_house"
    )
    for status, year in [("rejected", 2025), ("approved", 2026)]:
        record = AssuranceRecord.objects.create(
            organisation=organisation,
            status=status,
            kind="fusa",
            reason="g8_13",
            counts_as_annual_review=False,
            fieldwork_end_date=datetime.date(year, 1, 10),
            effective_date=datetime.date(year, 2, 1),
        )
        record.systems.add(later)
        LatestAssurance.objects.refresh([later.pk])
    from assessments.selectors import organisations_at_risk

    assert not organisations_at_risk(timezone.localdate()).exists()


def test_decisions_per_month_covers_twelve_months(db):
    from assessments.selectors import decisions_by_month

    for today in [
        datetime.date(2026, 11, 28),
        datetime.date(2027, 3, 31),
        datetime.date(2027, 1, 1),
    ]:
        months = decisions_by_month(today)
        assert len(months) == 12
        assert months[-1]["month"] == today.replace(day=1)


def test_fieldwork_cannot_start_after_its_booked_end(client, organisation, secas):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    services.schedule_assessment(
        assessment=review,
        by=secas,
        cio_name="CIO",
        fieldwork_start_date=datetime.date(2027, 1, 4),
        fieldwork_end_date=datetime.date(2027, 1, 8),
    )
    client.force_login(secas)
    response = client.post(
        reverse("secas:assessment_step", args=[review.pk, "start_fieldwork"]),
        {"started_on": "2027-01-20"},
        follow=True,
    )
    assert "cannot start after its booked end" in text(response)
    review.refresh_from_db()
    assert review.state == "scheduled"


def test_a_date_far_in_the_future_is_refused_in_plain_english(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:decide", args=[under_review.pk]),
        {
            "outcome": "assessment_required",
            "rationale": "Never assessed.",
            "meeting": meeting.pk,
            "assessment_kind": "fusa",
            "assessment_due_date": "9999-12-31",
        },
    )
    assert "Enter a date within ten years of today." in text(response)
    assert not Decision.objects.exists()
