"""Every path to every status: an annual VUSA, an ad-hoc FUSA under G8.13 scoped to one system,
and a USSA, each driven (through the services, then through the committee's page) to each of
the four assurance statuses, with what each status leads to and the annual-review clock."""

import html

import pytest
from django.urls import reverse

from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    LatestAssurance,
    RemediationPlan,
    annual_review_due_date,
)
from assessments.selectors import open_annual_review
from notifications.models import AssuranceStatus, UserSystem
from tests import factories
from tests.assessments import journey
from tests.html_forms import form_data, postable

S = AssuranceStatus
STATUSES = [S.APPROVED, S.APPROVED_SUBJECT_TO_STEPS, S.DEFERRED, S.REJECTED]
PATHS = ["annual VUSA", "G8.13 FUSA of one system", "USSA"]


def opened(path: str, organisation) -> Assessment:
    """The assessment each path starts from (the organisation has an earlier record, so none
    of them is its initial FUSA)."""
    factories.AssuranceRecordFactory(organisation=organisation)
    due = journey.in_days(60)
    if path == "annual VUSA":
        return Assessment.objects.create(
            organisation=organisation, kind="vusa", cycle_year=2, due_date=due
        )
    if path == "USSA":
        return Assessment.objects.create(
            organisation=organisation, kind="ussa", cycle_year=3, due_date=due
        )
    system = UserSystem.objects.create(
        organisation=organisation, name="Tariff Engine", delivery_model="in_house"
    )
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason=AssessmentReason.G8_13,
        counts_as_annual_review=False,
        scope="The tariff engine only.",
        due_date=due,
    )
    assessment.systems_in_scope.add(system)
    return assessment


def check_what_follows(assessment: Assessment, status: str, review_before) -> None:
    """What each status leads to, and the annual-review clock for the assessment's reason."""
    assessment.refresh_from_db()
    assert (assessment.state, assessment.assurance_status) == (AssessmentState.COMPLETED, status)
    record = AssuranceRecord.objects.get(assessment=assessment)
    assert (record.status, record.kind, record.reason) == (
        status,
        assessment.kind,
        assessment.reason,
    )
    assert record.counts_as_annual_review == assessment.counts_as_annual_review
    for system in assessment.systems_in_scope.all():
        assert LatestAssurance.objects.get(user_system=system).status == status
    has_plan = RemediationPlan.objects.filter(assessment=assessment).exists()
    assert has_plan == (status == S.APPROVED_SUBJECT_TO_STEPS)
    follow_ups = list(assessment.follow_ups.all())
    if status in (S.DEFERRED, S.REJECTED):
        [follow_up] = follow_ups
        expected_kind = AssessmentKind.FUSA if status == S.REJECTED else assessment.kind
        assert (follow_up.reason, follow_up.kind) == (AssessmentReason.FOLLOW_UP, expected_kind)
        assert list(follow_up.systems_in_scope.all()) == list(assessment.systems_in_scope.all())
        assert not follow_up.counts_as_annual_review
    else:
        assert follow_ups == []
    review_after = open_annual_review(assessment.organisation)
    if assessment.is_annual_review:
        # The annual review completed: the next is due 12 months after its fieldwork.
        assert review_after is not None
        assert review_after.pk != assessment.pk
        assert review_after.due_date == annual_review_due_date(assessment.fieldwork_end_date)
    else:
        # An ad-hoc assessment that does not count leaves the clock where it was.
        assert review_after == review_before


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("path", PATHS)
def test_each_path_reaches_each_status_through_the_services(
    path, status, organisation, secas, submitter
):
    assessment = opened(path, organisation)
    review_before = open_annual_review(organisation)
    journey.outcome_decided(assessment, by=secas, status=status, user_by=submitter)
    check_what_follows(assessment, status, review_before)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("path", PATHS)
def test_each_path_reaches_each_status_through_the_committees_page(
    path, status, client, organisation, secas, submitter
):
    assessment = opened(path, organisation)
    review_before = open_annual_review(organisation)
    journey.outcome_proposed(assessment, by=secas, status=S.APPROVED, user_by=submitter)
    member = factories.ssc_user(full_name="Deciding Member")
    meeting = factories.SSCMeetingFactory(attendees=[member])
    client.force_login(member)
    decide = reverse("assessments:decide_outcome", args=[assessment.pk])
    shown = client.get(reverse("assessments:committee_assessment", args=[assessment.pk]))
    data = form_data(shown.content.decode(), action=decide)
    data.update(meeting=str(meeting.pk), status=status, rationale="Decided on the evidence.")
    if status == S.APPROVED_SUBJECT_TO_STEPS:
        data.update(
            {
                "steps-0-description": "Rotate the signing keys.",
                "steps-0-owner_name": "Kim Owner",
                "steps-0-owner_email": "kim@example.org",
                "steps-0-due_date": journey.in_days(30).isoformat(),
            }
        )

    response = client.post(decide, postable(data), follow=True)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"Decision recorded: {S(status).label}." in page
    check_what_follows(assessment, status, review_before)
