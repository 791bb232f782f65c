"""Intake use cases: lock the row, check, transition, save, audit, side effects on commit."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_fsm import (
    ConcurrentTransition,
    FSMFieldMixin,
    Transition,
    can_proceed,
    has_transition_perm,
)

from notifications.eligibility import eligibility_of
from notifications.models import (
    UNDECIDED_STATES,
    Attachment,
    AttachmentDownload,
    DeliveryModel,
    EmployedEarly,
    InformationRequest,
    Message,
    Notification,
    NotificationEmail,
    NotificationState,
    ReferenceCounter,
    SrpCoverage,
    UserSystem,
    stored_file_fields,
)
from notifications.recipients import (
    Recipient,
    link_for,
    notification_url,
    recipients_for,
    unique_recipients,
)
from notifications.workdays import add_working_days, working_days_left
from sscportal.bulk import insert_rows
from sscportal.history import attribute_change
from sscportal.mail import services as mail
from sscportal.mail.models import OutboundEmail
from users.models import Organisation, OrganisationEmail, SecurityEvent, User
from users.policy import allows
from users.security import record_event

logger = logging.getLogger(__name__)


class TransitionRefused(Exception):
    """A lifecycle step was refused; the message is written for the person who asked."""


def _label(instance) -> str:
    return getattr(instance, "reference", None) or str(instance)


def in_sentence(label: str) -> str:
    """A choice label for the middle of a sentence: "Submitted" reads "submitted", but a label
    that starts with an abbreviation ("SSC …", "G8.13 …") is left exactly as it is."""
    first_word = label.split(" ", 1)[0]
    if first_word[1:2].isupper() or any(character.isdigit() for character in first_word):
        return label
    return label[:1].lower() + label[1:]


def _describe_refusal_of_condition(instance, condition) -> str:
    explain = CONDITION_REFUSALS.get(condition.__name__)
    return explain(instance) if explain else "The conditions for this step are not met yet."


CONDITION_REFUSALS = {
    "has_required_content": lambda n: (
        "The notification is not complete. Please fill in: " + ", ".join(n.missing_fields()) + "."
    ),
    "names_only_held_roles": lambda n: roles_not_held_message(n.organisation, n.roles_not_held()),
    "has_declaration": lambda n: (
        "Please confirm the declaration that the content is accurate before submitting."
    ),
}


def roles_not_held_message(organisation, roles) -> str:
    """Why named User Roles are refused, and what to do: User Entry for each new role."""
    names = [role.name for role in sorted(roles, key=lambda role: (role.position, role.name))]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return (
        f"{organisation} does not hold the {listed} User Role{'s' if len(names) > 1 else ''}. "
        "To add a User Role, complete the User Entry Process for it with SECAS first."
    )


def _refuse_roles_not_held(organisation, user_roles) -> None:
    held = set(organisation.user_roles.values_list("pk", flat=True))
    if not_held := [role for role in user_roles if role.pk not in held]:
        raise TransitionRefused(roles_not_held_message(organisation, not_held))


# --- The lifecycle, through django-fsm-2's documented API only ----------------------------------


def state_field(model) -> FSMFieldMixin | None:
    """A model's lifecycle field."""
    return next((f for f in model._meta.get_fields() if isinstance(f, FSMFieldMixin)), None)


def lifecycle_step(model, name: str) -> Transition | None:
    """What a step (a transition method) declares: its label, permission and conditions.

    Each step here is declared by one decorator, so these are the same from every source state.
    """
    field = state_field(model)
    transitions = field.get_all_transitions(model) if field else ()
    return next((t for t in transitions if t.name == name), None)


def step_label(model, name: str) -> str:
    """A step's label ("Start the review") from its method name ("start_review")."""
    step = lifecycle_step(model, name)
    return (step.custom.get("label") if step else None) or name.replace("_", " ").capitalize()


