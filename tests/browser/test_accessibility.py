"""The pages no journey reaches are visited too, so axe and the HTML check cover them as well
(tests/browser/conftest.py checks every page a browser test visits)."""

import pytest

from assessments.demo import scenarios
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_secas_and_user_pages_pass_axe(live_server, page):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Pennine Power Distribution plc")
    admin = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.ADMIN,
        user__email="hannah@pennine.example.org",
        user__full_name="Hannah Lister",
    ).user
    secas = with_authenticator(factories.secas_user(email="priya@secas.example.org"))
    meeting = factories.SSCMeetingFactory(title="SSC meeting 185")
    case = scenarios.submitted_case(organisation=organisation, by=admin, system_name="Portal")
    review = scenarios.annual_review(organisation)

    sign_in(page, live_server.url, secas)
    for path in [
        "/secas/",
        f"/secas/assessments/{review.pk}/",
        f"/secas/cases/{case.pk}/communications/",
        "/secas/audit/",
        "/ssc/",
        f"/ssc/cases/{case.pk}/",
        "/ssc/meetings/",
        f"/ssc/meetings/{meeting.pk}/",
        "/calendar/",
        "/accounts/two-factor/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert page.url == live_server.url + path, path  # not redirected away

    sign_in(page, live_server.url, admin)
    for path in [
        f"/organisations/{organisation.pk}/",
        f"/organisations/{organisation.pk}/staff/",
        f"/organisations/{organisation.pk}/notifications/new/",
        f"/notifications/{case.pk}/",
        "/accounts/two-factor/setup/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert page.url == live_server.url + path, path  # not redirected away


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_showing_errors_and_refusals_pass_axe(live_server, page):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Pennine Power Distribution plc")
    admin = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.ADMIN,
        user__email="hannah@pennine.example.org",
    ).user
    secas = with_authenticator(factories.secas_user(email="priya@secas.example.org"))
    case = scenarios.submitted_case(organisation=organisation, by=admin, system_name="Portal")

    # A wrong password is refused with an error on the sign-in page.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()

    # A form sent after its cookies are gone is refused with the expired-page explanation.
    page.context.clear_cookies()
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="This page had expired, so nothing was sent").wait_for()

    sign_in(page, live_server.url, admin)
    assert page.goto(f"{live_server.url}/secas/").status == 404
    assert page.goto(f"{live_server.url}/no-such-page/").status == 404

    # SECAS starts a review without choosing anyone: the errors show beside the fields.
    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/ssc/cases/{case.pk}/")
    page.get_by_role("button", name="Start the review").click()
    page.locator(".invalid-feedback").first.wait_for()
    page.goto(f"{live_server.url}/ssc/meetings/")
