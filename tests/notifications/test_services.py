import datetime

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from notifications import services
from notifications.models import InformationRequest, NotificationState, UserSystem
from notifications.services import TransitionRefused
from tests import factories

S = NotificationState


def log_rows(notification):
    return list(
        StateLog.objects.for_(notification)
        .order_by("timestamp", "id")
        .values_list("transition", "by_id", "description")
    )


def test_a_submitter_submits_a_complete_draft(draft, submitter):
    notification = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )

    assert notification.state == S.SUBMITTED
    assert notification.submitted_by == submitter
    assert notification.submitted_at is not None
    assert notification.declaration_accepted is True
    assert log_rows(notification) == [("submit", submitter.pk, "Submitted to the SSC")]


def test_submission_enters_the_system_in_the_organisations_register(draft, submitter):
    notification = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )

    system = UserSystem.objects.get(pk=notification.user_system_id)
    assert system.organisation == draft.organisation
    assert system.name == draft.system_name
    assert system.status == UserSystem.Status.PLANNED
    assert system.is_first_system is False


def test_an_organisation_admin_may_also_submit(draft, org_admin):
    notification = services.submit_notification(
        notification=draft, by=org_admin, declaration_accepted=True
    )
    assert notification.state == S.SUBMITTED


def test_a_preparer_cannot_submit(draft, preparer):
    with pytest.raises(TransitionRefused, match="You do not have permission"):
        services.submit_notification(notification=draft, by=preparer, declaration_accepted=True)

    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    assert log_rows(draft) == []


def test_staff_of_another_organisation_cannot_submit(draft, other_submitter):
    with pytest.raises(TransitionRefused, match="You do not have permission"):
        services.submit_notification(
            notification=draft, by=other_submitter, declaration_accepted=True
        )


def test_submission_needs_the_declaration(draft, submitter):
    with pytest.raises(TransitionRefused, match="confirm the declaration"):
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=False)

    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    assert draft.declaration_accepted is False


def test_an_incomplete_draft_is_refused_naming_what_is_missing(organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name="", key_management=""
    )

    with pytest.raises(TransitionRefused) as refusal:
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)

    assert "User System name" in str(refusal.value)
    assert "key management" in str(refusal.value)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_an_srp_delivered_system_must_name_its_provider(organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, delivery_model="srp", provider=None
    )
    with pytest.raises(TransitionRefused, match="Shared Resource Provider"):
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)


def test_a_notification_cannot_be_submitted_twice(submitted, submitter):
    with pytest.raises(TransitionRefused, match="is submitted"):
        services.submit_notification(
            notification=submitted, by=submitter, declaration_accepted=True
        )
    assert [row[0] for row in log_rows(submitted)] == ["submit"]


def test_a_go_live_on_the_day_of_submission_marks_the_notification_late(
    organisation, preparer, submitter
):
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=timezone.localdate(),
    )
    notification = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    assert notification.is_late is True


def test_a_go_live_tomorrow_is_not_late(organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    notification = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    assert notification.is_late is False


def test_lateness_uses_the_london_date_not_the_utc_date(organisation, preparer, submitter):
    import time_machine

    # 23:30 UTC on 30 June is 00:30 BST on 1 July: a 1 July go-live is then late.
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=datetime.date(2026, 7, 1),
    )
    with time_machine.travel(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)):
        draft.created_at = timezone.now()
        draft.save(update_fields=["created_at"])
        notification = services.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )
    assert notification.is_late is True


def test_references_are_sequential_within_a_year_and_never_repeat(db):
    first = services.next_reference(2026)
    second = services.next_reference(2026)
    other_year = services.next_reference(2027)
    assert (first, second, other_year) == ("SSN-2026-0001", "SSN-2026-0002", "SSN-2027-0001")


def test_only_members_may_start_a_draft(organisation, preparer, other_submitter):
    draft = services.create_draft(organisation=organisation, by=preparer, system_name="Portal")
    assert draft.reference.startswith(f"SSN-{timezone.localdate().year}-")
    assert draft.state == S.DRAFT

    with pytest.raises(TransitionRefused, match="your own organisation"):
        services.create_draft(organisation=organisation, by=other_submitter)