def perform_transition(
    instance, transition_name: str, *, by: User, description: str = "", **kwargs
):
    """Run one FSM transition on an already locked row, refusing in plain English if not allowed.

    Checks, in order: the current state, the person's permission, the transition's conditions.
    Saves the row; django-fsm-log writes the log row (who, when, why) in the same transaction.
    """
    method = getattr(instance, transition_name)
    field = state_field(type(instance))
    step = lifecycle_step(type(instance), transition_name)
    if field is None or step is None:
        raise ValueError(f"{transition_name} is not a lifecycle step of {type(instance).__name__}.")
    label = step_label(type(instance), transition_name)
    if not can_proceed(method, check_conditions=False):
        state = getattr(instance, f"get_{field.name}_display")()
        raise TransitionRefused(
            f"“{label}” is not possible: {_label(instance)} is {in_sentence(state)}."
        )
    if by is None or not has_transition_perm(method, by):
        # Refused: say why, the permission first, as the person cannot fix that themselves.
        if by is None or not step.has_perm(instance, by):
            raise TransitionRefused(f"You do not have permission to do this: “{label}”.")
        for condition in step.conditions:
            if not condition(instance):
                raise TransitionRefused(_describe_refusal_of_condition(instance, condition))
        raise TransitionRefused(f"“{label}” is not possible now.")
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


def create_draft(*, organisation, by: User, **content) -> Notification:
    """Start a draft for an organisation; any member of it may prepare one."""
    if not allows(by, "notifications.prepare", organisation):
        raise TransitionRefused("You can only prepare notifications for your own organisation.")
    user_roles = content.pop("user_roles", None)
    if user_roles is not None:
        _refuse_roles_not_held(organisation, user_roles)
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


def _system_name_clash(notification: Notification) -> str:
    """Why the system's name cannot be entered in the register, or "" if it can."""
    existing = UserSystem.objects.filter(
        organisation=notification.organisation, name__iexact=notification.system_name
    ).first()
    if existing is None or existing.pk == notification.changes_system_id:
        return ""
    if notification.changes_system_id:
        return (
            f"{notification.organisation} already has another User System called "
            f"“{existing.name}”. A change keeps the name of the system it changes."
        )
    if existing.is_first_system or existing.status == UserSystem.Status.LIVE:
        return (
            f"{notification.organisation} already has a live User System called "
            f"“{existing.name}”. Give the new system a name of its own."
        )
    if existing.status in {UserSystem.Status.RETIRED, UserSystem.Status.NOT_PROCEEDING}:
        return ""
    other = (
        existing.notifications.exclude(pk=notification.pk)
        .exclude(state=NotificationState.WITHDRAWN)
        .first()
    )
    if other is not None:
        return (
            f"“{existing.name}” is already notified under {other.reference}. Give the new "
            "system a name of its own, or follow that notification instead."
        )
    return ""


def _register_user_system(notification: Notification, *, by: User) -> UserSystem:
    """Enter the notified system in the register as planned (reusing a retired or idle entry)."""
    details = {
        "delivery_model": notification.delivery_model,
        "provider": notification.provider
        if notification.delivery_model == DeliveryModel.SRP
        else None,
        "third_party_name": notification.third_party_name,
        "go_live_date": notification.planned_go_live_date,
        "status": UserSystem.Status.PLANNED,
    }
    if notification.changes_system is not None:
        # A change reaches the register when the SSC decides on it (apply_change).
        return notification.changes_system
    system = UserSystem.objects.filter(
        organisation=notification.organisation, name__iexact=notification.system_name
    ).first()
    reason = f"Notified under {notification.reference}"
    if system is None:
        system = UserSystem(
            organisation=notification.organisation, name=notification.system_name, **details
        )
        attribute_change(system, by=by, reason=reason)
        system.save()
        return system
    # A retired or idle entry notified again starts afresh: its old dates, flag and SRP
    # coverage were about its earlier life.
    details.update(FRESH_ENTRY)
    for field, value in details.items():
        setattr(system, field, value)
    attribute_change(system, by=by, reason=reason)
    system.save(update_fields=list(details))
    return system


