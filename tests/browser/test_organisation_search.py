"""The queue's organisation filter suggests names as the person types (static script, strict CSP),
and typing part of a name and applying the filter works with or without the suggestions."""

import re

import pytest

from assessments.demo import scenarios
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership

SUGGESTIONS = "() => [...document.querySelectorAll('#organisation-suggestions option')]" + (
    ".map(option => option.value)"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_part_of_a_name_suggests_organisations_and_filters_the_queue(live_server, page):
    page.set_default_timeout(10_000)
    cases = {}
    for name in ["Harbourside Power Ltd", "Harbourside Gas Ltd", "Pennine Energy Ltd"]:
        organisation = factories.OrganisationFactory(name=name)
        submitter = factories.MembershipFactory(
            organisation=organisation, role=Membership.Role.SUBMITTER
        ).user
        cases[name] = scenarios.submitted_case(
            organisation=organisation, by=submitter, system_name="Customer portal"
        )
    member = with_authenticator(factories.ssc_user(full_name="Daniel Okafor"))

    sign_in(page, live_server.url, member)
    page.wait_for_url(re.compile(r"/ssc/$"))
    field = page.get_by_label("Organisation name contains")
    field.press_sequentially("harbour")
    page.wait_for_function(
        "() => document.querySelectorAll('#organisation-suggestions option').length === 2"
    )
    assert page.evaluate(SUGGESTIONS) == ["Harbourside Gas Ltd", "Harbourside Power Ltd"]

    field.fill("Harbourside Gas")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"organisation=Harbourside\+Gas"))
    assert page.get_by_role("link", name=cases["Harbourside Gas Ltd"].reference).count() == 1
    assert page.get_by_role("link", name=cases["Harbourside Power Ltd"].reference).count() == 0
    assert page.get_by_role("link", name=cases["Pennine Energy Ltd"].reference).count() == 0
