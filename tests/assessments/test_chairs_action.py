"""Issue 14, part 2: chair's action when a go-live comes before the next meeting that could decide
the case; part 5: the committee's decision, minuted by SECAS, with the members present and dissent;
letters and minutes saying "The Security Sub-Committee decided …"."""

import datetime
import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import documents, services
from assessments.models import AgendaItem, Decision, SSCMeeting
from assessments.selectors import chairs_action_window, meeting_to_decide
from notifications.models import NotificationState
from notifications.services import TransitionRefused, submit_notification
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.html_forms import form_data, postable

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=60)
RATIONALE = "Hosted by an SRP whose assessment covered this service; typed with care."


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def chair(db):
    return factories.ssc_chair(full_name="Cass Chair")


@pytest.fixture
def other_member(db):
    return factories.ssc_user(full_name="Olly Other")


@pytest.fixture
def next_meeting(db, ssc_member, other_member):
    return factories.SSCMeetingFactory(date=days(14), attendees=[ssc_member, other_member])


def urgent(organisation, preparer, submitter, secas, rapporteur, meeting, *, go_live=5):
    """A case under review on `meeting`'s agenda, going live `go_live` days from today."""
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, planned_go_live_date=days(go_live)
    )
    case = submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    return services.start_review(
        notification=case, by=secas, rapporteur=rapporteur, meeting=meeting
    )


@pytest.fixture
def urgent_case(organisation, preparer, submitter, secas, ssc_member, next_meeting):
    return urgent(organisation, preparer, submitter, secas, ssc_member, next_meeting)


def by_chairs_action(case, chair, meeting, **changes):
    return services.decide(
        notification=case,
        by=chair,
        route=Decision.Route.CHAIRS_ACTION,
        meeting=meeting,
        outcome=changes.pop("outcome", Decision.Outcome.NO_ASSESSMENT),
        rationale=RATIONALE,
        **changes,
    )


# --- Part 2: the service ---------------------------------------------------------------------


def test_the_acting_chair_decides_an_urgent_case_reported_to_its_agenda_meeting(
    urgent_case, chair, next_meeting, secas, ssc_member, other_member, conflicted_member
):
    assert chairs_action_window(urgent_case).is_open
    decision = by_chairs_action(urgent_case, chair, next_meeting)

    urgent_case.refresh_from_db()
    assert urgent_case.state == NotificationState.NO_ASSESSMENT_NEEDED
    assert (decision.route, decision.meeting, decision.decided_by) == (
        Decision.Route.CHAIRS_ACTION,
        next_meeting,
        chair,
    )
    assert list(decision.members_present.all()) == []
    assert decision.committee_sentence == (
        f"The Security Sub-Committee decided by chair's action on {TODAY:%d/%m/%Y}, taken by "
        f"Cass Chair as acting chair, to be reported to its meeting of {days(14):%d/%m/%Y}"
    )
    log = StateLog.objects.for_(urgent_case).latest()
    assert log.description.startswith("The Security Sub-Committee decided by chair's action")
    told = OutboundEmail.objects.filter(kind="chairs_action_taken")
    addresses = {address for email in told for address in email.to}
    assert addresses == {settings.SECAS_MAILBOX, ssc_member.email, other_member.email}
    assert chair.email not in addresses
    assert conflicted_member.email not in addresses
    assert "to be noted there" in told.first().body_text
    letter = OutboundEmail.objects.get(kind="decision_letter", to=[urgent_case.contact_email])
    assert "by chair's action on" in letter.body_text
    assert f"to be reported to its meeting of {days(14):%d/%m/%Y}" in letter.body_text


def test_the_deputy_acts_when_the_chair_is_conflicted_and_the_chair_cannot(
    urgent_case, organisation, next_meeting
):
    chair = factories.ssc_user(full_name="Cass Chair")
    chair.conflicts_of_interest.create(organisation=organisation, reason="Former employer")
    deputy = factories.ssc_user(full_name="Dee Deputy")
    factories.record_offices(chair=chair, deputy=deputy)

    with pytest.raises(TransitionRefused, match=r"Only the acting chair .* Dee Deputy"):
        by_chairs_action(urgent_case, chair, next_meeting)
    decision = by_chairs_action(urgent_case, deputy, next_meeting)
    assert decision.decided_by == deputy
    assert "taken by Dee Deputy as acting chair" in decision.how_decided