FRESH_ENTRY = {
    "began_employing_date": None,
    "retired_date": None,
    "employed_early": "",
    "srp_coverage": SrpCoverage.NOT_CONFIRMED,
    "srp_coverage_note": "",
    "srp_coverage_confirmed_by": None,
    "srp_coverage_confirmed_at": None,
}


def apply_change(*, notification: Notification, by: User) -> None:
    """The SSC has decided on a change: the register takes its delivery details (a live system
    stays live and keeps its dates; a planned one takes the new planned date). SRP coverage
    read for another provider no longer says anything about this one."""
    if notification.changes_system is None:
        return
    system = UserSystem.objects.select_for_update().get(pk=notification.changes_system.pk)
    provider = notification.provider if notification.delivery_model == DeliveryModel.SRP else None
    details = {
        "delivery_model": notification.delivery_model,
        "provider": provider,
        "third_party_name": notification.third_party_name,
    }
    if system.status == UserSystem.Status.PLANNED:
        details["go_live_date"] = notification.planned_go_live_date
    if system.provider_id != (provider.pk if provider else None):
        details.update({field: FRESH_ENTRY[field] for field in FRESH_ENTRY if "srp" in field})
    for field, value in details.items():
        setattr(system, field, value)
    attribute_change(system, by=by, reason=f"Change decided under {notification.reference}")
    system.save(update_fields=list(details))


def submit_notification(
    *,
    notification: Notification,
    by: User,
    declaration_accepted: bool,
    checked_version: datetime | None = None,
) -> Notification:
    """Submit a draft to the SSC: freezes the content, stamps the time and flags late notice.

    `checked_version` is the draft's `updated_at` when the submitter checked the answers: the
    declaration covers that version only, so a later change by a colleague stops the submit.
    """
    with transaction.atomic():
        locked = lock_notification(notification)
        if locked.is_draft and checked_version is not None and locked.updated_at != checked_version:
            raise TransitionRefused(
                f"{locked.reference} was changed after you checked it. Please check the "
                "answers again before you declare and submit."
            )
        if locked.is_draft:
            # The declaration is part of this submission, so it is recorded before the guards run.
            locked.declaration_accepted = bool(declaration_accepted)
            if clash := _system_name_clash(locked):
                raise TransitionRefused(clash)
            if refusal := _change_refusal(locked):
                raise TransitionRefused(refusal)
        perform_transition(
            locked,
            "submit",
            by=by,
            description="Submitted to the SSC",
            # What the register showed when the User notified: SECAS's flag reads this.
            eligibility_finding=eligibility_of(locked.organisation).finding,
        )
        locked.user_system = _register_user_system(locked, by=by)
        locked.save(update_fields=["user_system", "updated_at"])
        _queue_submission_emails(locked)
    return locked


