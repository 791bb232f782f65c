"""SECAS opens a written procedure on a case under review, two members reply on their pages,
and it carries: the case reads decided by written procedure. Every page on the way passes axe
and the HTML check (tests/browser/conftest.py)."""

import pytest

from assessments import services
from assessments.models import Decision, WrittenProcedure
from notifications import services as intake
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_written_procedure_that_carries(live_server, page, settings):
    settings.SSC_MEETING_QUORUM = 2
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Fenland Gas Networks plc")
    submitter = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.SUBMITTER
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    members = [
        with_authenticator(factories.ssc_user(email=email, full_name=name))
        for email, name in (
            ("daniel@ssc.example.org", "Daniel Okafor"),
            ("aisha@ssc.example.org", "Aisha Khan"),
            ("tom@ssc.example.org", "Tom Reid"),
        )
    ]
    meeting = factories.SSCMeetingFactory(attendees=members[:1])
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=submitter, system_name="Meter data hub"
    )
    case = intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    services.start_review(notification=case, by=secas, rapporteur=members[0], meeting=meeting)

    # SECAS opens it from the case page.
    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/ssc/cases/{case.pk}/")
    proposal = page.get_by_role("region", name="Decide by written procedure")
    proposal.get_by_label("No assessment needed until the next annual review").check()
    proposal.get_by_label("Proposed rationale*", exact=True).fill(
        "The hub was assessed with its SRP last year."
    )
    proposal.get_by_role("button", name="Open the written procedure").click()
    page.get_by_text("Written procedure opened on").wait_for()

    # Two members reply from their queue; the second reply carries it.
    for member in members[1:]:
        sign_in(page, live_server.url, member)
        page.goto(f"{live_server.url}/ssc/")
        awaiting = page.get_by_role("region", name="Written procedures awaiting your reply")
        awaiting.get_by_role("link", name=f"{case.reference} – Fenland Gas Networks plc").click()
        page.get_by_text("The hub was assessed with its SRP last year.").wait_for()
        page.get_by_label("Agree", exact=True).check()
        page.get_by_label("Comment").fill(f"{member.full_name} agrees.")
        page.get_by_role("button", name="Send my reply").click()
        page.get_by_text("Your reply is recorded: Agree.").wait_for()
    page.get_by_text("With your reply the written procedure carried").wait_for()

    page.get_by_role("link", name=case.reference).first.click()
    page.get_by_role("status").get_by_text("by written procedure").wait_for()
    procedure = WrittenProcedure.objects.get()
    assert procedure.state == WrittenProcedure.State.CARRIED
    assert procedure.decision.route == Decision.Route.WRITTEN_PROCEDURE
