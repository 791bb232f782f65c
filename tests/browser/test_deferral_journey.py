"""From a meeting's page, by visible labels: SECAS defers one item through the deferral page it
links to (a missing answer is said beside its field, the reason typed is kept) and a member
records the decision on another through its decision page; the meeting's page then shows both.
Every page passes axe and the HTML check."""

import datetime

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from assessments.models import Decision, Deferral
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership

REASON = "The CIO's note on key separation arrives next week."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_items_are_deferred_and_decided_from_the_meeting_page(live_server, page):
    page.set_default_timeout(10_000)
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(name="Pennine Power Ltd")
    user = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.SUBMITTER, user__full_name="Ruth Ellis"
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    member = with_authenticator(
        factories.ssc_user(email="daniel@ssc.example.org", full_name="Daniel Okafor")
    )
    meeting = factories.SSCMeetingFactory(
        date=today, title="SSC meeting 186", quorum=1, attendees=[member]
    )
    later = factories.SSCMeetingFactory(
        date=today + datetime.timedelta(days=35), title="SSC meeting 187"
    )
    case, other = (
        scenarios.case_under_review(
            scenarios.submitted_case(organisation=organisation, by=user, system_name=name),
            by=secas,
            rapporteur=member,
            meeting=meeting,
        )
        for name in ("Gateway", "Billing")
    )

    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/ssc/meetings/{meeting.pk}/")
    item = page.get_by_role("region", name=f"{case.reference}", exact=False)
    item.get_by_role("link", name=f"Defer {case.reference} to a later meeting").click()
    page.get_by_role("heading", name=f"Defer {case.reference} to a later meeting").wait_for()

    # Sent without the later meeting: said beside the field, the reason kept.
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Defer the case").click()
    page.get_by_text("Please choose the later meeting the case is deferred to.").first.wait_for()
    assert page.get_by_label("Reason").input_value() == REASON

    page.get_by_label("Defer to the meeting of").select_option(
        label=f"{later.date:%a %d/%m/%Y} – Ordinary meeting – SSC meeting 187"
    )
    page.get_by_role("button", name="Defer the case").click()
    page.get_by_text(
        f"{case.reference} deferred to the meeting of {later.date:%d/%m/%Y}"
    ).wait_for()
    page.get_by_role("heading", name="SSC meeting 186").wait_for()
    page.get_by_text(f"Deferred to {later.date:%d/%m/%Y}:").wait_for()
    assert item.get_by_role("link", name=f"Defer {case.reference} to a later meeting").count() == 0
    assert Deferral.objects.get().deferred_by == secas

    # A member records the decision on the other item, from its own page, and is brought back.
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/ssc/meetings/{meeting.pk}/")
    other_item = page.get_by_role("region", name=f"{other.reference}", exact=False)
    other_item.get_by_role("link", name=f"Record the decision on {other.reference}").click()
    page.get_by_role("heading", name=f"Record the decision on {other.reference}").wait_for()
    page.get_by_label("No assessment needed until the next annual review").check()
    page.get_by_label("Rationale*", exact=True).fill("Same controls as the approved system.")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text(f"Decision recorded on {other.reference}").wait_for()
    page.get_by_role("heading", name="SSC meeting 186").wait_for()
    other_item.get_by_text("Same controls as the approved system.").wait_for()
    assert Decision.objects.get(notification=other).meeting == meeting
