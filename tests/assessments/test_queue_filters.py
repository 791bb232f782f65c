"""The SSC queue's filters, used as a person uses them: read the form on the page, choose, submit,
and read which cases the page then lists."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import decide, start_review
from notifications import services as intake
from tests import factories
from tests.html_forms import forms_in

QUEUE = "/ssc/"
REFUSED = "The filters were not applied: please correct the one marked below."


@pytest.fixture
def cases(organisation, other_organisation, preparer, submitter, secas, ssc_member, meeting):
    """Four submitted cases that differ in every filterable way; one of them already decided."""
    other_submitter = factories.MembershipFactory(
        organisation=other_organisation, role="submitter"
    ).user
    other_organisation.party_category = "large_supplier"
    other_organisation.save()
    today = timezone.localdate()

    def submitted(org, by, name, go_live_in, **fields):
        creator = preparer if org == organisation else by
        draft = factories.NotificationFactory(
            organisation=org,
            created_by=creator,
            system_name=name,
            planned_go_live_date=today + datetime.timedelta(days=go_live_in),
            **fields,
        )
        return intake.submit_notification(notification=draft, by=by, declaration_accepted=True)

    found = {
        "soon": submitted(organisation, submitter, "Soon", 5),
        "late": submitted(organisation, submitter, "Late", 0),
        "srp": submitted(
            other_organisation,
            other_submitter,
            "Provided",
            200,
            delivery_model="srp",
            provider=factories.SharedResourceProviderFactory(),
        ),
        "decided": submitted(other_organisation, other_submitter, "Decided", 60),
    }
    start_review(notification=found["srp"], by=secas, rapporteur=ssc_member, meeting=meeting)
    start_review(notification=found["decided"], by=secas, rapporteur=ssc_member, meeting=meeting)
    decide(
        notification=found["decided"],
        by=ssc_member,
        outcome="no_assessment",
        rationale="Assessed provider.",
        meeting=meeting,
    )
    return found


def queue_form(html: str):
    (form,) = [f for f in forms_in(html) if f.attrs.get("aria-label") == "Filter the queue"]
    return form


def submitted_values(html: str) -> dict[str, str]:
    """What pressing "Apply filters" would send, as a dict (each field sends one value)."""
    return dict(queue_form(html).fields)


def options(html: str, name: str) -> dict[str, str]:
    """A select's options on the page, label by value."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return {
        value: " ".join(label.split())
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select)
    }


def shown(html: str, cases: dict) -> list[str]:
    """The cases listed, in the page's order."""
    listed = [(html.find(case.reference), name) for name, case in cases.items()]
    return [name for at, name in sorted(listed) if at != -1]


def test_the_form_offers_the_queues_filters_with_their_labels_and_defaults(client, ssc_member):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()

    assert list(submitted_values(html)) == [
        "state",
        "organisation",
        "party_category",
        "delivery_model",
        "go_live_within",
        "meeting",
        "sort",
    ]  # the two tick boxes send nothing until ticked
    for label in [
        "Cases",
        "Organisation name contains",
        "Party category",
        "Delivery model",
        "Late notifications only",
        "Go-live within (days)",
        "My cases (I am rapporteur)",
        "Meeting",
        "Sort",
        "Meetings of the last 3 months and the next 6.",
    ]:
        assert f">{label}<" in html, label
    assert submitted_values(html)["state"] == ""
    assert options(html, "state")[""] == "Live cases (awaiting a decision)"
    assert options(html, "state")["all"] == "All cases, decided and closed included"
    assert "draft" not in options(html, "state")
    assert submitted_values(html)["sort"] == "go_live"
    assert options(html, "sort") == {
        "go_live": "Go-live date, soonest first",
        "oldest": "Oldest submission first",
        "newest": "Newest submission first",
    }
    assert options(html, "party_category")[""] == "Any category"
    assert options(html, "delivery_model")[""] == "Any delivery model"
    assert options(html, "meeting")[""] == "Any meeting"


def test_the_organisation_filter_is_typed_text_with_suggestions_not_a_list(
    client, ssc_member, other_organisation
):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()

    field = re.search(r'<input type="text" name="organisation"[^>]*>', html).group(0)
    assert 'list="organisation-suggestions"' in field
    assert '<select name="organisation"' not in html
    search_url = re.search(
        r'<datalist id="organisation-suggestions" data-search-url="([^"]+)"', html
    ).group(1)
    assert client.get(search_url, {"q": "southd"}).json() == {"names": ["Southdown Power Ltd"]}
    assert re.search(r'<script src="[^"]*js/organisation-search[^"]*\.js"', html)


