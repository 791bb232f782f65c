"""The audit trail of sign-ins: Django and django-axes announce them; we write them down."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from users.models import SecurityEvent
from users.security import record_event


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    record_event(
        SecurityEvent.Kind.SIGN_IN, actor=user, request=request, summary=f"{user} signed in"
    )


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(
            SecurityEvent.Kind.SIGN_OUT, actor=user, request=request, summary=f"{user} signed out"
        )


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    typed = str(credentials.get("username", ""))[:254]
    record_event(
        SecurityEvent.Kind.SIGN_IN_FAILED,
        request=request,
        actor_email=typed,
        summary=f"Failed sign-in as {typed or '(no email)'}",
    )


@receiver(user_locked_out)
def locked_out(sender, request, username, ip_address, **kwargs):
    record_event(
        SecurityEvent.Kind.LOCKED_OUT,
        request=request,
        actor_email=str(username or "")[:254],
        summary=f"{username} locked out after repeated failed sign-ins from {ip_address}",
    )
