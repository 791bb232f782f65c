"""Every error stands beside its field, and each page's error summary links to it (issue 9, item 6).

Each case posts what a person might get wrong on a page with a form; the check reads the
page's error summary and requires every linked field to be on the page with its error beside it.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import NotificationState
from tests import factories
from tests.html_forms import errors_away_from_their_fields, form_data, postable


def assert_each_error_beside_its_field(response, *expected):
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert "error-summary" in page, "the page shows no error summary"
    for message in expected:
        assert message in page
    problems = errors_away_from_their_fields(page)
    assert not problems, "\n".join(problems)


def test_the_draft_form(client, draft, preparer):
    client.force_login(preparer)
    url = reverse("notifications:edit", args=[draft.pk])
    data = form_data(client.get(url).content.decode(), action=url)
    data.update(
        {
            "contact_email": "not an address",
            "planned_go_live_date": "31/02/2027",
            "has_known_non_compliances": "False",
            "known_non_compliances": "Details that contradict the answer.",
            "action": "Save draft",
        }
    )
    response = client.post(url, postable(data))
    assert_each_error_beside_its_field(
        response,
        "Enter an email address like name@example.org.",
        "Enter a real date, for example 27/03/2027.",
        "clear these details",
    )


def test_the_declaration(client, draft, submitter):
    client.force_login(submitter)
    version = draft.updated_at.isoformat()
    response = client.post(
        reverse("notifications:submit", args=[draft.pk]), {"checked_version": version}
    )
    assert_each_error_beside_its_field(
        response, "Please confirm the declaration before submitting."
    )
    draft.refresh_from_db()
    assert draft.state == NotificationState.DRAFT


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("triage", {}, "Please choose a rapporteur."),
        ("request_information", {"question": ""}, "Please write the question you want answered."),
    ],
)
def test_the_case_page_steps(client, submitted, secas, ssc_member, step, data, message):
    client.force_login(secas)
    response = client.post(reverse(f"assessments:{step}", args=[submitted.pk]), data)
    assert_each_error_beside_its_field(response, message)


def test_the_case_page_decision(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:decide", args=[under_review.pk]),
        {"rationale": "", "meeting": meeting.pk},
    )
    assert_each_error_beside_its_field(
        response, "Please choose one of the two outcomes.", "A decision needs a written rationale."
    )


def test_the_meeting_items_decision_page(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    url = reverse("assessments:decide", args=[under_review.pk])
    page = client.get(url, {"meeting": meeting.pk}).content.decode()
    data = form_data(page, action=url)
    data["rationale"] = "Typed before choosing an outcome."
    response = client.post(url, postable(data))
    assert_each_error_beside_its_field(response, "Please choose one of the two outcomes.")
    assert "Typed before choosing an outcome." in response.content.decode()


def test_the_meeting_items_deferral_page(client, under_review, ssc_member, meeting):
    factories.SSCMeetingFactory(date=meeting.date + datetime.timedelta(days=14))
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(client.get(url, {"meeting": meeting.pk}).content.decode(), action=url)
    data["reason"] = "Typed before choosing the later meeting."
    response = client.post(url, postable(data))
    assert_each_error_beside_its_field(
        response, "Please choose the later meeting the case is deferred to."
    )
    assert "Typed before choosing the later meeting." in response.content.decode()


def test_a_new_meeting(client, secas):
    client.force_login(secas)
    response = client.post(
        reverse("assessments:meetings"),
        {"date": (timezone.localdate() + datetime.timedelta(days=9000)).isoformat(), "quorum": ""},
    )
    assert_each_error_beside_its_field(response, "Enter a date within ten years of today.")


def test_the_withdrawal_and_the_message_on_the_notification_page(client, submitted, submitter):
    client.force_login(submitter)
    response = client.post(reverse("notifications:withdraw", args=[submitted.pk]), {"reason": ""})
    assert_each_error_beside_its_field(response, "Please give a reason for withdrawing.")
    response = client.post(reverse("notifications:message", args=[submitted.pk]), {"body": ""})
    assert_each_error_beside_its_field(response, "Please write a message before sending it.")


def test_the_check_finds_an_error_shown_only_at_the_top():
    page = (
        '<div class="alert error-summary"><ul><li><a href="#id_x">X: Fix this.</a></li></ul></div>'
        '<form><div id="div_id_x"><input id="id_x"></div><div id="div_id_y"></div>'
        "<p>Fix this.</p></form>"
    )
    assert errors_away_from_their_fields(page) == [
        "“Fix this.” is not shown beside its field #id_x"
    ]
    assert errors_away_from_their_fields(page.replace('id="id_x"', "")) == [
        "the summary links to #id_x, which is not on the page"
    ]