def request_information(
    *, notification: Notification, by: User, question: str, response_due_date: date | None = None
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
        information_request = InformationRequest.objects.create(
            notification=locked, question=question, response_due_date=due, requested_by=by
        )
        queue_email(
            kind="information_requested",
            to=recipients_for("information_requested", notification=locked),
            template="information_requested",
            context={"information_request": information_request},
            notification=locked,
        )
    return information_request


def provide_information(
    *, notification: Notification, by: User, response: str, files=()
) -> InformationRequest:
    """The User answers the open question, with any files; the case returns to review.

    `files` are checked uploads: dicts of upload, kind, tlp and description (AttachmentForm).
    """
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
        for file in files:
            _store_attachment(locked, by, information_request=open_request, **file)
        queue_email(
            kind="information_provided",
            to=recipients_for("information_provided", notification=locked),
            template="information_provided",
            context={"information_request": open_request},
            notification=locked,
        )
        queue_email(
            kind="information_provided_receipt",
            to=recipients_for("information_provided_receipt", notification=locked, by=by),
            template="information_provided_receipt",
            context={"information_request": open_request},
            notification=locked,
        )
    return open_request


def withdraw_notification(*, notification: Notification, by: User, reason: str) -> Notification:
    """Withdraw a notification before any decision, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("Please give a reason for withdrawing the notification.")
    with transaction.atomic():
        locked = lock_notification(notification)
        perform_transition(locked, "withdraw", by=by, description=reason)
        if locked.user_system_id and not locked.is_change:
            # A system notified and then withdrawn will not go live under this notification.
            system = (
                UserSystem.objects.select_for_update()
                .filter(pk=locked.user_system_id, status=UserSystem.Status.PLANNED)
                .first()
            )
            if system is not None:
                system.status = UserSystem.Status.NOT_PROCEEDING
                # Saved, not updated in bulk, so the register history records it.
                attribute_change(system, by=by, reason=f"{locked.reference} withdrawn")
                system.save(update_fields=["status"])
        if locked.submitted_at:
            queue_email(
                kind="withdrawn",
                to=recipients_for("withdrawn", notification=locked),
                template="notification_withdrawn",
                context={"reason": reason, "withdrawn_by": by},
                notification=locked,
            )
    return locked


# --- The register of User Systems: go-live, retirement and changes -----------------------------


def lock_system(system: UserSystem) -> UserSystem:
    return (
        UserSystem.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=system.pk)
    )


def _introducing_notification(system: UserSystem) -> Notification | None:
    """The standing notification that brought the system into the register: the latest one
    not withdrawn (an entry can be notified again after retiring); changes come later."""
    return (
        system.notifications.filter(changes_system__isnull=True, submitted_at__isnull=False)
        .exclude(state=NotificationState.WITHDRAWN)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def employment_flag(system: UserSystem) -> str:
    """Employed on or before the day it was notified, or before the day the SSC decided
    (the decision day itself is not "before": the User may have waited for the meeting)."""
    began = system.began_employing_date
    if began is None or system.is_first_system:
        return ""
    notice = _introducing_notification(system)
    if notice is None:
        # Notified once but withdrawn, and used anyway: in use with no notice standing. An
        # entry never notified here (from before the portal) is not judged.
        return EmployedEarly.BEFORE_NOTICE if system.notifications.exists() else ""
    if began <= timezone.localdate(notice.submitted_at):
        return EmployedEarly.BEFORE_NOTICE
    if notice.decided_at is None or began < timezone.localdate(notice.decided_at):
        return EmployedEarly.BEFORE_DECISION
    return ""


def record_began_employing(
    *, system: UserSystem, by: User, began_date: date, reason: str = ""
) -> UserSystem:
    """The User records the day it began to employ a system (it becomes live); SECAS may
    correct the date later, with a reason. The flag for early use follows the date."""
    reason = (reason or "").strip()
    today = timezone.localdate()
    with transaction.atomic():
        locked = lock_system(system)
        first_record = locked.began_employing_date is None
        if first_record and allows(by, "notifications.record_go_live", locked):
            pass
        elif allows(by, "notifications.correct_go_live", locked):
            if not reason:
                raise TransitionRefused(
                    "Please give the reason for the correction: it is kept in the register's "
                    "history."
                )
        elif not first_record and allows(by, "notifications.record_go_live", locked):
            raise TransitionRefused(
                f"The date {locked.name} began to be used is already recorded "
                f"({locked.began_employing_date:%d/%m/%Y}). To correct it, please contact SECAS."
            )
        elif allows(by, "notifications.prepare", locked):
            raise TransitionRefused(
                "Only your organisation's submitters and admins can record this date: please "
                "ask one of them."
            )
        else:
            raise TransitionRefused("You cannot record dates for this User System.")
        if locked.status == UserSystem.Status.NOT_PROCEEDING:
            raise TransitionRefused(
                f"{locked.name} is not proceeding: its notification was withdrawn. If you now "
                "mean to use it, please notify it again first."
            )
        if began_date > today:
            raise TransitionRefused(
                "The date cannot be in the future: record it on or after the day you start "
                "using the system."
            )
        if locked.retired_date and began_date > locked.retired_date:
            raise TransitionRefused(
                f"The date cannot be after the day the system was retired "
                f"({locked.retired_date:%d/%m/%Y})."
            )
        locked.began_employing_date = began_date
        if locked.status == UserSystem.Status.PLANNED:
            locked.status = UserSystem.Status.LIVE
        locked.employed_early = employment_flag(locked)
        attribute_change(
            locked,
            by=by,
            reason=reason or f"Began to employ it on {began_date:%d/%m/%Y}",
        )
        locked.save(update_fields=["began_employing_date", "status", "employed_early"])
    return locked


def retire_system(*, system: UserSystem, by: User, retired_date: date, reason: str) -> UserSystem:
    """The User (or SECAS) records that a live system is no longer used."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("Please say why the system is retired (for example, replaced).")
    with transaction.atomic():
        locked = lock_system(system)
        if not allows(by, "notifications.retire_system", locked):
            raise TransitionRefused("You cannot retire this User System.")
        if locked.status != UserSystem.Status.LIVE:
            raise TransitionRefused(
                f"Only a live system can be retired; {locked.name} is "
                f"{in_sentence(locked.get_status_display())}."
            )
        if retired_date > timezone.localdate():
            raise TransitionRefused("The date cannot be in the future.")
        if locked.began_employing_date and retired_date < locked.began_employing_date:
            raise TransitionRefused(
                "The system cannot be retired before it began to be used "
                f"({locked.began_employing_date:%d/%m/%Y})."
            )
        locked.status = UserSystem.Status.RETIRED
        locked.retired_date = retired_date
        attribute_change(locked, by=by, reason=reason)
        locked.save(update_fields=["status", "retired_date"])
    return locked


# What a change notification copies from the system's last notification.
CHANGE_PREFILL = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "purpose",
    "smets1_meter_count",
    "smets2_meter_count",
    "delivery_model",
    "provider",
    "third_party_name",
    "hosting_description",
    "hosting_location",
    "dcc_connection",
    "separation_from_existing",
    "key_management",
    "shared_with_existing",
    "same_isms_scope",
    "same_controls",
    "risk_assessment_summary",
    "risk_assessment_date",
    "penetration_test_summary",
    "penetration_test_date",
    "has_known_non_compliances",
    "known_non_compliances",
)


