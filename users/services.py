"""Organisation admins manage their own staff: invite, change roles, deactivate. People answer
the invitations they receive."""

from datetime import date

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sscportal.history import attribute_change
from sscportal.mail import services as mail
from sscportal.mail.models import OutboundEmail
from users.models import (
    CommitteeOffices,
    ConflictOfInterest,
    Membership,
    Organisation,
    OrganisationEmail,
    SecurityEvent,
    User,
    normalise_email,
)
from users.policy import (
    allows,
    becomes_committee_account,
    is_committee_account,
    is_ssc_member,
)
from users.security import record_event


class StaffChangeRefused(Exception):
    """A change to an organisation's staff was refused; the message is for the admin."""


class InvitationRefused(Exception):
    """An invitation could not be answered; the message is for the invited person."""


def _require_admin(
    by: User, organisation: Organisation, rule: str = "users.administer_organisation"
):
    if not allows(by, rule, organisation):
        raise StaffChangeRefused("Only your organisation's admins can manage its staff.")


def _set_password_url(user: User) -> str:
    if user.has_usable_password():
        return ""
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.PORTAL_BASE_URL + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )


INVITATION = "invitation"


def invitation_link(email: OutboundEmail) -> dict:
    """The set-password link of an invitation, made when it is sent so the outbox never holds
    it (registered with add_at_delivery in UsersConfig.ready)."""
    membership = (
        Membership.objects.select_related("user").filter(pk=email.context["membership"]).first()
    )
    # A link is a credential: never sent for an invitation withdrawn or answered meanwhile.
    if membership is None:
        raise mail.DeliveryCancelled("the invitation no longer exists")
    if membership.is_invitation_withdrawn:
        raise mail.DeliveryCancelled("the invitation was withdrawn before it was sent")
    if not membership.is_invitation_pending:
        raise mail.DeliveryCancelled("the invitation was answered before it was sent")
    user = membership.user
    return {"set_password_url": "" if is_committee_account(user) else _set_password_url(user)}


def _link(email: OutboundEmail, organisation: Organisation) -> None:
    OrganisationEmail.objects.create(
        email=email, organisation=organisation, written_at=email.created_at
    )


def _queue_invitation(membership: Membership) -> OutboundEmail:
    user = membership.user
    context = {
        "membership": membership.pk,
        "name": membership.invited_name or user.full_name,
        "organisation": {"name": membership.organisation.name},
        "invited_by": str(membership.invited_by or ""),
        "role": membership.get_role_display(),
        "portal_url": settings.PORTAL_BASE_URL,
        # Committee accounts are told why nothing changed, with no way to accept.
        "can_accept": not is_committee_account(user),
        "invitations_url": settings.PORTAL_BASE_URL + reverse("users:invitations"),
    }
    email = mail.queue_email(
        mail.build_deferred_email(
            kind=INVITATION,
            to=[user.email],
            template="staff_invitation",
            context=context,
            summary=mail.render_subject("staff_invitation", context),
        )
    )
    _link(email, membership.organisation)
    return email


def invite_member(*, organisation: Organisation, by: User, email: str, full_name: str, role: str):
    """Invite a person to the organisation; they join only when they accept.

    Whoever the address belongs to (nobody yet, another organisation, the SSC or SECAS), the
    admin gets the same pending invitation, so an invitation reveals nothing about accounts.
    The email is written to the outbox with the invitation and sent after commit.
    """
    _require_admin(by, organisation)
    if role not in Membership.Role.values:
        raise StaffChangeRefused("Choose preparer, submitter or organisation admin.")
    email = normalise_email(email)
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, organisation=organisation)
            .first()
        ) or Membership(user=user, organisation=organisation, is_active=False)
        if membership.is_active:
            raise StaffChangeRefused(f"{email} is already a member of {organisation}.")
        membership.role = role
        membership.invitation = Membership.Invitation.PENDING
        membership.invited_name = full_name
        membership.invited_by = by
        membership.invited_at = timezone.now()
        membership.answered_at = None
        attribute_change(membership, by=by, reason="Invited")
        membership.save()
        record_event(
            SecurityEvent.Kind.INVITATION,
            actor=by,
            organisation=organisation,
            summary=f"{by} invited {email} to {organisation} as {membership.get_role_display()}"
            + (
                " (an SSC or SECAS account: it cannot accept)" if is_committee_account(user) else ""
            ),
        )
        _queue_invitation(membership)
    return membership