def test_ssc_member_asks_a_question_and_the_user_answers(under_review, ssc_member, submitter):
    request = services.request_information(
        notification=under_review, by=ssc_member, question="Who holds the signing keys?"
    )
    under_review.refresh_from_db()
    assert under_review.state == S.INFORMATION_REQUESTED
    assert request.response_due_date > timezone.localdate()

    answered = services.provide_information(
        notification=under_review, by=submitter, response="Our own HSM team."
    )
    under_review.refresh_from_db()
    assert under_review.state == S.UNDER_REVIEW
    assert answered.responded_by == submitter
    assert answered.is_open is False
    transitions = [row[:2] for row in log_rows(under_review)]
    assert transitions[-2:] == [
        ("request_information", ssc_member.pk),
        ("provide_information", submitter.pk),
    ]


def test_a_question_asked_before_triage_returns_the_case_to_submitted(submitted, secas, submitter):
    services.request_information(notification=submitted, by=secas, question="Which roles?")
    services.provide_information(notification=submitted, by=submitter, response="Import only.")
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_the_default_response_date_is_ten_working_days(under_review, ssc_member):
    import time_machine

    # Friday 18 December 2026: ten working days skip Christmas, Boxing Day's substitute and 1 Jan.
    with time_machine.travel(datetime.datetime(2026, 12, 18, 10, 0, tzinfo=datetime.UTC)):
        request = services.request_information(
            notification=under_review, by=ssc_member, question="Pen-test scope?"
        )
    assert request.response_due_date == datetime.date(2027, 1, 6)


def test_a_question_needs_words(under_review, ssc_member):
    with pytest.raises(TransitionRefused, match="write the question"):
        services.request_information(notification=under_review, by=ssc_member, question="  ")
    assert InformationRequest.objects.count() == 0


def test_a_preparer_cannot_answer_for_the_organisation(under_review, ssc_member, preparer):
    services.request_information(notification=under_review, by=ssc_member, question="Why?")
    with pytest.raises(TransitionRefused, match="permission"):
        services.provide_information(notification=under_review, by=preparer, response="Because.")


def test_a_conflicted_member_cannot_ask_questions(under_review, conflicted_member):
    with pytest.raises(TransitionRefused, match="permission"):
        services.request_information(
            notification=under_review, by=conflicted_member, question="Anything?"
        )


def test_user_staff_cannot_ask_themselves_questions(under_review, submitter):
    with pytest.raises(TransitionRefused, match="permission"):
        services.request_information(notification=under_review, by=submitter, question="Hm?")


def test_withdrawal_needs_a_reason_and_is_logged(submitted, submitter):
    with pytest.raises(TransitionRefused, match="reason"):
        services.withdraw_notification(notification=submitted, by=submitter, reason="")

    notification = services.withdraw_notification(
        notification=submitted, by=submitter, reason="Project cancelled."
    )
    assert notification.state == S.WITHDRAWN
    assert notification.withdrawn_at is not None
    assert log_rows(notification)[-1] == ("withdraw", submitter.pk, "Project cancelled.")
    assert UserSystem.objects.get(pk=notification.user_system_id).status == "not_proceeding"


def test_secas_may_withdraw_on_the_users_behalf(submitted, secas):
    notification = services.withdraw_notification(
        notification=submitted, by=secas, reason="Requested by the User by email."
    )
    assert notification.state == S.WITHDRAWN


def test_an_ssc_member_cannot_withdraw(submitted, ssc_member):
    with pytest.raises(TransitionRefused, match="permission"):
        services.withdraw_notification(notification=submitted, by=ssc_member, reason="No.")


def test_a_draft_may_be_withdrawn_by_its_organisation(draft, submitter):
    notification = services.withdraw_notification(
        notification=draft, by=submitter, reason="Started by mistake."
    )
    assert notification.state == S.WITHDRAWN


# --- Who is told, and how they are greeted and sent on --------------------------------------


def outbox(kind):
    from sscportal.mail.models import OutboundEmail

    return {email.to[0]: email for email in OutboundEmail.objects.filter(kind=kind)}


def first_line(email):
    return email.body_text.splitlines()[0]


def test_each_person_gets_their_own_receipt_greeting_them(draft, submitter, organisation):
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    receipts = outbox("receipt")
    assert set(receipts) == {submitter.email, draft.contact_email, organisation.contact_email}
    assert all(len(email.to) == 1 for email in receipts.values())
    assert first_line(receipts[submitter.email]) == f"Dear {submitter.full_name},"
    assert first_line(receipts[draft.contact_email]) == f"Dear {draft.contact_name},"
    # The organisation's mailbox is no one in particular.
    assert first_line(receipts[organisation.contact_email]) == "Hello,"
    assert f"<p>Dear {submitter.full_name},</p>" in receipts[submitter.email].body_html
    assert draft.contact_name not in receipts[submitter.email].body_text