def _open_change(system: UserSystem) -> Notification | None:
    return (
        system.change_notifications.filter(state__in=[NotificationState.DRAFT, *UNDECIDED_STATES])
        .order_by("-created_at")
        .first()
    )


def _not_in_use_refusal(system: UserSystem) -> str:
    """Why no change can be notified for this system, or "" when it is planned or live."""
    if system.is_in_use:
        return ""
    return (
        f"{system.name} is {in_sentence(system.get_status_display())}: a change can only be "
        "notified for a planned or live system."
    )


def _change_refusal(notification: Notification) -> str:
    """Why a change notification cannot be submitted now, or ""."""
    system = notification.changes_system
    return _not_in_use_refusal(system) if system is not None else ""


def start_change_notification(*, system: UserSystem, by: User) -> Notification:
    """A draft notifying a material change to a system, prefilled from its last notification
    (or from the register), linked to both. One open change per system at a time."""
    with transaction.atomic():
        locked = lock_system(system)
        if not allows(by, "notifications.notify_change", locked):
            raise TransitionRefused(
                "You can only notify changes to your own organisation's systems."
            )
        if refusal := _not_in_use_refusal(locked):
            raise TransitionRefused(refusal)
        if open_change := _open_change(locked):
            raise TransitionRefused(
                f"A change to {locked.name} is already being notified under "
                f"{open_change.reference}: please carry on with that one."
            )
        previous = (
            locked.notifications.filter(submitted_at__isnull=False)
            .exclude(state=NotificationState.WITHDRAWN)
            .order_by("-submitted_at", "-pk")
            .first()
        )
        content = {
            "delivery_model": locked.delivery_model,
            "provider": locked.provider,
            "third_party_name": locked.third_party_name,
        }
        user_roles = None
        if previous is not None:
            content = {field: getattr(previous, field) for field in CHANGE_PREFILL}
            # Only roles still held: a change may be the very one that drops a role.
            user_roles = list(previous.user_roles.filter(organisations=locked.organisation))
        return create_draft(
            organisation=locked.organisation,
            by=by,
            system_name=locked.name,
            changes_system=locked,
            previous_notification=previous,
            user_roles=user_roles,
            **content,
        )