def resend_invitation(*, membership: Membership, by: User) -> None:
    """Send an invitation that is still waiting for an answer again."""
    _require_admin(by, membership.organisation)
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "organisation", "invited_by")
            .get(pk=membership.pk)
        )
        if not locked.is_invitation_pending:
            raise StaffChangeRefused(
                "There is no open invitation to send again. To invite them again, use the form "
                "below."
            )
        _queue_invitation(locked)


def withdraw_invitation(*, membership: Membership, by: User) -> Membership:
    """The admin takes back an invitation not yet answered (a wrong address, a wrong role)."""
    _require_admin(by, membership.organisation)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if not locked.is_invitation_pending:
            raise StaffChangeRefused(
                "There is no open invitation to withdraw: it has already been answered."
            )
        locked.invitation = Membership.Invitation.WITHDRAWN
        locked.is_active = False
        locked.answered_at = timezone.now()
        attribute_change(locked, by=by, reason="Invitation withdrawn")
        locked.save(update_fields=["invitation", "is_active", "answered_at"])
        record_event(
            SecurityEvent.Kind.INVITATION_WITHDRAWN,
            actor=by,
            organisation=locked.organisation,
            summary=f"{by} withdrew the invitation of {normalise_email(locked.user.email)} "
            f"to {locked.organisation}",
        )
    return locked


def _answer(*, membership: Membership, by: User, accept: bool) -> Membership:
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("organisation", "user")
            .get(pk=membership.pk)
        )
        if (
            locked.user_id != by.pk
            or not locked.is_invitation_pending
            or not locked.organisation.is_active
        ):
            raise InvitationRefused("This invitation is no longer open.")
        if accept and not allows(by, "users.join_organisation"):
            raise InvitationRefused(
                "SSC and SECAS accounts cannot join a User organisation. Contact SECAS."
            )
        locked.invitation = (
            Membership.Invitation.ACCEPTED if accept else Membership.Invitation.DECLINED
        )
        locked.is_active = accept
        locked.answered_at = timezone.now()
        verb = "accepted" if accept else "declined"
        attribute_change(locked, by=by, reason=f"Invitation {verb}")
        locked.save(update_fields=["invitation", "is_active", "answered_at"])
        record_event(
            SecurityEvent.Kind.INVITATION_ACCEPTED
            if accept
            else SecurityEvent.Kind.INVITATION_DECLINED,
            actor=by,
            organisation=locked.organisation,
            summary=f"{by} {verb} the invitation to join {locked.organisation} as "
            f"{locked.get_role_display()}",
        )
        _tell_the_inviter(locked)
    return locked


def accept_invitation(*, membership: Membership, by: User) -> Membership:
    """The invited person joins the organisation in the role they were invited to."""
    return _answer(membership=membership, by=by, accept=True)


def decline_invitation(*, membership: Membership, by: User) -> Membership:
    """The invited person says no; the admin may invite them again later."""
    return _answer(membership=membership, by=by, accept=False)


def _tell_the_inviter(membership: Membership) -> None:
    inviter = membership.invited_by
    if inviter is None or not allows(inviter, "users.administer_organisation", membership):
        return
    email = mail.queue_email(
        mail.build_email(
            kind="invitation_answered",
            to=[inviter.email],
            template="staff_invitation_answered",
            context={
                "membership": membership,
                "inviter": inviter,
                "organisation": membership.organisation,
                "email": normalise_email(membership.user.email),
                "name": membership.invited_name or membership.user.full_name,
                "role": membership.get_role_display(),
                "accepted": membership.is_active,
                "staff_url": settings.PORTAL_BASE_URL
                + reverse("users:staff", args=[membership.organisation_id]),
            },
        )
    )
    _link(email, membership.organisation)