def test_a_member_who_is_not_the_acting_chair_cannot_take_chairs_action(
    urgent_case, chair, ssc_member, next_meeting
):
    with pytest.raises(TransitionRefused, match=r"Only the acting chair .* Cass Chair"):
        by_chairs_action(urgent_case, ssc_member, next_meeting)
    assert not Decision.objects.exists()


def test_with_nobody_able_to_act_as_chair_the_refusal_says_why(
    urgent_case, ssc_member, next_meeting
):
    with pytest.raises(TransitionRefused, match=r"Nobody can act as chair .*no chair is recorded"):
        by_chairs_action(urgent_case, ssc_member, next_meeting)


def test_chairs_action_is_refused_when_the_go_live_is_not_before_the_meeting(
    organisation, preparer, submitter, secas, ssc_member, next_meeting, chair
):
    case = urgent(organisation, preparer, submitter, secas, ssc_member, next_meeting, go_live=14)
    assert not chairs_action_window(case).is_open
    with pytest.raises(TransitionRefused, match="is not before the meeting of"):
        by_chairs_action(case, chair, next_meeting)


def test_without_a_meeting_booked_the_case_qualifies_but_secas_must_book_one_first(
    organisation, preparer, submitter, secas, ssc_member, chair, meeting
):
    # Its agenda meeting is today's; once past, nothing else is booked.
    case = urgent(organisation, preparer, submitter, secas, ssc_member, meeting)
    AgendaItem.objects.filter(notification=case).update(
        meeting=factories.SSCMeetingFactory(date=days(-1))
    )
    window = chairs_action_window(case)
    assert (window.is_open, window.meeting) == (True, None)
    with pytest.raises(TransitionRefused, match="Ask SECAS to book the next meeting first"):
        by_chairs_action(case, chair, None)


def test_off_any_agenda_the_next_ordinary_meeting_notes_it_and_gets_it_on_its_agenda(
    organisation, preparer, submitter, secas, ssc_member, chair, meeting
):
    case = urgent(organisation, preparer, submitter, secas, ssc_member, meeting)
    AgendaItem.objects.filter(notification=case).update(
        meeting=factories.SSCMeetingFactory(date=days(-1))
    )
    factories.SSCMeetingFactory(date=days(3), kind=SSCMeeting.Kind.WRITTEN)
    ordinary = factories.SSCMeetingFactory(date=days(21))
    assert meeting_to_decide(case) == ordinary
    by_chairs_action(case, chair, ordinary)
    assert AgendaItem.objects.filter(meeting=ordinary, notification=case).exists()


def test_a_page_naming_another_meeting_than_the_next_is_told_which_it_is_now(
    urgent_case, chair, next_meeting
):
    stale = factories.SSCMeetingFactory(date=days(30))
    with pytest.raises(TransitionRefused, match=f"is now the meeting of {days(14):%d/%m/%Y}"):
        by_chairs_action(urgent_case, chair, stale)


def test_the_chair_is_told_who_decided_first(urgent_case, chair, ssc_member, next_meeting):
    held = factories.SSCMeetingFactory(attendees=[ssc_member])
    services.decide(
        notification=urgent_case,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Decided at the meeting.",
        meeting=held,
    )
    with pytest.raises(TransitionRefused, match="already decided by Chris Member"):
        by_chairs_action(urgent_case, chair, next_meeting)


def test_a_chairs_action_stopping_a_meeting_decision_is_named_as_such(
    urgent_case, chair, ssc_member, next_meeting
):
    by_chairs_action(urgent_case, chair, next_meeting)
    held = factories.SSCMeetingFactory(attendees=[ssc_member])
    with pytest.raises(
        TransitionRefused,
        match=f"already decided by chair's action of Cass Chair .* meeting of {days(14):%d/%m/%Y}",
    ):
        services.decide(
            notification=urgent_case,
            by=ssc_member,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Decided at the meeting.",
            meeting=held,
        )


