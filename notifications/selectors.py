"""Who may see what: the one place the portal decides which notifications a person can reach.

Views, downloads, exports and feeds all start from these querysets, so a case a person may not
see answers 404 everywhere, whatever the URL.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django_fsm_log.models import StateLog

from notifications.models import Attachment, InformationRequest, Notification, NotificationState


def notifications_visible_to(user) -> QuerySet[Notification]:
    """Own organisations' notifications (drafts included); staff see submitted ones only.

    SSC members never see the cases of organisations they have declared a conflict with.
    """
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    visible = Q(organisation_id__in=list(user.active_memberships))
    # Never submitted (a draft, or a draft withdrawn) stays the organisation's own business.
    submitted = Q(submitted_at__isnull=False)
    if user.is_secas or user.is_superuser:
        visible |= submitted
    elif user.is_ssc_member:
        visible |= submitted & ~Q(organisation_id__in=list(user.conflicted_organisation_ids))
    return Notification.objects.filter(visible)


def get_visible_notification(user, pk) -> Notification:
    notification = (
        notifications_visible_to(user)
        .select_related("organisation", "provider", "created_by", "submitted_by", "rapporteur")
        .filter(pk=pk)
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification


def get_visible_attachment(user, pk) -> Attachment:
    attachment = (
        Attachment.objects.select_related("notification")
        .filter(pk=pk, notification__in=notifications_visible_to(user))
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def waiting_on_organisation(organisation) -> QuerySet[InformationRequest]:
    """Open information requests, most urgent first."""
    return (
        InformationRequest.objects.filter(
            notification__organisation=organisation,
            responded_at__isnull=True,
            # A question on a withdrawn notification no longer waits on anyone.
            notification__state=NotificationState.INFORMATION_REQUESTED,
        )
        .select_related("notification")
        .order_by("response_due_date")
    )


USER_SIDE_HIDDEN_DESCRIPTIONS = {"start_review"}
STAFF_TRANSITION_TITLES = {
    "submit": "Submitted to the SSC",
    "start_review": "Review started by SECAS",
    "request_information": "The SSC asked for more information",
    "provide_information": "Information provided",
    "decide_no_assessment": "Decision: no assessment needed until the next annual review",
    "decide_assessment_required": "Decision: assessment required under G8.13",
    "close": "Closed: assessment complete",
    "withdraw": "Withdrawn",
}


def _display_actor(actor, *, organisation, viewer_is_staff: bool) -> str:
    if actor is None:
        return "The portal"
    if viewer_is_staff or actor.can_prepare_for(organisation):
        return str(actor)
    # User staff see the role, not the name, of SSC members and SECAS staff.
    return "SECAS" if actor.is_secas else "The SSC"


def timeline_for(notification: Notification, *, viewer) -> list[dict]:
    """Every transition, message and file on a case, oldest first, as the viewer may see it."""
    viewer_is_staff = viewer.is_secas or viewer.is_ssc_member or viewer.is_superuser
    organisation = notification.organisation
    entries = []
    for log in StateLog.objects.for_(notification).select_related("by"):
        title = STAFF_TRANSITION_TITLES.get(log.transition, log.transition)
        hide = (
            not viewer_is_staff and log.transition in USER_SIDE_HIDDEN_DESCRIPTIONS
        ) or log.description == title
        entries.append(
            {
                "at": log.timestamp,
                "kind": "transition",
                "title": title,
                "actor": _display_actor(
                    log.by, organisation=organisation, viewer_is_staff=viewer_is_staff
                ),
                "body": "" if hide else (log.description or ""),
            }
        )
    for message in notification.messages.select_related("author"):
        entries.append(
            {
                "at": message.created_at,
                "kind": "message",
                "title": "Message",
                "actor": _display_actor(
                    message.author, organisation=organisation, viewer_is_staff=viewer_is_staff
                ),
                "body": message.body,
            }
        )
    for attachment in notification.attachments.select_related("uploaded_by"):
        entries.append(
            {
                "at": attachment.uploaded_at,
                "kind": "attachment",
                "title": f"File added: {attachment.original_name} ({attachment.get_tlp_display()})",
                "actor": _display_actor(
                    attachment.uploaded_by,
                    organisation=organisation,
                    viewer_is_staff=viewer_is_staff,
                ),
                "body": attachment.description,
            }
        )
    return sorted(entries, key=lambda entry: entry["at"])
