"""The register in a browser: a User records that a system went live before the SSC decided and
SECAS sees the flag; a User notifies a change to a system and SECAS sees it linked. Every page
on the way passes axe and the HTML check (tests/browser/conftest.py)."""

import datetime
import re

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from notifications.models import Notification
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.fixture
def people():
    organisation = factories.OrganisationFactory(name="Harbourside Energy Ltd")
    user = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.SUBMITTER,
        user__email="ana@harbourside.example.org",
        user__full_name="Ana Lopes",
    ).user
    secas = with_authenticator(
        factories.secas_user(email="priya@secas.example.org", full_name="Priya Raman")
    )
    return organisation, user, secas


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_go_live_before_the_decision_is_recorded_and_secas_sees_it(live_server, page, people):
    page.set_default_timeout(10_000)
    organisation, user, secas = people
    case = scenarios.submitted_case(
        organisation=organisation, by=user, system_name="Smart Heating Controls"
    )
    began = timezone.localdate() - datetime.timedelta(days=1)
    # Notified a week ago, so using it since yesterday is before the decision, not the notice.
    Notification.objects.filter(pk=case.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8),
        submitted_at=timezone.now() - datetime.timedelta(days=7),
    )

    sign_in(page, live_server.url, user)
    page.get_by_role("link", name="Smart Heating Controls").first.click()
    page.get_by_role("heading", name="Record when you began to use it").wait_for()
    page.get_by_label("Date you began to use the system").fill(began.isoformat())
    page.get_by_role("button", name="Record the date").click()
    page.get_by_text(
        f"Recorded: Smart Heating Controls began to be used on {began:%d/%m/%Y}"
    ).wait_for()
    assert page.get_by_role("alert").filter(has_text="Employed before the SSC's decision").count()

    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/secas/")
    section = page.get_by_role("region", name=re.compile("Employed before notice or decision"))
    section.get_by_role("link", name="Smart Heating Controls").wait_for()
    page.goto(f"{live_server.url}/ssc/cases/{case.pk}/")
    page.get_by_role("alert").filter(has_text="Employed before the SSC's decision").wait_for()
    assert page.get_by_text(f"on {began:%d/%m/%Y}").count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_is_notified_from_the_system_and_secas_sees_it_linked(live_server, page, people):
    page.set_default_timeout(10_000)
    organisation, user, secas = people
    first = scenarios.submitted_case(
        organisation=organisation, by=user, system_name="Export Settlement Gateway"
    )

    sign_in(page, live_server.url, user)
    page.get_by_role("link", name="Export Settlement Gateway").first.click()
    page.get_by_role("button", name="Notify a change to this system").click()
    page.get_by_text(f"filled in from {first.reference}").wait_for()
    assert page.get_by_label("User System name").is_disabled()
    page.get_by_label("What has changed").fill("A new hosting provider in a UK region.")
    go_live = timezone.localdate() + datetime.timedelta(days=60)
    page.get_by_label("Planned date of the change").fill(go_live.isoformat())
    page.get_by_role("button", name="Save and check your answers").click()
    page.get_by_text("A new hosting provider in a UK region.").wait_for()
    page.get_by_label(re.compile("I declare")).check()
    page.get_by_role("button", name=re.compile("Submit")).click()
    change = Notification.objects.get(changes_system=first.user_system_id)
    page.get_by_text(change.reference).first.wait_for()

    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/ssc/cases/{change.pk}/")
    page.get_by_text("This notification is a change to").wait_for()
    page.get_by_role("link", name=first.reference).first.click()
    page.wait_for_url(re.compile(rf"/ssc/cases/{first.pk}/$"))
    page.get_by_role("link", name=change.reference).wait_for()
