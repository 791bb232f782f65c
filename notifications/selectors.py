"""Who may see what: the one place the portal decides which notifications a person can reach.

Views, downloads, exports and feeds all start from these querysets, so a case a person may not
see answers 404 everywhere, whatever the URL.
"""

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django_fsm_log.models import StateLog

from notifications.models import (
    Attachment,
    InformationRequest,
    Notification,
    NotificationQuerySet,
)
from users.models import (
    SECAS_STAFF_GROUP,
    SSC_MEMBERS_GROUP,
    Membership,
    Organisation,
    User,
)
from users.policy import (
    SUBMITTING_ROLES,
    allows,
    is_active_person,
    is_ssc_member,
    is_superuser,
    on_secas_side,
)


def notifications_visible_to(user) -> NotificationQuerySet:
    """Own organisations' notifications (drafts included); staff see submitted ones only.

    SSC members never see the cases of organisations they have declared a conflict with.
    """
    if not is_active_person(user):
        return Notification.objects.none()
    visible = Q(organisation_id__in=list(user.active_memberships))
    # Never submitted (a draft, or a draft withdrawn) stays the organisation's own business.
    submitted = Q(submitted_at__isnull=False)
    if on_secas_side(user):
        visible |= submitted
    elif is_ssc_member(user):
        visible |= submitted & outside_conflicts(user)
    return Notification.objects.filter(visible)


def outside_conflicts(user, organisation_path: str = "organisation") -> Q:
    """Leaves out the organisations the person has a conflict with, SECAS and superusers aside:
    an SSC member never sees those anywhere, the admin included."""
    if on_secas_side(user):
        return Q()
    return ~Q(**{f"{organisation_path}__in": list(user.conflicted_organisation_ids)})


def notifications_in_the_admin(user, queryset: NotificationQuerySet) -> NotificationQuerySet:
    """The admin's list: submitted cases outside the person's conflicts; drafts, which are the
    organisation's own, only for a superuser repairing data."""
    queryset = queryset.filter(outside_conflicts(user))
    return queryset if is_superuser(user) else queryset.submitted()


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
        InformationRequest.objects.waiting()
        .filter(notification__organisation=organisation)
        .select_related("notification")
        .order_by("response_due_date")
    )


def ssc_members() -> QuerySet[User]:
    """Active SSC members, by name: who may be chosen as a rapporteur, attendee or member."""
    return User.objects.filter(groups__name=SSC_MEMBERS_GROUP, is_active=True).order_by("full_name")


def submitting_memberships(organisations=None) -> QuerySet[Membership]:
    """The active people who may submit for these organisations (every one if None), the
    submitters and admins: who a preparer asks to submit, and who hears about reviews."""
    memberships = Membership.objects.filter(
        organisation__is_active=True,
        is_active=True,
        user__is_active=True,
        role__in=SUBMITTING_ROLES,
    ).select_related("user")
    if organisations is None:
        return memberships
    if isinstance(organisations, Organisation):
        organisations = [organisations]
    return memberships.filter(organisation__in=organisations)


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


def actor_names(actors, *, organisation, viewer_is_staff: bool) -> dict:
    """How each person in a timeline is shown to the viewer, decided for all of them at once."""
    people = {actor.pk: actor for actor in actors if actor is not None}
    if viewer_is_staff:
        return {pk: str(person) for pk, person in people.items()}
    # User staff see their colleagues' names, and the role, not the name, of SSC members and
    # SECAS staff: two queries for the whole timeline, never one per entry.
    colleagues = set(
        Membership.objects.filter(
            user_id__in=people,
            user__is_active=True,
            organisation=organisation,
            organisation__is_active=True,
            is_active=True,
        ).values_list("user_id", flat=True)
    )
    secas = set(
        User.objects.filter(
            pk__in=people, is_active=True, groups__name=SECAS_STAFF_GROUP
        ).values_list("pk", flat=True)
    )
    return {
        pk: str(person) if pk in colleagues else ("SECAS" if pk in secas else "The SSC")
        for pk, person in people.items()
    }


def timeline_for(notification: Notification, *, viewer) -> list[dict]:
    """Every transition, message and file on a case, oldest first, as the viewer may see it."""
    viewer_is_staff = allows(viewer, "notifications.see_staff_names", notification)
    logs = list(StateLog.objects.for_(notification).select_related("by"))
    messages = list(notification.messages.select_related("author"))
    # The case page and the notification page have usually fetched the files already.
    prefetch_related_objects([notification], "attachments__uploaded_by")
    attachments = list(notification.attachments.all())
    names = actor_names(
        [log.by for log in logs]
        + [message.author for message in messages]
        + [attachment.uploaded_by for attachment in attachments],
        organisation=notification.organisation,
        viewer_is_staff=viewer_is_staff,
    )

    def actor(person) -> str:
        return "The portal" if person is None else names[person.pk]

    entries = []
    for log in logs:
        title = STAFF_TRANSITION_TITLES.get(log.transition, log.transition)
        hide = (
            not viewer_is_staff and log.transition in USER_SIDE_HIDDEN_DESCRIPTIONS
        ) or log.description == title
        entries.append(
            {
                "at": log.timestamp,
                "kind": "transition",
                "title": title,
                "actor": actor(log.by),
                "body": "" if hide else (log.description or ""),
            }
        )
    for message in messages:
        entries.append(
            {
                "at": message.created_at,
                "kind": "message",
                "title": "Message",
                "actor": actor(message.author),
                "body": message.body,
            }
        )
    for attachment in attachments:
        entries.append(
            {
                "at": attachment.uploaded_at,
                "kind": "attachment",
                "title": f"File added: {attachment.original_name} ({attachment.get_tlp_display()})",
                "actor": actor(attachment.uploaded_by),
                "body": attachment.description,
            }
        )
    return sorted(entries, key=lambda entry: entry["at"])
