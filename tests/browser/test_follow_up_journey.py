"""Deferred leads somewhere, in a real browser: the SSC defers an assessment, the follow-up it
opens is approved subject to a step, the User sends the step's evidence, and SECAS's acceptance
closes the plan so the system reads Approved; every page on the way passes axe and the HTML
check (tests/browser/conftest.py)."""

import re

import pytest

from assessments.models import (
    Assessment,
    AssessmentReason,
    AssessmentState,
    LatestAssurance,
    RemediationPlan,
)
from notifications.models import AssuranceStatus, UserSystem
from tests import factories
from tests.assessments import journey
from tests.browser.helpers import sign_in, with_authenticator
from tests.uploads import PDF_BYTES
from users.models import Membership


def propose(page, url, assessment, status: str, reasons: str) -> None:
    page.goto(f"{url}/secas/assessments/{assessment.pk}/")
    page.get_by_label(status, exact=True).check()
    page.get_by_label("Reasons for the proposal").fill(reasons)
    page.get_by_role("button", name="Record").click()
    page.get_by_text(f"Proposed to the SSC: {status}.").wait_for()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deferred_opens_a_follow_up_whose_steps_close_the_plan(live_server, page, tmp_path):
    page.set_default_timeout(10_000)
    url = live_server.url
    organisation = factories.OrganisationFactory(name="Severn Supply Ltd")
    factories.AssuranceRecordFactory(organisation=organisation)  # not its initial FUSA
    submitter = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.SUBMITTER,
        user__email="ruth@severn.example.org",
        user__full_name="Ruth Evans",
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    member = with_authenticator(
        factories.ssc_user(email="daniel@ssc.example.org", full_name="Daniel Okafor")
    )
    meeting = factories.SSCMeetingFactory(title="SSC meeting 186", attendees=[member])
    # The choice as the form labels it: date, kind and title.
    meeting_label = f"{meeting.date:%a %d/%m/%Y} – {meeting.get_kind_display()} – SSC meeting 186"
    system = UserSystem.objects.create(
        organisation=organisation, name="Tariff Engine", delivery_model="in_house"
    )
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        reason=AssessmentReason.G8_13,
        counts_as_annual_review=False,
        scope="The tariff engine's key management.",
        due_date=journey.in_days(30),
    )
    assessment.systems_in_scope.add(system)
    journey.response_received(assessment, by=secas)

    # SECAS proposes Deferred; the member decides it, leaving the follow-up to its defaults.
    sign_in(page, url, secas)
    propose(page, url, assessment, "Deferred", "Key rotation is not yet in place.")
    sign_in(page, url, member)
    page.goto(f"{url}/ssc/assessments/{assessment.pk}/")
    page.get_by_label("Meeting at which the decision was taken").select_option(label=meeting_label)
    page.get_by_label("Rationale").fill("Keys must rotate before the system is approved.")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Decision recorded: Deferred.").wait_for()
    follow_up = Assessment.objects.get(follows=assessment)
    assert (follow_up.reason, follow_up.kind) == (AssessmentReason.FOLLOW_UP, "vusa")

    # The User is told on its home page, and its system reads "Not approved".
    sign_in(page, url, submitter)
    page.get_by_text("Follow-up assessment required.").wait_for()
    page.goto(f"{url}/systems/{system.pk}/")
    page.get_by_text("Not approved").first.wait_for()

    # The follow-up runs to the User's response; SECAS proposes Approved subject to steps and
    # the member decides it with one step for the User.
    journey.response_received(follow_up, by=secas)
    sign_in(page, url, secas)
    propose(page, url, follow_up, "Approved subject to steps", "One step remains.")
    sign_in(page, url, member)
    page.goto(f"{url}/ssc/assessments/{follow_up.pk}/")
    page.get_by_label("Meeting at which the decision was taken").select_option(label=meeting_label)
    page.get_by_label("Rationale").fill("Approved once the rotation runbook is evidenced.")
    # crispy marks a required field with "*", part of its label.
    page.get_by_label("Step*", exact=True).first.fill("Evidence the key rotation runbook.")
    page.get_by_label("Owner at the User").first.fill("Ruth Evans")
    page.get_by_label("Owner's email").first.fill("ruth@severn.example.org")
    page.get_by_label("Due by*", exact=True).first.fill(journey.in_days(30).isoformat())
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Decision recorded: Approved subject to steps.").wait_for()

    # The User uploads the step's evidence and marks it done, from its home page.
    evidence = tmp_path / "runbook.pdf"
    evidence.write_bytes(PDF_BYTES)
    sign_in(page, url, submitter)
    page.get_by_role("link", name="Step 1").click()
    page.get_by_label("File").set_input_files(str(evidence))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("link", name="runbook.pdf").wait_for()
    page.get_by_label("What was done").fill("The runbook is attached; the first rotation ran.")
    page.get_by_role("button", name="Mark done").click()
    page.get_by_text("Done, awaiting SECAS").first.wait_for()

    # SECAS accepts it: the plan closes and the system reads Approved.
    sign_in(page, url, secas)
    page.goto(f"{url}/secas/assessments/{follow_up.pk}/")
    page.get_by_role("link", name=re.compile("Evidence the key rotation runbook")).click()
    page.get_by_role("button", name="Accept the step").click()
    page.get_by_text("Accepted").first.wait_for()

    plan = RemediationPlan.objects.get(assessment=follow_up)
    assert plan.is_closed
    assert LatestAssurance.objects.get(user_system=system).status == AssuranceStatus.APPROVED
    follow_up.refresh_from_db()
    assert follow_up.state == AssessmentState.COMPLETED
    sign_in(page, url, submitter)
    page.goto(f"{url}/systems/{system.pk}/")
    assert page.get_by_text("Not approved").count() == 0
