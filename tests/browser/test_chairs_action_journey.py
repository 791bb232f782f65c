"""Issue 14, part 2: the acting chair decides an urgent case alone, by chair's action, and the
next meeting's page lists it to be noted; every page passes axe and the HTML check."""

import datetime
import re

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from assessments.models import Decision
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_chair_decides_an_urgent_case_by_chairs_action(live_server, page):
    page.set_default_timeout(10_000)
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(name="Pennine Power Ltd")
    user = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.SUBMITTER,
        user__email="ruth@pennine.example.org",
        user__full_name="Ruth Ellis",
    ).user
    secas = factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    member = with_authenticator(
        factories.ssc_user(email="daniel@ssc.example.org", full_name="Daniel Okafor")
    )
    chair = with_authenticator(
        factories.ssc_chair(email="margaret@ssc.example.org", full_name="Margaret Holloway")
    )
    meeting = factories.SSCMeetingFactory(
        date=today + datetime.timedelta(days=14), title="SSC meeting 186", attendees=[member]
    )
    case = scenarios.case_under_review(
        scenarios.submitted_case(
            organisation=organisation,
            by=user,
            system_name="Outage Alerts Gateway",
            go_live=today + datetime.timedelta(days=4),
        ),
        by=secas,
        rapporteur=member,
        meeting=meeting,
    )

    # The chair opens the urgent case and decides it alone.
    sign_in(page, live_server.url, chair)
    page.wait_for_url(re.compile(r"/ssc/$"))
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Decide by chair's action").click()
    page.get_by_text("to be noted", exact=False).first.wait_for()
    page.get_by_label("No assessment needed until the next annual review").check()
    page.get_by_label("Rationale*", exact=True).fill(
        "Same controls and ISMS scope as the approved first system; it goes live first."
    )
    page.get_by_role("button", name="Decide by chair's action").click()
    page.get_by_text(f"Decision recorded on {case.reference}").wait_for()
    assert page.get_by_text("Chair's action", exact=True).count() == 1
    decision = Decision.objects.get(notification=case)
    assert decision.route == Decision.Route.CHAIRS_ACTION
    assert decision.meeting == meeting

    # Another member sees it on the next meeting's page, to be noted.
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/ssc/meetings/{meeting.pk}/")
    notes = page.get_by_role("list").filter(has_text="by chair's action")
    notes.get_by_role("link", name=case.reference).wait_for()
    assert page.get_by_role("heading", name="Chair's actions to note").count() == 1
