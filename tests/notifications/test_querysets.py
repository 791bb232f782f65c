"""The domain's words for sets of notifications, each defined once on the model's queryset."""

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import InformationRequest, Notification, NotificationState
from tests import factories

S = NotificationState


def references(queryset) -> set[str]:
    return set(queryset.values_list("reference", flat=True))


def test_a_draft_is_neither_submitted_nor_undecided(draft):
    assert draft.is_draft
    assert not draft.is_undecided
    assert references(Notification.objects.drafts()) == {draft.reference}
    assert not Notification.objects.submitted().exists()
    assert not Notification.objects.undecided().exists()


def test_a_withdrawn_draft_was_never_submitted(draft, submitter):
    services.withdraw_notification(notification=draft, by=submitter, reason="Started by mistake.")
    assert not Notification.objects.submitted().exists()
    assert not Notification.objects.undecided().exists()


def test_a_submitted_case_is_undecided_until_the_ssc_decides(submitted):
    assert submitted.is_undecided
    assert references(Notification.objects.undecided()) == {submitted.reference}
    assert references(Notification.objects.submitted()) == {submitted.reference}


def test_a_case_waiting_on_an_answer_is_still_undecided(under_review, secas):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    under_review.refresh_from_db()
    assert under_review.state == S.INFORMATION_REQUESTED
    assert references(Notification.objects.undecided()) == {under_review.reference}


def test_a_decided_case_is_no_longer_undecided_but_stays_submitted(
    under_review, ssc_member, meeting
):
    from assessments.services import decide

    decide(
        notification=under_review,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Same controls as the first system.",
        meeting=meeting,
    )
    assert not Notification.objects.undecided().exists()
    under_review.refresh_from_db()
    assert under_review.is_decided
    assert references(Notification.objects.submitted()) == {under_review.reference}


def test_a_withdrawn_case_is_no_longer_undecided_but_stays_submitted(submitted, submitter):
    services.withdraw_notification(notification=submitted, by=submitter, reason="Not going ahead.")
    assert not Notification.objects.undecided().exists()
    assert references(Notification.objects.submitted()) == {submitted.reference}


@pytest.mark.parametrize(
    ("state", "undecided"),
    [
        (S.DRAFT, False),
        (S.SUBMITTED, True),
        (S.UNDER_REVIEW, True),
        (S.INFORMATION_REQUESTED, True),
        (S.NO_ASSESSMENT_NEEDED, False),
        (S.ASSESSMENT_REQUIRED, False),
        (S.CLOSED, False),
        (S.WITHDRAWN, False),
    ],
)
def test_the_queryset_and_the_property_agree_on_undecided(organisation, preparer, state, undecided):
    notification = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    Notification.objects.filter(pk=notification.pk).update(state=state)
    notification.refresh_from_db()
    assert notification.is_undecided is undecided
    assert Notification.objects.undecided().filter(pk=notification.pk).exists() is undecided


def test_only_a_notice_given_late_is_late(organisation, preparer, submitter):
    on_time = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    services.submit_notification(notification=on_time, by=submitter, declaration_accepted=True)
    late = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, planned_go_live_date=timezone.localdate()
    )
    services.submit_notification(notification=late, by=submitter, declaration_accepted=True)
    assert references(Notification.objects.late()) == {late.reference}


def test_a_question_on_a_withdrawn_case_waits_on_no_one(under_review, secas, submitter):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    assert InformationRequest.objects.waiting().count() == 1
    services.withdraw_notification(notification=under_review, by=submitter, reason="Cancelled.")
    assert not InformationRequest.objects.waiting().exists()


def test_an_answered_question_no_longer_waits(under_review, secas, submitter):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    services.provide_information(notification=under_review, by=submitter, response="Two, in UK.")
    assert not InformationRequest.objects.waiting().exists()
