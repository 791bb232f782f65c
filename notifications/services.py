"""Intake use cases: lock the row, check, transition, save, audit, side effects on commit."""

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from notifications.models import (
    DeliveryModel,
    InformationRequest,
    Notification,
    NotificationState,
    ReferenceCounter,
    UserSystem,
)
from notifications.workdays import add_working_days

logger = logging.getLogger(__name__)


class TransitionRefused(Exception):
    """A lifecycle step was refused; the message is written for the person who asked."""


def _label(instance) -> str:
    return getattr(instance, "reference", None) or str(instance)


def _describe_refusal_of_condition(instance, condition) -> str:
    explain = CONDITION_REFUSALS.get(condition.__name__)
    return explain(instance) if explain else "The conditions for this step are not met yet."


CONDITION_REFUSALS = {
    "has_required_content": lambda n: (
        "The notification is not complete. Please fill in: " + ", ".join(n.missing_fields()) + "."
    ),
    "has_declaration": lambda n: (
        "Please confirm the declaration that the content is accurate before submitting."
    ),
}


def perform_transition(instance, transition_name: str, *, by, description: str = "", **kwargs):
    """Run one FSM transition on an already locked row, refusing in plain English if not allowed.

    Checks, in order: the current state, the person's permission, the transition's conditions.
    Saves the row; django-fsm-log writes the log row (who, when, why) in the same transaction.
    """
    method = getattr(instance, transition_name)
    meta = method._django_fsm
    current = meta.field.get_state(instance)
    found = meta.get_transition(current)
    label = (found or next(iter(meta.transitions.values()))).custom.get("label", transition_name)
    if found is None:
        raise TransitionRefused(
            f"“{label}” is not possible: {_label(instance)} is "
            f"{instance.get_state_display().lower()}."
        )
    if by is None or not found.has_perm(instance, by):
        raise TransitionRefused(f"You do not have permission to do this: “{label}”.")
    for condition in found.conditions:
        if not condition(instance):
            raise TransitionRefused(_describe_refusal_of_condition(instance, condition))
    result = method(by=by, description=description or None, **kwargs)
    try:
        instance.save()
    except ConcurrentTransition as error:
        raise TransitionRefused(
            f"{_label(instance)} was changed by someone else while you were working. "
            "Reload the page to see its current state."
        ) from error
    return result


def lock_notification(notification: Notification) -> Notification:
    """The current row, locked until the end of the transaction (a no-op lock on SQLite)."""
    return (
        Notification.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=notification.pk)
    )


def next_reference(year: int) -> str:
    """The next reference people can quote, such as SSN-2026-0007; never reused."""
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"SSN-{year}-{counter.last_number:04d}"


def create_draft(*, organisation, by, **content) -> Notification:
    """Start a draft for an organisation; any member of it may prepare one."""
    if not by.can_prepare_for(organisation):
        raise TransitionRefused("You can only prepare notifications for your own organisation.")
    user_roles = content.pop("user_roles", None)
    with transaction.atomic():
        notification = Notification.objects.create(
            reference=next_reference(timezone.localdate().year),
            organisation=organisation,
            created_by=by,
            **content,
        )
        if user_roles is not None:
            notification.user_roles.set(user_roles)
    return notification


def _register_user_system(notification: Notification) -> UserSystem:
    system, created = UserSystem.objects.get_or_create(
        organisation=notification.organisation,
        name=notification.system_name,
        defaults={
            "delivery_model": notification.delivery_model,
            "provider": notification.provider
            if notification.delivery_model == DeliveryModel.SRP
            else None,
            "third_party_name": notification.third_party_name,
            "go_live_date": notification.planned_go_live_date,
        },
    )
    if not created and system.status == UserSystem.Status.PLANNED:
        system.delivery_model = notification.delivery_model
        system.provider = (
            notification.provider if notification.delivery_model == DeliveryModel.SRP else None
        )
        system.third_party_name = notification.third_party_name
        system.go_live_date = notification.planned_go_live_date
        system.save(
            update_fields=["delivery_model", "provider", "third_party_name", "go_live_date"]
        )
    return system


def submit_notification(
    *, notification: Notification, by, declaration_accepted: bool
) -> Notification:
    """Submit a draft to the SSC: freezes the content, stamps the time and flags late notice."""
    with transaction.atomic():
        locked = lock_notification(notification)
        if locked.state == NotificationState.DRAFT:
            # The declaration is part of this submission, so it is recorded before the guards run.
            locked.declaration_accepted = bool(declaration_accepted)
        perform_transition(locked, "submit", by=by, description="Submitted to the SSC")
        locked.user_system = _register_user_system(locked)
        locked.save(update_fields=["user_system", "updated_at"])
    return locked


def request_information(
    *, notification: Notification, by, question: str, response_due_date: date | None = None
) -> InformationRequest:
    """Ask the User a question; the decision clock pauses until it is answered."""
    question = (question or "").strip()
    if not question:
        raise TransitionRefused("Please write the question you want the User to answer.")
    today = timezone.localdate()
    due = response_due_date or add_working_days(
        today, settings.SSC_INFORMATION_RESPONSE_WORKING_DAYS
    )
    if due <= today:
        raise TransitionRefused("The response date must be after today.")
    with transaction.atomic():
        locked = lock_notification(notification)
        perform_transition(locked, "request_information", by=by, description=question)
        return InformationRequest.objects.create(
            notification=locked, question=question, response_due_date=due, requested_by=by
        )


def provide_information(*, notification: Notification, by, response: str) -> InformationRequest:
    """The User answers the open question; the case returns to where it was asked from."""
    response = (response or "").strip()
    if not response:
        raise TransitionRefused("Please write your answer before sending it.")
    with transaction.atomic():
        locked = lock_notification(notification)
        perform_transition(locked, "provide_information", by=by, description=response)
        open_request = (
            InformationRequest.objects.select_for_update()
            .filter(notification=locked, responded_at__isnull=True)
            .first()
        )
        if open_request is None:
            raise TransitionRefused("There is no open question on this notification.")
        open_request.response = response
        open_request.responded_by = by
        open_request.responded_at = timezone.now()
        open_request.save(update_fields=["response", "responded_by", "responded_at"])
    return open_request


def withdraw_notification(*, notification: Notification, by, reason: str) -> Notification:
    """Withdraw a notification before any decision, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("Please give a reason for withdrawing the notification.")
    with transaction.atomic():
        locked = lock_notification(notification)
        perform_transition(locked, "withdraw", by=by, description=reason)
        if locked.user_system_id:
            # A system notified and then withdrawn will not go live under this notification.
            UserSystem.objects.filter(
                pk=locked.user_system_id, status=UserSystem.Status.PLANNED
            ).update(status=UserSystem.Status.RETIRED)
    return locked