def test_the_unchanged_form_shows_live_cases_soonest_go_live_first(client, cases, ssc_member):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()

    again = client.get(QUEUE, submitted_values(html)).content.decode()

    assert shown(html, cases) == ["late", "soon", "srp"]
    assert shown(again, cases) == ["late", "soon", "srp"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("state", "all", {"late", "soon", "srp", "decided"}),
        ("state", "under_review", {"srp"}),
        ("state", "no_assessment_needed", {"decided"}),
        ("state", "submitted", {"late", "soon"}),
        ("organisation", "southDOWN", {"srp"}),
        ("party_category", "large_supplier", {"srp"}),
        ("delivery_model", "in_house", {"late", "soon"}),
        ("delivery_model", "srp", {"srp"}),
        ("go_live_within", "10", {"late", "soon"}),
        ("go_live_within", "0", {"late"}),
    ],
)
def test_each_filter_chosen_on_the_form_narrows_the_list(
    client, cases, ssc_member, field, value, expected
):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()
    if field in {"state", "party_category", "delivery_model"}:
        assert value in options(html, field), f"{value} is not offered"
    data = submitted_values(html) | {field: value}

    page = client.get(QUEUE, data).content.decode()

    assert set(shown(page, cases)) == expected
    assert submitted_values(page)[field] == value, "the form forgets what was chosen"
    assert REFUSED not in page


@pytest.mark.parametrize(("tick", "expected"), [("late", {"late"}), ("mine", {"srp"})])
def test_ticking_a_box_narrows_the_list_and_stays_ticked(client, cases, ssc_member, tick, expected):
    cases["late"].is_late = True
    cases["late"].save(update_fields=["is_late"])
    client.force_login(ssc_member)
    data = submitted_values(client.get(QUEUE).content.decode()) | {tick: "on"}

    page = client.get(QUEUE, data).content.decode()

    assert set(shown(page, cases)) == expected
    assert submitted_values(page)[tick] == "on"


def test_the_meeting_filter_offers_the_meeting_and_lists_its_cases(
    client, cases, ssc_member, meeting
):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()
    assert f"{meeting.date:%d/%m/%Y}" in options(html, "meeting")[str(meeting.pk)]

    page = client.get(QUEUE, submitted_values(html) | {"meeting": str(meeting.pk)}).content
    assert set(shown(page.decode(), cases)) == {"srp"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("go_live", ["late", "soon", "srp"]),
        ("oldest", ["soon", "late", "srp"]),
        ("newest", ["srp", "late", "soon"]),
    ],
)
def test_each_sort_orders_the_list(client, cases, ssc_member, sort, expected):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()

    page = client.get(QUEUE, submitted_values(html) | {"sort": sort}).content.decode()

    assert shown(page, cases) == expected


def test_a_bookmarked_address_with_several_filters_still_works(client, cases, ssc_member):
    client.force_login(ssc_member)
    page = client.get(
        QUEUE + "?state=all&organisation=southdown&sort=newest&party_category=large_supplier"
    ).content.decode()
    assert shown(page, cases) == ["decided", "srp"]


def test_no_filter_reaches_a_case_the_person_may_not_see(client, cases, conflicted_member):
    client.force_login(conflicted_member)
    page = client.get(QUEUE, {"state": "all", "organisation": "Northwind"}).content.decode()
    everything = client.get(QUEUE, {"state": "all"}).content.decode()

    assert shown(page, cases) == []
    assert set(shown(everything, cases)) == {"srp", "decided"}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("sort=evil", "sort", "“evil” is not one of the options: choose one from the list."),
        ("state=nonsense", "state", "“nonsense” is not one of the options"),
        ("state=draft", "state", "“draft” is not one of the options"),
        ("party_category=%3Cb%3E", "party_category", "“&lt;b&gt;” is not one of the options"),
        ("meeting=abc", "meeting", "That meeting is not one of the options"),
        ("meeting=99999999999999999999999", "meeting", "That meeting is not one of the options"),
        ("go_live_within=abc", "go_live_within", "Enter a number of days, e.g. 30."),
        ("go_live_within=-1", "go_live_within", "greater than or equal to 0"),
        ("go_live_within=99999999999", "go_live_within", "less than or equal to 3650"),
        ("organisation=" + "x" * 300, "organisation", "at most 200 characters"),
        ("state=all&sort=evil", "sort", "“evil” is not one of the options"),
    ],
)
def test_hostile_filters_are_explained_and_the_default_queue_is_shown(
    client, cases, ssc_member, query, field, message
):
    client.force_login(ssc_member)

    response = client.get(f"{QUEUE}?{query}")

    page = response.content.decode()
    assert response.status_code == 200
    assert REFUSED in page
    error = re.search(rf'id="id_{field}_error">(.*?)</div></div>', page, re.S).group(1)
    assert message in error
    # Nothing half-applied: live cases, soonest go-live first, as with no filter at all.
    assert shown(page, cases) == ["late", "soon", "srp"]


def test_a_filter_the_page_does_not_know_is_ignored(client, cases, ssc_member):
    client.force_login(ssc_member)
    page = client.get(QUEUE, {"organisation__in": "x", "o": "-pk", "page": "-3"}).content
    assert shown(page.decode(), cases) == ["late", "soon", "srp"]
    assert REFUSED not in page.decode()


def test_the_state_counts_link_to_the_filter_they_count(client, cases, ssc_member):
    client.force_login(ssc_member)
    html = client.get(QUEUE).content.decode()
    assert 'href="?state=under_review"' in html

    page = client.get(reverse("assessments:dashboard"), {"state": "under_review"}).content
    assert set(shown(page.decode(), cases)) == {"srp"}