# --- Drafts, attachments and the conversation ---------------------------------------------------


def update_draft(
    *, notification: Notification, by: User, content: dict, loaded_at: datetime | None = None
) -> Notification:
    """Save changes to a draft; refused once submitted, or if changed since it was loaded."""
    user_roles = content.pop("user_roles", None)
    with transaction.atomic():
        locked = lock_notification(notification)
        if not allows(by, "notifications.prepare", locked):
            raise TransitionRefused("You can only edit your own organisation's notifications.")
        if not locked.is_draft:
            who = locked.submitted_by or "someone else"
            state = in_sentence(locked.get_state_display())
            raise TransitionRefused(
                f"{locked.reference} is {state} (by {who}), so it can no longer be edited. "
                "Changes now come as answers to the SSC's questions."
            )
        if loaded_at is not None and timezone.is_naive(loaded_at):
            loaded_at = None
        if loaded_at is not None and locked.updated_at > loaded_at:
            when = timezone.localtime(locked.updated_at)
            raise TransitionRefused(
                f"Someone else saved this draft at {when:%H:%M} on {when:%d/%m/%Y} while you were "
                "editing. Your changes are below but not saved: check them against the latest "
                "version (open the draft in a new tab) and save again."
            )
        if user_roles is not None:
            _refuse_roles_not_held(locked.organisation, user_roles)
        for field, value in content.items():
            setattr(locked, field, value)
        locked.save()
        if user_roles is not None:
            locked.user_roles.set(user_roles)
    return locked


def add_attachment(
    *,
    notification: Notification,
    by: User,
    upload,
    kind,
    tlp: str,
    description: str = "",
    information_request: InformationRequest | None = None,
) -> Attachment:
    """Store a checked upload under a random name (drafts; later files come with answers)."""
    with transaction.atomic():
        locked = lock_notification(notification)
        if not allows(by, "notifications.prepare", locked):
            raise TransitionRefused("You can only add files to your own organisation's cases.")
        if information_request is None and not locked.is_draft:
            raise TransitionRefused(
                f"{locked.reference} has been submitted: send further files with your answer "
                "to a question from the SSC."
            )
        # A new file changes what will be declared, like any other edit.
        locked.save(update_fields=["updated_at"])
        return _store_attachment(
            locked,
            by,
            upload=upload,
            kind=kind,
            tlp=tlp,
            description=description,
            information_request=information_request,
        )


def _store_attachment(
    notification, by: User, *, upload, kind, tlp, description="", information_request=None
) -> Attachment:
    return Attachment.objects.create(
        notification=notification,
        information_request=information_request,
        uploaded_by=by,
        **stored_file_fields(upload=upload, kind=kind, tlp=tlp, description=description),
    )


def confirm_non_compliance_answer(
    *, notification: Notification, by: User, has_known_non_compliances: bool
) -> Notification:
    """SECAS records what details written before the yes/no question declare, never guessed."""
    if not allows(by, "notifications.confirm_non_compliance", notification):
        raise TransitionRefused("Only SECAS staff can confirm what the User's details declare.")
    with transaction.atomic():
        locked = lock_notification(notification)
        if locked.has_known_non_compliances is not None:
            answer = "Yes" if locked.has_known_non_compliances else "No"
            raise TransitionRefused(
                f"The answer on {locked.reference} is already recorded ({answer}); "
                "the page you were on was out of date."
            )
        if not locked.known_non_compliances.strip():
            raise TransitionRefused(f"{locked.reference} has no details to confirm.")
        locked.has_known_non_compliances = has_known_non_compliances
        locked.non_compliance_confirmed_by = by
        locked.non_compliance_confirmed_at = timezone.now()
        locked.save(
            update_fields=[
                "has_known_non_compliances",
                "non_compliance_confirmed_by",
                "non_compliance_confirmed_at",
                "updated_at",
            ]
        )
    return locked


