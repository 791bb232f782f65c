"""SECAS proposes an assessment's outcome, an SSC member decides otherwise at a meeting, and the
meeting page lists it; every page on the way passes axe and the HTML check
(tests/browser/conftest.py)."""

import pytest

from assessments.models import Assessment, AssessmentState
from tests import factories
from tests.assessments import journey
from tests.browser.helpers import sign_in, with_authenticator


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_secas_proposes_and_the_ssc_decides_the_outcome(live_server, page):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Fenland Gas Networks plc")
    factories.AssuranceRecordFactory(organisation=organisation)  # not its initial FUSA
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    member = with_authenticator(
        factories.ssc_user(email="daniel@ssc.example.org", full_name="Daniel Okafor")
    )
    meeting = factories.SSCMeetingFactory(title="SSC meeting 185", attendees=[member])
    assessment = journey.response_received(
        Assessment.objects.create(
            organisation=organisation,
            kind="vusa",
            reason="g8_13",
            counts_as_annual_review=False,
            due_date=journey.in_days(30),
        ),
        by=secas,
    )

    # SECAS proposes from its page of the assessment.
    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/secas/assessments/{assessment.pk}/")
    page.get_by_label("Deferred").check()
    page.get_by_label("Reasons for the proposal").fill("Logging falls short of G5.")
    page.get_by_role("button", name="Record").click()
    page.get_by_text("Proposed to the SSC: Deferred.").wait_for()

    # The member finds it on the meeting's page and decides Approved instead.
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/ssc/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Fenland Gas Networks plc – Verification").click()
    page.get_by_text("Logging falls short of G5.", exact=True).wait_for()
    page.get_by_label("Approved", exact=True).check()
    page.get_by_label("Rationale").fill("The User's response closes the logging gap.")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Decision recorded: Approved.").wait_for()
    page.get_by_text("SECAS had proposed Deferred.").wait_for()

    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.COMPLETED
    assert assessment.decision.meeting == meeting
    page.goto(f"{live_server.url}/ssc/meetings/{meeting.pk}/")
    page.get_by_text("(SECAS proposed Deferred)").wait_for()
