"""Two-factor sign-in and the security audit trail.

Two-factor (TOTP, with single-use recovery codes) is required for SSC members and SECAS staff
and offered to User staff; the middleware sends anyone who needs it to enrol or to verify.
"""

import base64
import secrets

import qrcode
import qrcode.image.svg
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.models import SecurityEvent, normalise_email
from users.policy import must_use_two_factor

RECOVERY_CODE_COUNT = 10
AXES_USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


def axes_username(request, credentials) -> str | None:
    """The name django-axes counts failures under (AXES_USERNAME_CALLABLE): every spelling of
    an address is one account, and what is typed never outgrows axes' own column."""
    if credentials:
        typed = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        typed = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if typed is None:
        return None
    return normalise_email(str(typed))[:AXES_USERNAME_LENGTH]


def client_ip(request) -> str | None:
    """The client's address: behind our own proxy, the last hop it added; otherwise the socket.
    (Earlier X-Forwarded-For entries are whatever the client chose to send.)"""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR")


def record_event(
    kind: str, *, actor=None, request=None, organisation=None, summary: str, actor_email=""
) -> SecurityEvent:
    """Append one event to the audit trail."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_email=actor_email or (actor.email if actor else ""),
        organisation=organisation,
        summary=summary[:500],
        ip_address=client_ip(request),
    )


def requires_two_factor(user) -> bool:
    return must_use_two_factor(user)


def has_two_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def start_enrolment(user) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for the person (any earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def qr_code_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def manual_key(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_enrolment(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Switch two-factor on if the code is right; returns the new recovery codes, else None."""
    if not device.verify_token((token or "").replace(" ", "")):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(request.user)
        record_event(
            SecurityEvent.Kind.TWO_FACTOR_ENABLED,
            actor=request.user,
            request=request,
            summary=f"{request.user} switched on two-factor sign-in",
        )
    _pass_second_factor(request, device)
    return codes


def _pass_second_factor(request, device) -> None:
    otp_login(request, device)
    # A session id seen before the second factor must not carry the fully signed-in session.
    request.session.cycle_key()


def regenerate_recovery_codes(request) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(request.user)
        record_event(
            SecurityEvent.Kind.RECOVERY_CODES,
            actor=request.user,
            request=request,
            summary=f"{request.user} replaced their recovery codes",
        )
    return codes


def disable_two_factor(request) -> bool:
    """User staff may switch it off; for the SSC and SECAS it is compulsory."""
    if requires_two_factor(request.user):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user).delete()
        StaticDevice.objects.filter(user=request.user).delete()
        record_event(
            SecurityEvent.Kind.TWO_FACTOR_DISABLED,
            actor=request.user,
            request=request,
            summary=f"{request.user} switched off two-factor sign-in",
        )
    return True


def current_code_matches(user, token: str) -> bool:
    """A fresh authenticator code (not a recovery code), e.g. before switching two-factor off."""
    token = (token or "").replace(" ", "")
    return any(
        device.verify_token(token)
        for device in TOTPDevice.objects.filter(user=user, confirmed=True)
    )


def verify_second_factor(request, token: str) -> bool:
    """Accept an authenticator code or an unused recovery code for the signed-in person."""
    device = match_token(request.user, (token or "").replace(" ", ""))
    if device is None:
        record_event(
            SecurityEvent.Kind.TWO_FACTOR_FAILED,
            actor=request.user,
            request=request,
            summary=f"Wrong two-factor code for {request.user}",
        )
        return False
    _pass_second_factor(request, device)
    record_event(
        SecurityEvent.Kind.TWO_FACTOR_VERIFIED,
        actor=request.user,
        request=request,
        summary=f"{request.user} completed two-factor sign-in"
        + (" with a recovery code" if isinstance(device, StaticDevice) else ""),
    )
    return True