def _other_active_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(
            organisation=membership.organisation,
            role=Membership.Role.ADMIN,
            is_active=True,
            user__is_active=True,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def change_membership(
    *, membership: Membership, by: User, role: str, is_active: bool
) -> Membership:
    """Set a member's role and whether they are active; an organisation keeps one admin.

    The one way roles and access change: the staff page and the admin both come here."""
    _require_admin(by, membership.organisation, "users.manage_memberships")
    if role not in Membership.Role.values:
        raise StaffChangeRefused("Choose preparer, submitter or organisation admin.")
    with transaction.atomic():
        # Lock every admin of the organisation, so two admins demoting each other at once
        # cannot both pass the "someone else is admin" check.
        list(
            Membership.objects.select_for_update()
            .filter(organisation=membership.organisation, role=Membership.Role.ADMIN)
            .order_by("pk")
        )
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.invitation != Membership.Invitation.ACCEPTED:
            # Only the person can turn an invitation into access, by accepting it.
            who = locked.invited_name or locked.user.email
            if locked.is_invitation_pending:
                refusal = (
                    f"{who} has not accepted the invitation yet: they join when they accept it."
                )
            elif locked.is_invitation_withdrawn:
                refusal = f"The invitation to {who} was withdrawn, so they have no place to change."
            else:
                refusal = f"{who} declined the invitation, so they have no place to change."
            # The staff page is where an invitation is sent, whoever is changing the place.
            raise StaffChangeRefused(
                f"{refusal} The organisation's admin can invite them again from its staff page."
                if not locked.is_invitation_pending
                else refusal
            )
        if is_active and not locked.is_active and not allows(by, "users.restore_access"):
            # Access comes back only with the person's consent, as it first came.
            raise StaffChangeRefused(
                f"{locked.user} is deactivated. To give them access again, invite them again "
                "from the organisation's staff page: they rejoin when they accept."
            )
        if (
            is_active
            and not locked.is_active
            and not allows(locked.user, "users.join_organisation")
        ):
            # A person who has since become SSC, SECAS or admin-site staff, or whose account is
            # closed, never regains a place at a User.
            raise StaffChangeRefused(
                f"{locked.user} cannot be given access to {locked.organisation} again: SSC, "
                "SECAS and admin-site accounts, and closed accounts, are never members of a User."
            )
        loses_admin = locked.role == Membership.Role.ADMIN and (
            role != Membership.Role.ADMIN or not is_active
        )
        if loses_admin and not _other_active_admins(locked):
            raise StaffChangeRefused(
                f"{locked.user} is the only admin of {locked.organisation}. Make someone else "
                "an admin first."
            )
        if locked.user_id == by.pk and not is_active:
            raise StaffChangeRefused("You cannot deactivate yourself.")
        before = f"{locked.get_role_display()}, {'active' if locked.is_active else 'deactivated'}"
        locked.role = role
        locked.is_active = is_active
        attribute_change(locked, by=by, reason="Role or access changed")
        locked.save(update_fields=["role", "is_active"])
        after = f"{locked.get_role_display()}, {'active' if locked.is_active else 'deactivated'}"
        if before != after:
            record_event(
                SecurityEvent.Kind.ROLE_CHANGE,
                actor=by,
                organisation=locked.organisation,
                summary=f"{by} changed {locked.user} at {locked.organisation}: {before} → {after}",
            )
    return locked


def add_member(
    *, organisation: Organisation, user: User, by: User, role: str, is_active: bool = True
):
    """SECAS adds a person to an organisation directly (in the admin), with no invitation."""
    _require_admin(by, organisation, "users.add_member_directly")
    if role not in Membership.Role.values:
        raise StaffChangeRefused("Choose preparer, submitter or organisation admin.")
    if not allows(user, "users.join_organisation"):
        raise StaffChangeRefused(
            f"{user} cannot join {organisation}: SSC, SECAS and admin-site accounts, and "
            "deactivated accounts, are never members of a User."
        )
    with transaction.atomic():
        if Membership.objects.filter(user=user, organisation=organisation).exists():
            raise StaffChangeRefused(f"{user} already has a place at {organisation}.")
        membership = Membership(
            user=user,
            organisation=organisation,
            role=role,
            is_active=is_active,
            invitation=Membership.Invitation.ACCEPTED,
        )
        attribute_change(membership, by=by, reason="Added directly")
        membership.save()
        record_event(
            SecurityEvent.Kind.ROLE_CHANGE,
            actor=by,
            organisation=organisation,
            summary=f"{by} added {user} to {organisation} as {membership.get_role_display()}, "
            f"{'active' if is_active else 'deactivated'}",
        )
    return membership


class AccessChangeRefused(Exception):
    """A change to a person's account flags or groups was refused; the message says why."""


# The account flags the access service sets (the admin's Access section shows them).
ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")


def access_summary(user: User) -> str:
    groups = ", ".join(sorted(user.groups.values_list("name", flat=True))) or "no groups"
    flags = [name for name in ACCESS_FLAGS if getattr(user, name)]
    return f"{groups}; {', '.join(flags) or 'no flags'}"


def check_access_change(
    *,
    person: User,
    by: User,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    groups,
    user_permissions=None,
) -> None:
    """Refuse, in words, an access change the rules do not allow (the admin asks first)."""
    if not allows(by, "users.change_account", person):
        raise AccessChangeRefused(
            "Only SECAS can change a person's access, and only a superuser a superuser's."
        )
    current_groups = set(person.groups.values_list("pk", flat=True)) if person.pk else set()
    new_groups = {group.pk for group in groups}
    current_permissions = (
        set(person.user_permissions.values_list("pk", flat=True)) if person.pk else set()
    )
    permissions_change = user_permissions is not None and current_permissions != {
        permission.pk for permission in user_permissions
    }
    flags = (is_active, is_staff, is_superuser)
    stored_flags = (person.is_active, person.is_staff, person.is_superuser)
    if flags == stored_flags and new_groups == current_groups and not permissions_change:
        return
    if person.pk == by.pk:
        raise AccessChangeRefused(
            "You cannot change your own access: ask another member of SECAS to do it."
        )
    superuser_changes = flags[2] != stored_flags[2]
    if (superuser_changes or permissions_change) and not allows(by, "users.grant_superuser"):
        raise AccessChangeRefused(
            "Only a superuser can make someone a superuser or give them individual permissions."
        )
    added_groups = {group.name for group in groups if group.pk not in current_groups}
    becomes_committee = becomes_committee_account(
        person, is_staff=is_staff, is_superuser=is_superuser, added_groups=added_groups
    )
    places = sorted(str(m.organisation) for m in person.active_memberships.values())
    if becomes_committee and places:
        raise AccessChangeRefused(
            f"{person} still has a place at {', '.join(places)}. SSC, SECAS and admin-site "
            "accounts are never members of a User: deactivate that place first."
        )


def change_access(
    *,
    person: User,
    by: User,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    groups,
    user_permissions=None,
) -> User:
    """Set a person's account flags and groups; the admin's Access section comes here."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        check_access_change(
            person=person,
            by=by,
            is_active=is_active,
            is_staff=is_staff,
            is_superuser=is_superuser,
            groups=groups,
            user_permissions=user_permissions,
        )
        before = access_summary(person)
        person.is_active, person.is_staff, person.is_superuser = is_active, is_staff, is_superuser
        person.save(update_fields=list(ACCESS_FLAGS))
        person.groups.set(groups)
        if user_permissions is not None:
            person.user_permissions.set(user_permissions)
        after = access_summary(person)
        if before != after:
            record_event(
                SecurityEvent.Kind.ROLE_CHANGE,
                actor=by,
                summary=f"{by} changed {person}'s access: {before} → {after}",
            )
    return person


def check_conflict_declaration(
    *, member: User, organisation: Organisation, by: User, reason: str
) -> None:
    """Refuse, in words, a conflict the rules do not allow (the admin asks first)."""
    if not allows(by, "users.manage_conflicts"):
        raise AccessChangeRefused("Only SECAS can record a conflict of interest.")
    if not allows(member, "users.declare_conflict"):
        raise AccessChangeRefused(
            f"{member} is not an SSC member: conflicts are recorded for SSC members only."
        )
    if not reason.strip():
        raise AccessChangeRefused("Say what the conflict is, for example: employed by this party.")
    if ConflictOfInterest.objects.filter(
        member=member, organisation=organisation, withdrawn_at__isnull=True
    ).exists():
        raise AccessChangeRefused(f"{member}'s conflict with {organisation} is already recorded.")


def declare_conflict(*, member: User, organisation: Organisation, by: User, reason: str):
    """SECAS records an SSC member's conflict with an organisation: from now on the member
    sees none of its cases."""
    with transaction.atomic():
        # The member's row is the lock: two declarations at once cannot both pass the check.
        User.objects.select_for_update().filter(pk=member.pk).first()
        check_conflict_declaration(member=member, organisation=organisation, by=by, reason=reason)
        conflict = ConflictOfInterest(member=member, organisation=organisation, reason=reason)
        attribute_change(conflict, by=by, reason="Conflict declared")
        conflict.save()
        record_event(
            SecurityEvent.Kind.ROLE_CHANGE,
            actor=by,
            organisation=organisation,
            summary=f"{by} recorded {member}'s conflict of interest with {organisation}",
        )
    return conflict


def withdraw_conflict(*, conflict, by: User):
    """SECAS withdraws a conflict: the member may see the organisation's cases again."""
    if not allows(by, "users.manage_conflicts"):
        raise AccessChangeRefused("Only SECAS can withdraw a conflict of interest.")
    with transaction.atomic():
        locked = ConflictOfInterest.objects.select_for_update().get(pk=conflict.pk)
        if locked.withdrawn_at is not None:
            raise AccessChangeRefused(
                f"{locked.member}'s conflict with {locked.organisation} was already withdrawn "
                f"on {timezone.localtime(locked.withdrawn_at):%d/%m/%Y}."
            )
        locked.withdrawn_at = timezone.now()
        attribute_change(locked, by=by, reason="Conflict withdrawn")
        locked.save(update_fields=["withdrawn_at"])
        record_event(
            SecurityEvent.Kind.ROLE_CHANGE,
            actor=by,
            organisation=locked.organisation,
            summary=f"{by} withdrew {locked.member}'s conflict of interest with "
            f"{locked.organisation}",
        )
    return locked


class RegisterChangeRefused(Exception):
    """A change to an organisation's register entry was refused; the message is for SECAS."""


def record_smart_metering_systems(
    *, organisation: Organisation, by: User, count: int, counted_date: date
) -> Organisation:
    """SECAS records how many Smart Metering Systems the organisation has, and when counted."""
    if not allows(by, "users.record_smart_metering_systems", organisation):
        raise RegisterChangeRefused(
            "Only SECAS can record an organisation's Smart Metering Systems."
        )
    if count < 0:
        raise RegisterChangeRefused("The count of Smart Metering Systems cannot be negative.")
    if counted_date > timezone.localdate():
        raise RegisterChangeRefused(
            f"The count cannot be dated in the future ({counted_date:%d/%m/%Y})."
        )
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        locked.smart_metering_systems_count = count
        locked.smart_metering_systems_counted_date = counted_date
        attribute_change(
            locked,
            by=by,
            reason=f"Smart Metering Systems: {count:,} counted on {counted_date:%d/%m/%Y}",
        )
        locked.save(
            update_fields=["smart_metering_systems_count", "smart_metering_systems_counted_date"]
        )
    return locked


class ChairChangeRefused(Exception):
    """A change to the SSC chair or deputy was refused; the message says why, for SECAS."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field  # the form field it is about ("chair", "deputy"), if one


def check_committee_offices(*, chair: User | None, deputy: User | None, by: User) -> None:
    """Refuse, in words, a chair and deputy the rules do not allow (the forms ask first)."""
    if not allows(by, "users.record_chair"):
        raise ChairChangeRefused("Only SECAS can record the SSC chair and deputy chair.")
    for person, office, field in ((chair, "chair", "chair"), (deputy, "deputy chair", "deputy")):
        if person is not None and not is_ssc_member(person):
            raise ChairChangeRefused(
                f"{person} cannot be the {office}: only an active SSC member can. Choose "
                "another member, or add them to the SSC in the admin first.",
                field=field,
            )
    if chair is not None and deputy is not None and chair.pk == deputy.pk:
        raise ChairChangeRefused(
            f"{chair} cannot be both the chair and the deputy chair: choose someone else as "
            "deputy, or leave the deputy empty.",
            field="deputy",
        )


def _office_holder(person: User | None) -> str:
    return str(person) if person is not None else "nobody"


def record_committee_offices(
    *, chair: User | None, deputy: User | None, by: User
) -> tuple[CommitteeOffices, bool]:
    """SECAS records who is the SSC chair and who the deputy (either may be left empty).
    Returns the record and whether anything changed."""
    with transaction.atomic():
        # The one row is the lock: two people saving at once cannot interleave their checks.
        CommitteeOffices.objects.get_or_create(pk=1)
        offices = CommitteeOffices.objects.select_for_update().get(pk=1)
        # Fresh from the database: whether each is still an active SSC member is read now.
        chair = User.objects.get(pk=chair.pk) if chair is not None else None
        deputy = User.objects.get(pk=deputy.pk) if deputy is not None else None
        check_committee_offices(chair=chair, deputy=deputy, by=by)
        if (offices.chair_id, offices.deputy_id) == (
            getattr(chair, "pk", None),
            getattr(deputy, "pk", None),
        ):
            return offices, False
        before = f"chair {_office_holder(offices.chair)}, deputy {_office_holder(offices.deputy)}"
        after = f"chair {_office_holder(chair)}, deputy {_office_holder(deputy)}"
        offices.chair, offices.deputy = chair, deputy
        attribute_change(offices, by=by, reason="SSC chair and deputy recorded")
        offices.save(update_fields=["chair", "deputy"])
        record_event(
            SecurityEvent.Kind.ROLE_CHANGE,
            actor=by,
            summary=f"{by} recorded the SSC chair and deputy: {before} → {after}",
        )
    return offices, True