# --- Part 5: the committee's decision --------------------------------------------------------


@pytest.fixture
def held(db, ssc_member, other_member, conflicted_member):
    return factories.SSCMeetingFactory(
        quorum=2, attendees=[ssc_member, other_member, conflicted_member]
    )


def test_a_member_recording_at_the_meeting_records_the_attendees_without_a_conflict_as_present(
    under_review, ssc_member, other_member, held
):
    decision = services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale=RATIONALE,
        meeting=held,
        dissent="  Olly Other would have asked for a VUSA.  ",
    )
    assert set(decision.members_present.all()) == {ssc_member, other_member}
    assert decision.dissent == "Olly Other would have asked for a VUSA."
    assert decision.minuted_by is None
    assert decision.committee_sentence == (
        f"The Security Sub-Committee decided at its meeting of {held.date:%d/%m/%Y}"
    )


def test_secas_minutes_the_committees_decision_with_the_members_present(
    under_review, secas, ssc_member, other_member, held
):
    decision = services.decide(
        notification=under_review,
        by=secas,
        minuted=True,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        rationale=RATIONALE,
        meeting=held,
        members_present=[ssc_member, other_member],
        dissent="One member preferred a VUSA.",
        assessment_kind="fusa",
        assessment_due_date=DUE,
    )
    assert (decision.minuted_by, decision.decided_by) == (secas, secas)
    assert set(decision.members_present.all()) == {ssc_member, other_member}
    log = StateLog.objects.for_(under_review).latest()
    assert "(minuted by SECAS)" in log.description


def test_the_quorum_counts_only_the_members_present(under_review, secas, ssc_member, held):
    with pytest.raises(TransitionRefused, match="1 of the 2 members needed were chosen as present"):
        services.decide(
            notification=under_review,
            by=secas,
            minuted=True,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale=RATIONALE,
            meeting=held,
            members_present=[ssc_member],
        )
    assert not Decision.objects.exists()


def test_a_conflicted_or_absent_member_cannot_be_counted_present(
    under_review, secas, ssc_member, conflicted_member, held
):
    absent = factories.ssc_user(full_name="Abe Absent")
    for person, words in ((conflicted_member, "conflict of interest"), (absent, "not recorded")):
        with pytest.raises(TransitionRefused, match=words):
            services.decide(
                notification=under_review,
                by=secas,
                minuted=True,
                outcome=Decision.Outcome.NO_ASSESSMENT,
                rationale=RATIONALE,
                meeting=held,
                members_present=[ssc_member, person],
            )


def test_only_secas_minutes_and_secas_never_decides_as_a_member(
    under_review, secas, ssc_member, held
):
    with pytest.raises(TransitionRefused, match="Only SECAS records"):
        services.decide(
            notification=under_review,
            by=ssc_member,
            minuted=True,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale=RATIONALE,
            meeting=held,
        )
    with pytest.raises(TransitionRefused, match="permission"):
        services.decide(
            notification=under_review,
            by=secas,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale=RATIONALE,
            meeting=held,
        )


def test_a_written_procedure_reads_as_one_closing_on_its_day(under_review, ssc_member):
    closing = factories.SSCMeetingFactory(date=days(-2), kind=SSCMeeting.Kind.WRITTEN)
    decision = Decision(
        notification=under_review,
        meeting=closing,
        route=Decision.Route.WRITTEN_PROCEDURE,
        decided_by=ssc_member,
    )
    assert decision.committee_sentence == (
        "The Security Sub-Committee decided by written procedure (a decision by correspondence) "
        f"concluded on {days(-2):%d/%m/%Y}"
    )


def test_once_its_meeting_has_passed_a_chairs_action_reads_as_reported(
    urgent_case, chair, next_meeting
):
    decision = by_chairs_action(urgent_case, chair, next_meeting)
    SSCMeeting.objects.filter(pk=next_meeting.pk).update(date=days(-1))
    decision.meeting.refresh_from_db()
    assert f"reported to its meeting of {days(-1):%d/%m/%Y}" in decision.how_decided
    assert "to be reported" not in decision.how_decided


