"""On a phone (390 px wide) no page scrolls sideways: wide tables scroll inside their own box,
long unbroken strings wrap, filter forms stack."""

import datetime

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from notifications import services as intake
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from users.models import Membership

PHONE = {"width": 390, "height": 844}
# A reference-like string with no break opportunity, longer than a phone is wide.
UNBROKEN = "DCCUserGatewayAdapterForSMETS2MeterReadingsAndTariffUpdatesEverywhere"

OVERFLOW = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .filter((el) => !el.parentElement.closest('.table-responsive'))
        .slice(0, 5)
        .map((el) => el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 60));
    // A box that scrolls must be reachable from the keyboard (static/js/tables.js).
    const unreachable = [...document.querySelectorAll('.table-responsive')]
        .filter((box) => box.scrollWidth > box.clientWidth + 1 && box.tabIndex !== 0)
        .map((box) => box.textContent.trim().slice(0, 60));
    return {scroll: document.documentElement.scrollWidth, width, wide, unreachable};
}"""


def assert_no_sideways_scroll(page, path):
    layout = page.evaluate(OVERFLOW)
    assert layout["scroll"] <= layout["width"], (path, layout)
    assert layout["unreachable"] == [], path


def build_casework():
    """An organisation with wide tables and long strings on every page the journeys visit."""
    organisation = factories.OrganisationFactory(
        name="Pennine Power Distribution and Smart Metering Services plc"
    )
    admin = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.ADMIN,
        user__email="hannah.lister-fotheringham@pennine-power-distribution.example.org",
        user__full_name="Hannah Lister-Fotheringham",
    ).user
    secas = with_authenticator(factories.secas_user(email="priya@secas.example.org"))
    member = with_authenticator(factories.ssc_user(full_name="Chris Member-Longname"))
    past = factories.SSCMeetingFactory(
        title="SSC meeting 185", date=timezone.localdate() - datetime.timedelta(days=1)
    )
    meeting = factories.SSCMeetingFactory(title="SSC meeting 186")
    case, decided, asked = (
        scenarios.case_under_review(
            scenarios.submitted_case(organisation=organisation, by=admin, system_name=name),
            by=secas,
            rapporteur=member,
            meeting=meeting,
        )
        for name in [UNBROKEN, "Customer app platform", "Prepayment top-up gateway"]
    )
    scenarios.assessment_required(
        decided,
        by=member,
        meeting=past,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
        rationale="Never assessed.",
    )
    intake.request_information(notification=asked, by=secas, question=f"What is {UNBROKEN}?")
    intake.post_message(notification=case, by=admin, body=f"About {UNBROKEN}: see the diagram.")
    review = scenarios.annual_review(organisation)
    draft = scenarios.draft(organisation=organisation, by=admin, system_name=UNBROKEN + "Draft")
    return {
        "organisation": organisation,
        "admin": admin,
        "secas": secas,
        "case": case,
        "draft": draft,
        "review": review,
        "meeting": meeting,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_page_scrolls_sideways_on_a_phone(live_server, page):
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    data = build_casework()
    organisation, case, draft = data["organisation"], data["case"], data["draft"]

    for path in ["/", "/accounts/login/", "/accounts/password-reset/"]:
        page.goto(live_server.url + path)
        assert_no_sideways_scroll(page, path)

    sign_in(page, live_server.url, data["secas"])
    for path in [
        "/secas/",
        f"/secas/assessments/{data['review'].pk}/",
        f"/secas/cases/{case.pk}/communications/",
        f"/secas/organisations/{organisation.pk}/communications/",
        "/secas/audit/",
        "/ssc/",
        "/ssc/?mine=on",
        f"/ssc/cases/{case.pk}/",
        "/ssc/meetings/",
        f"/ssc/meetings/{data['meeting'].pk}/",
        "/calendar/",
        "/accounts/two-factor/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert page.url == live_server.url + path, path  # not redirected away
        assert_no_sideways_scroll(page, path)

    sign_in(page, live_server.url, data["admin"])
    page.goto(live_server.url + "/calendar/")
    page.get_by_role("button", name="Create my calendar address").click()
    for path in [
        f"/organisations/{organisation.pk}/",
        f"/organisations/{organisation.pk}/staff/",
        f"/organisations/{organisation.pk}/notifications/new/",
        f"/notifications/{draft.pk}/edit/",
        f"/notifications/{draft.pk}/check/",
        f"/notifications/{case.pk}/",
        "/calendar/",
        "/accounts/two-factor/setup/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert page.url == live_server.url + path, path
        assert_no_sideways_scroll(page, path)
