"""Organisation admins manage their own staff: invite, change roles, deactivate."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from users.models import Membership, Organisation, SecurityEvent, User
from users.security import record_event


class StaffChangeRefused(Exception):
    """A change to an organisation's staff was refused; the message is for the admin."""


def _require_admin(by, organisation: Organisation) -> None:
    if not by.can_administer(organisation):
        raise StaffChangeRefused("Only your organisation's admins can manage its staff.")


def _send_invitation(user_id: int, organisation_id: int, invited_by_id: int) -> None:
    user = User.objects.get(pk=user_id)
    organisation = Organisation.objects.get(pk=organisation_id)
    context = {
        "user": user,
        "organisation": organisation,
        "invited_by": User.objects.get(pk=invited_by_id),
        "portal_url": settings.PORTAL_BASE_URL,
        "set_password_url": (
            settings.PORTAL_BASE_URL
            + reverse(
                "password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            if not user.has_usable_password()
            else ""
        ),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string("emails/staff_invitation_subject.txt", context).split()),
        body=render_to_string("emails/staff_invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("emails/staff_invitation.html", context), "text/html"
    )
    message.send()


def invite_member(*, organisation: Organisation, by, email: str, full_name: str, role: str):
    """Add a person to the organisation, creating their account if needed.

    The caller sends the invitation (send_invitation) once this has committed, so a failed
    save never mails an invitation, and a failed email is reported rather than swallowed.
    """
    _require_admin(by, organisation)
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and (user.is_staff or user.is_ssc_member or user.is_secas):
            # Committee and secretariat accounts are managed by SECAS, never by a User.
            raise StaffChangeRefused(
                f"{email} belongs to SSC or SECAS staff and cannot be added here. "
                "Contact SECAS if this is a mistake."
            )
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        if not created:
            if membership.is_active:
                raise StaffChangeRefused(f"{email} is already a member of {organisation}.")
            membership.is_active = True
            membership.role = role
            membership.save(update_fields=["is_active", "role"])
        record_event(
            SecurityEvent.Kind.INVITATION,
            actor=by,
            organisation=organisation,
            summary=f"{by} added {email} to {organisation} as {membership.get_role_display()}",
        )
    return membership


def send_invitation(*, membership: Membership, by) -> None:
    """Email the invitation; raises OSError if the mail server cannot take it."""
    _require_admin(by, membership.organisation)
    _send_invitation(membership.user_id, membership.organisation_id, by.pk)


def resend_invitation(*, membership: Membership, by) -> None:
    """Send the invitation again to an active member who has not yet chosen a password."""
    _require_admin(by, membership.organisation)
    if not membership.is_active or membership.user.has_usable_password():
        raise StaffChangeRefused(
            f"{membership.user} has already set a password; they can reset it from the "
            "sign-in page if they have forgotten it."
        )
    send_invitation(membership=membership, by=by)


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


def change_membership(*, membership: Membership, by, role: str, is_active: bool) -> Membership:
    """Set a member's role and whether they are active; an organisation keeps one admin."""
    _require_admin(by, membership.organisation)
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
