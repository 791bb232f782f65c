"""The SECAS dashboard's charts are readable wherever they are drawn: every label whole, in full,
and at least 12 px on screen, on a phone, at the narrowest desktop layout and on a wide screen."""

import datetime

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator

CHART_TEXT = """() => [...document.querySelectorAll('svg.chart text')].map((text) => {
    const svg = text.ownerSVGElement;
    const box = text.getBBox();
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return {
        text: text.textContent,
        px: parseFloat(getComputedStyle(text).fontSize) * scale,
        inside: box.x >= 0 && box.x + box.width <= svg.viewBox.baseVal.width,
        box: [Math.round(box.x), Math.round(box.width)],
    };
})"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [390, 992, 1400])  # 992: charts a third of a 960 px page
def test_the_dashboard_charts_labels_are_whole_and_at_least_12px(live_server, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    organisation = factories.OrganisationFactory()
    submitter = factories.MembershipFactory(organisation=organisation, role="submitter").user
    secas = with_authenticator(factories.secas_user())
    member = factories.ssc_user()
    held = factories.SSCMeetingFactory(date=timezone.localdate() - datetime.timedelta(days=1))
    scenarios.submitted_case(organisation=organisation, by=submitter, system_name="Portal")
    case = scenarios.submitted_case(organisation=organisation, by=submitter, system_name="App")
    case = scenarios.case_under_review(
        case, by=secas, rapporteur=member, meeting=factories.SSCMeetingFactory()
    )
    scenarios.decided_no_assessment(
        case, by=member, meeting=held, rationale="Assessed with its provider."
    )

    sign_in(page, live_server.url, secas)
    page.goto(live_server.url + "/secas/")
    texts = page.evaluate(CHART_TEXT)
    assert len(texts) > 12
    assert [t for t in texts if t["px"] < 12] == []
    cut_off = [f"{t['text']} {t['box']}" for t in texts if not t["inside"]]
    assert not cut_off, "\n".join(cut_off)
    labels = [t["text"] for t in texts]
    assert "No assessment needed until annual review" in labels  # in full, not truncated
