"""The written procedure's pages: each form rendered, then posted back as the page would."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import written
from assessments.models import Decision, WrittenProcedure
from tests import factories
from tests.html_forms import form_data, postable

State = WrittenProcedure.State


@pytest.fixture(autouse=True)
def _quorum_of_two(settings):
    settings.SSC_MEETING_QUORUM = 2


@pytest.fixture
def members(ssc_member, meeting):
    """Three members who may reply: the rapporteur, the meeting's attendee and one other."""
    return [
        ssc_member,
        *meeting.attendees.exclude(pk=ssc_member.pk),
        factories.ssc_user(full_name="Robin Third"),
    ]


@pytest.fixture
def procedure(under_review, secas, members):
    return written.open_written_procedure(
        notification=under_review, by=secas, outcome="no_assessment", rationale="Assessed."
    )


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def case_url(case):
    return reverse("assessments:case", args=[case.pk])


def test_secas_opens_one_from_the_case_page(client, secas, under_review, members):
    client.force_login(secas)
    page = client.get(case_url(under_review)).content.decode()
    action = reverse("assessments:open_written_procedure", args=[under_review.pk])
    data = form_data(page, action=action)
    data["outcome"] = Decision.Outcome.NO_ASSESSMENT
    data["rationale"] = "Assessed as part of its SRP's FUSA."
    response = client.post(action, postable(data), follow=True)
    procedure = WrittenProcedure.objects.get()
    text = page_text(response)
    assert f"replies close at the end of {procedure.closes_on:%d/%m/%Y}" in text
    assert "Assessed as part of its SRP's FUSA." in text
    text = page_text(client.get(case_url(under_review)))
    assert f"Written procedure open until {procedure.closes_on:%d/%m/%Y} (0 of 3 replies)" in text


def test_a_wrong_proposal_keeps_what_was_typed(client, secas, under_review, members):
    client.force_login(secas)
    page = client.get(case_url(under_review)).content.decode()
    action = reverse("assessments:open_written_procedure", args=[under_review.pk])
    data = form_data(page, action=action)
    data["outcome"] = Decision.Outcome.ASSESSMENT_REQUIRED
    data["rationale"] = "Never assessed."
    response = client.post(action, postable(data))
    assert response.status_code == 200
    text = page_text(response)
    assert "No written procedure has been opened" in text
    assert "Never assessed." in text
    assert not WrittenProcedure.objects.exists()


def test_a_member_sees_it_on_the_queue_and_replies_on_its_page(client, procedure, members):
    client.force_login(members[1])
    queue = page_text(client.get(reverse("assessments:dashboard")))
    assert f"Written procedure open until {procedure.closes_on:%d/%m/%Y} (0 of 3 replies)" in queue
    url = reverse("assessments:written_procedure", args=[procedure.pk])
    action = reverse("assessments:written_procedure_reply", args=[procedure.pk])
    data = form_data(client.get(url).content.decode(), action=action)
    data["answer"] = "agree"
    data["comment"] = "Covered by the SRP's assessment."
    text = page_text(client.post(action, postable(data), follow=True))
    assert "Your reply is recorded: Agree." in text
    assert "Covered by the SRP's assessment." in text
    assert "None awaiting your reply." in page_text(client.get(reverse("assessments:dashboard")))


def test_the_reply_that_carries_it_says_so_and_the_case_reads_decided_by_written_procedure(
    client, procedure, members, under_review
):
    written.reply_to_written_procedure(procedure=procedure, by=members[0], answer="agree")
    client.force_login(members[1])
    action = reverse("assessments:written_procedure_reply", args=[procedure.pk])
    text = page_text(client.post(action, {"answer": "agree", "comment": ""}, follow=True))
    assert "With your reply the written procedure carried" in text
    case_page = page_text(client.get(case_url(under_review)))
    assert (
        "The Security Sub-Committee decided by written procedure (a decision by correspondence) "
        f"concluded on {timezone.localdate():%d/%m/%Y}" in case_page
    )


def test_a_reply_without_an_answer_is_shown_again(client, procedure, members):
    client.force_login(members[1])
    action = reverse("assessments:written_procedure_reply", args=[procedure.pk])
    response = client.post(action, {"comment": "Not sure yet."})
    assert response.status_code == 200
    text = page_text(response)
    assert "Please choose agree, disagree or abstain." in text
    assert "Not sure yet." in text


def test_a_conflicted_member_gets_404(client, procedure, conflicted_member):
    client.force_login(conflicted_member)
    url = reverse("assessments:written_procedure", args=[procedure.pk])
    assert client.get(url).status_code == 404
    reply = reverse("assessments:written_procedure_reply", args=[procedure.pk])
    assert client.post(reply, {"answer": "agree"}).status_code == 404


def test_a_stale_page_is_told_what_happened(client, procedure, members, secas):
    client.force_login(members[1])
    url = reverse("assessments:written_procedure", args=[procedure.pk])
    action = reverse("assessments:written_procedure_reply", args=[procedure.pk])
    data = form_data(client.get(url).content.decode(), action=action)
    written.withdraw_written_procedure(procedure=procedure, by=secas, reason="Wrong outcome.")
    data["answer"] = "agree"
    text = page_text(client.post(action, postable(data), follow=True))
    assert "was withdrawn" in text
    assert "Wrong outcome." in text


def test_secas_withdraws_it_with_a_reason(client, procedure, secas):
    client.force_login(secas)
    url = reverse("assessments:written_procedure", args=[procedure.pk])
    action = reverse("assessments:written_procedure_withdraw", args=[procedure.pk])
    data = form_data(client.get(url).content.decode(), action=action)
    assert page_text(client.post(action, postable(data))).count("Please say why") >= 1
    data["reason"] = "The User is sending a new architecture."
    text = page_text(client.post(action, postable(data), follow=True))
    assert "is withdrawn; the replies stay on record" in text
    assert WrittenProcedure.objects.get().state == State.WITHDRAWN


def test_secas_settles_an_expired_one_from_its_page(client, procedure, secas, time_machine):
    time_machine.move_to(procedure.closes_on + datetime.timedelta(days=1))
    client.force_login(secas)
    url = reverse("assessments:written_procedure", args=[procedure.pk])
    action = reverse("assessments:written_procedure_close", args=[procedure.pk])
    form_data(client.get(url).content.decode(), action=action)
    text = page_text(client.post(action, follow=True))
    assert "closed on" in text
    assert "without carrying" in text
    assert WrittenProcedure.objects.get().state == State.NOT_CARRIED


def test_the_meetings_page_does_not_offer_a_decision_by_correspondence(client, secas):
    client.force_login(secas)
    page = page_text(client.get(reverse("assessments:meetings")))
    assert "Decision by correspondence" not in page
    assert "opens a written procedure from the case page" in page
