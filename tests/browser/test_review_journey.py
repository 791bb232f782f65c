"""SECAS triages, the SSC asks, the User answers, the SSC decides, the User reads the letter;
every page on the way passes axe and the HTML check (tests/browser/conftest.py)."""

import datetime
import re

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from notifications.models import NotificationState
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_case_goes_from_triage_to_a_decision_letter(live_server, page):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Fenland Gas Networks plc")
    user = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.SUBMITTER,
        user__email="james@fenland.example.org",
        user__full_name="James Mortimer",
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    member = with_authenticator(
        factories.ssc_user(email="daniel@ssc.example.org", full_name="Daniel Okafor")
    )
    meeting = factories.SSCMeetingFactory(title="SSC meeting 185")
    case = scenarios.submitted_case(
        organisation=organisation, by=user, system_name="Meter Asset Portal"
    )

    # SECAS triages from the dashboard.
    sign_in(page, live_server.url, secas)
    page.wait_for_url(re.compile(r"/ssc/$"))
    page.get_by_role("link", name=case.reference).click()
    page.get_by_label("Rapporteur").select_option(label="Daniel Okafor")
    page.get_by_label("Meeting that will decide").select_option(str(meeting.pk))
    page.get_by_role("button", name="Start the review").click()
    page.get_by_text(f"Review of {case.reference} started").wait_for()

    # The SSC member asks a question.
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/ssc/?mine=on")
    page.get_by_role("link", name=case.reference).click()
    assert page.get_by_text("In-house and never assessed").count() == 1
    page.get_by_label("Question for the User").fill("Who holds the User Role signing keys?")
    page.get_by_role("button", name="Send the question").click()
    page.get_by_text("Question sent to Fenland Gas Networks plc").wait_for()

    # The User answers from the organisation home.
    sign_in(page, live_server.url, user)
    page.get_by_role("link", name=case.reference).first.click()
    page.get_by_text("The SSC has asked for more information").wait_for()
    page.get_by_label("Your answer").fill("Our own key-management team, in a dedicated HSM.")
    page.get_by_role("button", name="Send your answer").click()
    page.get_by_text("Your answer has been sent to the SSC").wait_for()

    # The SSC member decides that an assessment is required.
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/ssc/cases/{case.pk}/")
    # The rapporteur's recommendation has the same outcomes: the decision is its own region.
    decision = page.get_by_role("region", name="Record the SSC's decision")
    decision.get_by_label("Assessment required under G8.13").check()
    decision.get_by_label("Rationale").fill("A new in-house system that has never been assessed.")
    decision.get_by_label("Meeting at which the decision was taken").select_option(str(meeting.pk))
    due = timezone.localdate() + datetime.timedelta(days=90)
    decision.get_by_label("Assessment type (if required)").select_option("fusa")
    decision.get_by_label("Assessment due by (if required)").fill(due.isoformat())
    decision.get_by_role("button", name="Record the decision").click()
    page.get_by_text(f"Decision recorded on {case.reference}").wait_for()

    case.refresh_from_db()
    assert case.state == NotificationState.ASSESSMENT_REQUIRED

    # The User sees the decision and downloads the letter.
    sign_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/notifications/{case.pk}/")
    page.get_by_text("The SSC's decision: Assessment required under G8.13").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the decision letter (PDF)").click()
    letter = download_info.value
    assert letter.suggested_filename == f"{case.reference}-decision-letter.pdf"
    with open(letter.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