def test_the_users_answer_goes_to_secas_and_the_rapporteur_linking_the_case_page(
    under_review, ssc_member, submitter, settings
):
    services.request_information(notification=under_review, by=ssc_member, question="Keys?")
    services.provide_information(notification=under_review, by=submitter, response="Our HSM.")
    to_committee = outbox("information_provided")
    assert set(to_committee) == {settings.SECAS_MAILBOX, ssc_member.email}
    case_page = f"{settings.PORTAL_BASE_URL}/ssc/cases/{under_review.pk}/"
    for email in to_committee.values():
        assert case_page in email.body_text
        assert f'href="{case_page}"' in email.body_html
        assert f"/notifications/{under_review.pk}/" not in email.body_text
        assert "Our HSM." in email.body_text
    assert first_line(to_committee[ssc_member.email]) == "Dear Chris Member,"
    assert first_line(to_committee[settings.SECAS_MAILBOX]) == "Hello,"


def test_the_user_keeps_a_copy_of_its_answer_linking_its_own_page(
    under_review, ssc_member, submitter, settings
):
    services.request_information(notification=under_review, by=ssc_member, question="Keys?")
    services.provide_information(notification=under_review, by=submitter, response="Our HSM.")
    copies = outbox("information_provided_receipt")
    assert set(copies) == {
        submitter.email,
        under_review.contact_email,
        under_review.organisation.contact_email,
    }
    for email in copies.values():
        assert f"{settings.PORTAL_BASE_URL}/notifications/{under_review.pk}/" in email.body_text
        assert "/ssc/" not in email.body_text
        assert "Our HSM." in email.body_text
    assert "your answer to the SSC's question has been sent" in copies[submitter.email].subject


def test_a_rapporteur_who_has_since_declared_a_conflict_is_not_sent_the_answer(
    under_review, ssc_member, submitter, settings
):
    services.request_information(notification=under_review, by=ssc_member, question="Keys?")
    ssc_member.conflicts_of_interest.create(
        organisation=under_review.organisation, reason="New job"
    )
    services.provide_information(notification=under_review, by=submitter, response="Ours.")
    assert set(outbox("information_provided")) == {settings.SECAS_MAILBOX}


def test_an_answer_before_triage_goes_to_secas_alone(submitted, secas, submitter, settings):
    services.request_information(notification=submitted, by=secas, question="Which roles?")
    services.provide_information(notification=submitted, by=submitter, response="Import.")
    assert set(outbox("information_provided")) == {settings.SECAS_MAILBOX}


def test_a_withdrawal_sends_each_side_to_its_own_page(
    under_review, submitter, ssc_member, settings
):
    services.withdraw_notification(notification=under_review, by=submitter, reason="Cancelled.")
    sent = outbox("withdrawn")
    committee = {settings.SECAS_MAILBOX, ssc_member.email}
    assert committee < set(sent)
    assert submitter.email in sent
    for address, email in sent.items():
        if address in committee:
            assert f"/ssc/cases/{under_review.pk}/" in email.body_text
            assert f"/notifications/{under_review.pk}/" not in email.body_text
        else:
            assert f"/notifications/{under_review.pk}/" in email.body_text
            assert "/ssc/" not in email.body_text
    assert first_line(sent[ssc_member.email]) == "Dear Chris Member,"


def test_a_refusal_never_lower_cases_a_label(under_review, ssc_member, meeting, submitter):
    from assessments.services import decide

    decide(
        notification=under_review,
        by=ssc_member,
        outcome="assessment_required",
        assessment_kind="fusa",
        rationale="Never assessed.",
        meeting=meeting,
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    with pytest.raises(TransitionRefused) as refusal:
        services.withdraw_notification(notification=under_review, by=submitter, reason="Oops.")
    assert "is assessment required (G8.13)" in str(refusal.value)


@pytest.mark.parametrize(
    ("label", "in_a_sentence"),
    [
        ("Submitted", "submitted"),
        ("Assessment required (G8.13)", "assessment required (G8.13)"),
        ("Scheduled (CIO booked)", "scheduled (CIO booked)"),
        ("SSC decision", "SSC decision"),
        ("G8.13 assessment", "G8.13 assessment"),
        ("FUSA due", "FUSA due"),
    ],
)
def test_a_label_in_a_sentence_keeps_its_abbreviations(label, in_a_sentence):
    assert services.in_sentence(label) == in_a_sentence