def record_download(*, attachment: Attachment, by: User, request=None) -> AttachmentDownload:
    record_event(
        SecurityEvent.Kind.DOWNLOAD,
        actor=by,
        request=request,
        organisation=attachment.notification.organisation,
        summary=f"{by} downloaded {attachment.original_name} ({attachment.get_tlp_display()}) "
        f"from {attachment.notification.reference}",
    )
    return AttachmentDownload.objects.create(attachment=attachment, user=by)


def post_message(*, notification: Notification, by: User, body: str) -> Message:
    """Add to the conversation; the other side is told by email."""
    body = (body or "").strip()
    if not body:
        raise TransitionRefused("Please write a message before sending it.")
    if notification.is_draft:
        raise TransitionRefused("Messages can be sent once the notification is submitted.")
    with transaction.atomic():
        message = Message.objects.create(notification=notification, author=by, body=body)
        from_user_side = allows(by, "notifications.prepare", notification)
        audience = "message_to_committee" if from_user_side else "message_to_user"
        queue_email(
            kind="message",
            to=recipients_for(audience, notification=notification),
            template="message_posted",
            # Both sides hold the conversation on the notification's page.
            context={
                "message": message,
                "from_user_side": from_user_side,
                "reply_url": notification_url(notification),
            },
            notification=notification,
        )
    return message


# --- Email (the outbox) ------------------------------------------------------------------------


def _email_context(notification, context: dict) -> dict:
    return {
        "notification": notification,
        "notification_url": notification_url(notification) if notification else "",
        **context,
    }


def build_email(*, kind: str, to, template: str, context: dict, notification=None) -> OutboundEmail:
    """Render an email trio into an unsaved row, with the case in its context."""
    return mail.build_email(
        kind=kind, to=to, template=template, context=_email_context(notification, context)
    )


@dataclass(frozen=True)
class EmailAbout:
    """An outbox row and what it is about, for the communications logs."""

    email: OutboundEmail
    notification: Notification | None = None
    organisation: Organisation | None = None


def save_emails(emails: list[EmailAbout]) -> list[OutboundEmail]:
    """Write outbox rows and their links to the case and the organisation, a few queries for
    any number of rows. The organisation defaults to the case's."""
    rows = OutboundEmail.objects.bulk_create([about.email for about in emails], batch_size=1000)
    NotificationEmail.objects.bulk_create(
        [
            NotificationEmail(email=about.email, notification=about.notification)
            for about in emails
            if about.notification is not None
        ],
        batch_size=1000,
    )
    OrganisationEmail.objects.bulk_create(
        [
            OrganisationEmail(
                email=about.email, organisation=organisation, written_at=about.email.created_at
            )
            for about in emails
            if (
                organisation := about.organisation
                or (about.notification.organisation if about.notification else None)
            )
            is not None
        ],
        batch_size=1000,
    )
    return rows


@dataclass(frozen=True)
class DeferredEmail:
    """An outbox row a bulk run writes, rendered when delivered (deferred_email_values), and
    what it is about, for the communications logs."""

    values: dict
    notification_id: int | None = None
    organisation_id: int | None = None

    def __post_init__(self):
        # save_emails reads a case's organisation; a bulk run gives it, or its log would miss it.
        if self.notification_id is not None and self.organisation_id is None:
            raise ValueError("An email about a case must name the case's organisation too.")


