"""An organisation with no approved first User System is warned, still notifies, and SECAS sees
the flag on its dashboard and the case; every page passes axe and the HTML check
(tests/browser/conftest.py)."""

import re

import pytest

from assessments.demo import scenarios
from notifications.models import EligibilityFinding, Notification
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_ineligible_organisation_notifies_and_secas_sees_the_flag(live_server, page):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Quayside Energy Ltd")
    person = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.SUBMITTER,
        user__email="mo@quayside.example.org",
        user__full_name="Mo Farouk",
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    # A draft complete but for its User Roles, which the User picks on the form.
    draft = scenarios.draft(
        organisation=organisation, by=person, system_name="Quayside Billing Gateway", roles=()
    )

    sign_in(page, live_server.url, person)
    page.wait_for_url(re.compile(r"/organisations/\d+/$"))
    page.get_by_role("heading", name="Your User Roles").wait_for()
    page.get_by_role("link", name=draft.reference).click()

    # Told plainly before submitting what this means and whom to contact.
    page.get_by_role("heading", name="Quayside Energy Ltd's first User System").wait_for()
    assert page.get_by_text("None on the register").count() == 1
    assert page.get_by_text("probably a User Entry Process matter").count() == 1

    # Only the roles it holds are offered; one must be named.
    assert page.get_by_label("Gas Transporter").count() == 0
    page.get_by_label("Gas Supplier").check()
    page.get_by_role("button", name="Save and check your answers").click()
    page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    assert page.get_by_text("You can still submit").count() == 1
    page.get_by_label("I declare that the content of this notification is accurate").check()
    page.get_by_role("button", name="Submit to the SSC").click()
    page.get_by_text(f"Notification {draft.reference} submitted to the SSC").wait_for()
    draft.refresh_from_db()
    assert draft.eligibility_finding == EligibilityFinding.NO_FIRST_SYSTEM

    # SECAS sees it on the dashboard's list, and flagged on the case.
    sign_in(page, live_server.url, secas)
    page.get_by_role("link", name="Outstanding").click()
    page.get_by_role("heading", name="Notified without an approved first system (1)").wait_for()
    page.get_by_role("link", name=draft.reference).first.click()
    page.get_by_role("heading", name=re.compile(draft.reference)).wait_for()
    assert page.get_by_text("Notified without an approved first User System.").count() == 1
    assert page.get_by_text(re.compile("probably a User Entry matter for SECAS")).count() == 1
    assert Notification.objects.without_approved_first_system().get() == draft