def test_the_letter_and_minutes_say_the_committee_decided_never_the_member(
    under_review, ssc_member, held, urgent_case, chair, next_meeting
):
    decision = services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale=RATIONALE,
        meeting=held,
        dissent="A member preferred a VUSA.",
    )
    letter = documents.render_html(
        "assessments/decision_letter_pdf.html",
        {"decision": decision, "notification": under_review},
    )
    assert f"The Security Sub-Committee decided at its meeting of {held.date:%d/%m/%Y}" in letter
    assert "Chris Member" not in letter
    assert "A member preferred a VUSA." not in letter  # the dissent stays with the committee

    csv_text = documents.minutes_csv([decision])
    assert "How decided,Members present,Dissent" in csv_text
    assert "Chris Member, Olly Other" in csv_text
    assert "A member preferred a VUSA." in csv_text

    action = by_chairs_action(urgent_case, chair, next_meeting)
    minutes = html.unescape(documents.minutes_html(next_meeting, [action]))
    assert "Chair's actions to note" in minutes
    assert "No decisions on notifications were recorded at this meeting, and no case" in minutes
    assert "by chair's action on" in minutes
    chairs_letter = html.unescape(
        documents.render_html(
            "assessments/decision_letter_pdf.html",
            {"decision": action, "notification": urgent_case},
        )
    )
    assert "Chair's action" in chairs_letter
    assert "taken by Cass Chair as acting chair" in chairs_letter


# --- The pages -------------------------------------------------------------------------------


def case_page(client, case) -> str:
    return client.get(reverse("assessments:case", args=[case.pk])).content.decode()


def test_the_case_page_offers_chairs_action_only_to_the_acting_chair_on_an_urgent_case(
    client, urgent_case, under_review, chair, ssc_member
):
    action_url = reverse("assessments:chairs_action", args=[urgent_case.pk])
    client.force_login(chair)
    assert action_url in case_page(client, urgent_case)
    # Its go-live is months away: the meeting decides it.
    assert "Decide by chair's action" not in case_page(client, under_review)
    client.force_login(ssc_member)
    assert action_url not in case_page(client, urgent_case)
    assert client.get(action_url).status_code == 404
    assert client.post(action_url, {}).status_code == 404


def test_the_chair_decides_through_the_page_and_the_meeting_notes_it(
    client, urgent_case, chair, next_meeting, ssc_member
):
    client.force_login(chair)
    url = reverse("assessments:chairs_action", args=[urgent_case.pk])
    page = client.get(url).content.decode()
    assert f"the meeting of {next_meeting.date:%d/%m/%Y} to be noted" in page
    data = form_data(page, action=url)
    assert data["meeting"] == str(next_meeting.pk)
    data.update(
        {
            "outcome": "assessment_required",
            "rationale": RATIONALE,
            "assessment_kind": "vusa",
            "assessment_due_date": DUE.isoformat(),
        }
    )
    response = client.post(url, postable(data), follow=True)
    text = response.content.decode()
    assert "Decision recorded on" in text
    assert "Chair&#x27;s action" in text or "Chair's action" in text
    assert Decision.objects.get(notification=urgent_case).route == Decision.Route.CHAIRS_ACTION

    client.force_login(ssc_member)
    meeting_page = client.get(reverse("assessments:meeting", args=[next_meeting.pk]))
    assert (
        urgent_case.reference in meeting_page.content.decode().split("Chair's actions to note")[1]
    )


def test_a_wrong_chairs_action_form_keeps_what_was_typed(client, urgent_case, chair):
    client.force_login(chair)
    url = reverse("assessments:chairs_action", args=[urgent_case.pk])
    data = form_data(client.get(url).content.decode(), action=url)
    data.update({"outcome": "assessment_required", "rationale": RATIONALE})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    page = response.content.decode()
    assert RATIONALE in page
    assert "Give the date by which the assessment is due." in page
    assert not Decision.objects.exists()