def save_deferred_emails(emails: list[DeferredEmail]) -> int:
    """save_emails for a run's thousands of rows: set-based, with no model instance per row.
    Each email names its organisation (save_emails would read the case's)."""
    now = timezone.now()
    rows = [{"created_at": now, **email.values} for email in emails]
    ids = insert_rows(OutboundEmail, rows, with_ids=True)
    insert_rows(
        NotificationEmail,
        [
            {"email_id": pk, "notification_id": email.notification_id}
            for pk, email in zip(ids, emails, strict=True)
            if email.notification_id is not None
        ],
    )
    insert_rows(
        OrganisationEmail,
        [
            {
                "email_id": pk,
                "organisation_id": email.organisation_id,
                "written_at": row["created_at"],
            }
            for pk, email, row in zip(ids, emails, rows, strict=True)
            if email.organisation_id is not None
        ],
    )
    return len(ids)


def queue_email(
    *,
    kind: str,
    to: Iterable[Recipient],
    template: str,
    context: dict,
    notification=None,
    organisation=None,
) -> list[OutboundEmail]:
    """Write the email in the current transaction, one row per recipient, each greeting its
    reader and linking the page that reader uses; delivered after commit."""
    emails = []
    for recipient in unique_recipients(to):
        links = {}
        if notification is not None:
            links["notification_url"] = link_for(recipient, notification)
        email = build_email(
            kind=kind,
            to=[recipient.email],
            template=template,
            context={**context, **links, "recipient": recipient, "greeting": recipient.greeting},
            notification=notification,
        )
        emails.append(EmailAbout(email, notification, organisation))
    rows = save_emails(emails)
    mail.deliver_after_commit(rows)
    return rows


def _queue_submission_emails(notification: Notification) -> None:
    today = timezone.localdate()
    go_live = notification.planned_go_live_date
    if go_live is None:  # never: a notification is submitted only with its go-live date
        raise ValueError(f"{notification.reference} was submitted without a go-live date.")
    working_days_to_go_live = working_days_left(today, go_live)
    context = {
        "working_days_to_go_live": working_days_to_go_live,
        "is_short_notice": (
            not notification.is_late
            and working_days_to_go_live <= settings.SSC_DECISION_WORKING_DAYS
        ),
        "decision_working_days": settings.SSC_DECISION_WORKING_DAYS,
    }
    queue_email(
        kind="receipt",
        to=recipients_for("receipt", notification=notification),
        template="notification_receipt",
        context=context,
        notification=notification,
    )
    queue_email(
        kind="secas_alert",
        to=recipients_for("secas_alert", notification=notification),
        template="notification_alert",
        context=context,
        notification=notification,
    )


def confirm_srp_coverage(*, system: UserSystem, by: User, coverage: str, note: str) -> UserSystem:
    """SECAS records, from the SRP's report, whether its assessment covered this User System."""
    if not allows(by, "notifications.confirm_srp_coverage", system):
        raise TransitionRefused("Only SECAS staff can record what an SRP's assessment covered.")
    if coverage not in SrpCoverage.values or coverage == SrpCoverage.NOT_CONFIRMED:
        raise TransitionRefused("Say whether the SRP's assessment covered this service.")
    if not note.strip():
        raise TransitionRefused("Name the SRP's report the answer was read from.")
    with transaction.atomic():
        locked = (
            UserSystem.objects.select_for_update(of=("self",))
            .select_related("provider")
            .get(pk=system.pk)
        )
        if locked.provider is None:
            raise TransitionRefused(
                f"{locked.name} is not provided by a Shared Resource Provider: there is no SRP "
                "assessment to have covered it."
            )
        locked.srp_coverage = coverage
        locked.srp_coverage_note = note.strip()
        locked.srp_coverage_confirmed_by = by
        locked.srp_coverage_confirmed_at = timezone.now()
        attribute_change(locked, by=by, reason=f"SRP coverage: {SrpCoverage(coverage).label}")
        locked.save(
            update_fields=[
                "srp_coverage",
                "srp_coverage_note",
                "srp_coverage_confirmed_by",
                "srp_coverage_confirmed_at",
            ]
        )
    return locked
