"""Issue 14, part 1: SECAS's chair page, the dashboard's banner when nobody can act as chair,
and who "the SSC chair" is for the callers that email them."""

import re

import pytest
from django.urls import reverse

from assessments.selectors import chair_alert
from notifications.recipients import acting_chair as acting_chair_recipients
from tests import factories
from tests.html_forms import form_data, postable
from users.models import CommitteeOffices
from users.selectors import committee_offices

PAGE = reverse("secas:chair")


def text_of(response) -> str:
    """The page as read: tags gone, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def chair(db):
    return factories.ssc_user(full_name="Margaret Chair")


@pytest.fixture
def deputy(db):
    return factories.ssc_user(full_name="Dana Deputy")


# --- The page ----------------------------------------------------------------------------------


def test_secas_sees_who_holds_each_office_and_who_acts(client, secas, chair, deputy):
    factories.record_offices(chair=chair, deputy=deputy)
    client.force_login(secas)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert "SSC chair Margaret Chair" in page
    assert "Deputy chair Dana Deputy" in page
    assert "Acts as chair now Margaret Chair" in page
    assert "No SSC chair can be told" not in page
    data = form_data(response.content.decode(), action=PAGE)
    assert (data["chair"], data["deputy"]) == (str(chair.pk), str(deputy.pk))


def test_the_form_offers_active_ssc_members_only(client, secas, chair, ssc_member):
    factories.UserFactory(full_name="Olive Outsider")
    factories.ssc_user(full_name="Ida Inactive", is_active=False)
    client.force_login(secas)
    html = client.get(PAGE).content.decode()
    select = re.search(r'<select name="chair".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert options == ["Nobody: leave it empty", "Chris Member", "Margaret Chair"]


def test_secas_records_the_chair_and_deputy_by_posting_the_page_back(client, secas, chair, deputy):
    client.force_login(secas)
    data = form_data(client.get(PAGE).content.decode(), action=PAGE)
    data["chair"], data["deputy"] = str(chair.pk), str(deputy.pk)
    response = client.post(PAGE, postable(data), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    page = text_of(response)
    assert "Recorded: Margaret Chair is the SSC chair and Dana Deputy is the deputy chair." in page
    offices = committee_offices()
    assert (offices.chair, offices.deputy) == (chair, deputy)
    # The history shows the change, who made it and why.
    history = page.split("History", 1)[1]
    assert "Sam Secas Margaret Chair Dana Deputy SSC chair and deputy recorded" in history


def test_posting_the_page_back_unchanged_says_nothing_changed(client, secas, chair):
    factories.record_offices(chair=chair)
    client.force_login(secas)
    data = form_data(client.get(PAGE).content.decode(), action=PAGE)
    response = client.post(PAGE, postable(data), follow=True)
    assert "Nothing to change: the chair and deputy were already these." in text_of(response)
    assert CommitteeOffices.history.filter(history_user=secas).count() == 0


def test_the_same_person_twice_is_refused_and_the_choice_is_kept(client, secas, chair, deputy):
    factories.record_offices(deputy=deputy)
    client.force_login(secas)
    data = form_data(client.get(PAGE).content.decode(), action=PAGE)
    data["chair"] = data["deputy"] = str(chair.pk)
    response = client.post(PAGE, postable(data))
    assert response.status_code == 200
    page = text_of(response)
    assert "Nothing was changed: please correct the form." in page
    assert "The chair and deputy have not been changed" in page
    assert "Margaret Chair cannot be both the chair and the deputy chair" in page
    shown = form_data(response.content.decode(), action=PAGE)
    assert (shown["chair"], shown["deputy"]) == (str(chair.pk), str(chair.pk))
    assert committee_offices().deputy == deputy


def test_someone_who_left_the_ssc_is_shown_as_such_and_must_be_replaced(
    client, secas, chair, deputy
):
    factories.record_offices(chair=chair, deputy=deputy)
    chair.groups.clear()
    client.force_login(secas)
    response = client.get(PAGE)
    assert "Margaret Chair (no longer an active SSC member)" in response.content.decode()
    assert "Acts as chair now Dana Deputy (deputy chair, as the chair, Margaret Chair, is no " in (
        text_of(response)
    )
    data = form_data(response.content.decode(), action=PAGE)
    response = client.post(PAGE, postable(data))
    assert response.status_code == 200
    assert "Margaret Chair cannot be the chair: only an active SSC member can." in text_of(response)


@pytest.mark.parametrize("who", ["ssc_member", "submitter", "conflicted_member"])
def test_people_outside_secas_get_not_found_on_the_page_and_for_a_post(client, request, who, chair):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"chair": chair.pk, "deputy": ""}).status_code == 404
    assert committee_offices().chair is None


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_register_history_lists_chair_changes(client, secas, chair):
    client.force_login(secas)
    data = form_data(client.get(PAGE).content.decode(), action=PAGE)
    data["chair"] = str(chair.pk)
    client.post(PAGE, postable(data))
    page = text_of(client.get(reverse("secas:register_history"), {"register": "chair"}))
    assert "The SSC chair and deputy chair" in page
    assert "SSC chair : — → Margaret Chair" in page


# --- The dashboard's banner --------------------------------------------------------------------


def test_the_dashboard_says_loudly_when_nobody_can_act_as_chair(client, secas):
    factories.record_offices()
    client.force_login(secas)
    response = client.get(reverse("secas:dashboard"))
    page = text_of(response)
    assert "No SSC chair can be told" in page
    assert (
        "Nobody can act as SSC chair: no chair is recorded, and no deputy chair is recorded. "
        "Go-live alerts go to SECAS alone" in page
    )
    assert f'href="{PAGE}">Record the SSC chair and deputy chair</a>' in (response.content.decode())


def test_the_dashboard_names_open_cases_no_chair_can_act_on(client, secas, chair, submitted):
    chair.conflicts_of_interest.create(organisation=submitted.organisation, reason="Employer")
    factories.record_offices(chair=chair)
    client.force_login(secas)
    page = text_of(client.get(reverse("secas:dashboard")))
    assert "Nobody can act as SSC chair on 1 open case, for conflicts of interest." in page
    assert (
        f"{submitted.reference} ({submitted.organisation.name}, go-live "
        f"{submitted.planned_go_live_date:%d/%m/%Y}): the chair, Margaret Chair, has a conflict "
        f"of interest with {submitted.organisation.name}, and no deputy chair is recorded." in page
    )


def test_the_dashboard_has_no_banner_while_someone_can_act(client, secas, chair, deputy, submitted):
    chair.conflicts_of_interest.create(organisation=submitted.organisation, reason="Employer")
    factories.record_offices(chair=chair, deputy=deputy)
    client.force_login(secas)
    page = text_of(client.get(reverse("secas:dashboard")))
    assert "No SSC chair can be told" not in page
    assert chair_alert() is None


def test_a_decided_case_raises_no_alert(chair, submitted, secas, ssc_member, meeting):
    from assessments.services import decide, start_review

    chair.conflicts_of_interest.create(organisation=submitted.organisation, reason="Employer")
    factories.record_offices(chair=chair)
    assert chair_alert().case_count == 1
    start_review(notification=submitted, by=secas, rapporteur=ssc_member, meeting=meeting)
    decide(
        notification=submitted,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Fine.",
        meeting=meeting,
    )
    assert chair_alert() is None


def test_the_acting_chair_audience_addresses_whoever_acts(chair, deputy, organisation):
    factories.record_offices(chair=chair, deputy=deputy)
    (recipient,) = acting_chair_recipients(organisation)
    assert (recipient.email, recipient.is_committee) == (chair.email, True)
    chair.conflicts_of_interest.create(organisation=organisation, reason="Employer")
    assert [r.email for r in acting_chair_recipients(organisation)] == [deputy.email]
    factories.record_offices()
    assert acting_chair_recipients(organisation) == []
