import pytest

from notifications.models import Notification, NotificationState
from tests import factories


def test_the_state_cannot_be_assigned_directly(draft):
    with pytest.raises(AttributeError, match="Direct state modification is not allowed"):
        draft.state = NotificationState.CLOSED
    draft.refresh_from_db()
    assert draft.state == NotificationState.DRAFT


def test_a_new_notification_starts_as_a_draft(organisation, preparer):
    notification = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    assert Notification.objects.get(pk=notification.pk).state == NotificationState.DRAFT


def test_a_complete_draft_misses_nothing(draft):
    assert draft.missing_fields() == []


def test_a_third_party_system_needs_the_third_partys_name(organisation, preparer):
    notification = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, delivery_model="third_party"
    )
    assert notification.missing_fields() == ["third-party provider"]


def test_only_a_draft_is_editable(draft, submitter):
    from notifications.services import submit_notification

    assert draft.is_editable is True
    submitted = submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    assert submitted.is_editable is False
