"""SECAS defers an agenda item from the meeting's page, through the deferral page it links to,
by visible labels: a missing answer is said beside its field and the reason typed is kept; the
meeting's page then shows where the case went. Every page passes axe and the HTML check."""

import datetime

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from assessments.models import Deferral
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership

REASON = "The CIO's note on key separation arrives next week."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_secas_defers_an_item_from_the_meeting_page(live_server, page):
    page.set_default_timeout(10_000)
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(name="Pennine Power Ltd")
    user = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.SUBMITTER, user__full_name="Ruth Ellis"
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    member = factories.ssc_user(full_name="Daniel Okafor")
    meeting = factories.SSCMeetingFactory(
        date=today + datetime.timedelta(days=7), title="SSC meeting 186"
    )
    later = factories.SSCMeetingFactory(
        date=today + datetime.timedelta(days=35), title="SSC meeting 187"
    )
    case = scenarios.case_under_review(
        scenarios.submitted_case(organisation=organisation, by=user, system_name="Gateway"),
        by=secas,
        rapporteur=member,
        meeting=meeting,
    )

    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/ssc/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Defer this item to a later meeting").click()
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
    assert page.get_by_role("link", name="Defer this item to a later meeting").count() == 0
    assert Deferral.objects.get().deferred_by == secas
