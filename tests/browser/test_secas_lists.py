"""SECAS's full lists pass axe and the HTML check (tests/browser/conftest.py checks every page a
browser test visits), with rows in every table, a narrowing filter chosen and a second page."""

import datetime

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from assessments.models import Assessment
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_secas_full_lists_pass_axe(live_server, page):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Pennine Power Distribution plc")
    submitter = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.SUBMITTER
    ).user
    secas = with_authenticator(factories.secas_user(email="priya@secas.example.org"))
    today = timezone.localdate()
    # Notified late: it goes live today.
    scenarios.submitted_case(
        organisation=organisation, by=submitter, system_name="Portal", go_live=today
    )
    Assessment.objects.bulk_create(
        [
            Assessment(
                organisation=organisation,
                kind="vusa",
                cycle_year=2,
                due_date=today + datetime.timedelta(days=index - 5),  # the first five overdue
            )
            for index in range(55)
        ]
    )

    sign_in(page, live_server.url, secas)
    for path in [
        "/secas/awaiting/",
        "/secas/awaiting/?state=submitted",
        "/secas/assessments/?stage=required",
        "/secas/assessments/?page=2",
        "/secas/annual-reviews/",
        "/secas/late-notifications/",
        "/secas/organisations-at-risk/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert page.url == live_server.url + path, path  # not redirected away
    assert page.get_by_role("link", name="Pennine Power Distribution plc").is_visible()