def test_a_stale_chairs_action_page_is_sent_to_the_case_with_who_decided(
    client, urgent_case, chair, ssc_member
):
    client.force_login(chair)
    url = reverse("assessments:chairs_action", args=[urgent_case.pk])
    data = form_data(client.get(url).content.decode(), action=url)
    services.decide(
        notification=urgent_case,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="At the meeting.",
        meeting=factories.SSCMeetingFactory(attendees=[ssc_member]),
    )
    data.update({"outcome": "no_assessment", "rationale": RATIONALE})
    response = client.post(url, postable(data), follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessments:case", args=[urgent_case.pk])
    assert "already decided by Chris Member" in response.content.decode()


def test_with_no_meeting_booked_the_page_asks_secas_to_book_one(
    client, organisation, preparer, submitter, secas, ssc_member, chair, meeting
):
    case = urgent(organisation, preparer, submitter, secas, ssc_member, meeting)
    AgendaItem.objects.filter(notification=case).update(
        meeting=factories.SSCMeetingFactory(date=days(-1))
    )
    client.force_login(chair)
    page = client.get(reverse("assessments:chairs_action", args=[case.pk])).content.decode()
    assert "Ask SECAS to book the next meeting first" in page
    assert 'name="rationale"' not in page


def test_secas_minutes_the_decision_from_the_case_page(
    client, under_review, secas, ssc_member, other_member, conflicted_member, held
):
    client.force_login(secas)
    url = reverse("assessments:minute_decision", args=[under_review.pk])
    assert url in case_page(client, under_review)
    page = client.get(url, {"meeting": held.pk}).content.decode()
    assert "Not offered (a conflict of interest, or no longer an SSC member): Pat Conflicted" in (
        page
    )
    data = form_data(page, form_id="minute-form")
    assert sorted(data.getlist("members_present")) == sorted(
        [str(ssc_member.pk), str(other_member.pk)]
    )
    data.update(
        {"outcome": "no_assessment", "rationale": RATIONALE, "dissent": "Olly Other dissented."}
    )
    response = client.post(url, postable(data), follow=True)
    assert "Decision recorded on" in response.content.decode()
    decision = Decision.objects.get(notification=under_review)
    assert (decision.minuted_by, decision.dissent) == (secas, "Olly Other dissented.")
    shown = case_page(client, under_review)
    assert "Minuted by Sam Secas (SECAS)" in shown
    assert "members present: Chris Member, Olly Other" in shown


def test_minuting_too_few_members_keeps_the_form_with_the_reason(
    client, under_review, secas, ssc_member, held
):
    client.force_login(secas)
    url = reverse("assessments:minute_decision", args=[under_review.pk])
    data = form_data(client.get(url, {"meeting": held.pk}).content.decode(), form_id="minute-form")
    data.setlist("members_present", [str(ssc_member.pk)])
    data.update({"outcome": "no_assessment", "rationale": RATIONALE})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    page = response.content.decode()
    assert "were chosen as present" in page
    assert RATIONALE in page
    assert not Decision.objects.exists()


def test_only_secas_reaches_the_minute_page(client, under_review, ssc_member):
    client.force_login(ssc_member)
    url = reverse("assessments:minute_decision", args=[under_review.pk])
    assert url not in case_page(client, under_review)
    assert client.get(url).status_code == 404


def test_the_members_decide_page_takes_a_dissent(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(case_page(client, under_review), action=url)
    data.update(
        {
            "outcome": "no_assessment",
            "rationale": RATIONALE,
            "meeting": str(meeting.pk),
            "dissent": "One member would have asked for more.",
        }
    )
    client.post(url, postable(data))
    decision = Decision.objects.get(notification=under_review)
    assert decision.dissent == "One member would have asked for more."
    assert "Dissent:" in case_page(client, under_review)


def test_secas_is_offered_minuting_not_the_members_form_on_case_and_meeting_pages(
    client, under_review, secas, meeting
):
    client.force_login(secas)
    page = case_page(client, under_review)
    assert "Record the committee's decision as minuted" in page
    assert 'id="decide-heading"' not in page
    meeting_page = client.get(reverse("assessments:meeting", args=[meeting.pk])).content.decode()
    assert f"Record the decision on {under_review.reference}" not in meeting_page
