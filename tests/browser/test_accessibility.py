"""The pages no journey reaches are visited too, so axe and the HTML check cover them as well
(tests/browser/conftest.py checks every page a browser test visits)."""

import pytest
from django.utils import timezone

from assessments.models import Assessment
from notifications import services as intake
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
    draft = factories.NotificationFactory(organisation=organisation, created_by=admin)
    case = intake.submit_notification(notification=draft, by=admin, declaration_accepted=True)
    review = Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        cycle_year=2,
        due_date=timezone.localdate() + timezone.timedelta(days=30),
    )

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
