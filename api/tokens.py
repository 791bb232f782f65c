"""Creating, using and revoking personal API tokens, with each step in the audit trail."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, ApiTokenAddress, hash_token
from users.models import SecurityEvent
from users.security import client_ip, record_event

# How often a token's "last used" is written: not on every call, which would cost a write each.
LAST_USED_EVERY = timedelta(minutes=1)
EXPIRY_CHOICES_DAYS = (7, 30, 90, 180, 365)


class TokenRefused(Exception):
    """A token may not be created (the message says why, in plain English)."""


def may_create_tokens(request) -> str:
    """Why the signed-in person may not create a token now, or "" if they may."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return "Sign in to create an API token."
    # Accounts that must use two-factor create tokens only from a verified session.
    from users.security import requires_two_factor

    if requires_two_factor(user) and not user.is_verified():
        return "Complete two-factor sign-in before you create an API token."
    return ""


def create_token(request, *, name: str, scope: str, expires_in_days: int) -> tuple[ApiToken, str]:
    """A new token for the signed-in person: the token itself is returned once, never stored."""
    refusal = may_create_tokens(request)
    if refusal:
        raise TokenRefused(refusal)
    if expires_in_days not in EXPIRY_CHOICES_DAYS:
        raise TokenRefused("Choose how long the token lasts from the list.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=request.user,
            name=name,
            scope=scope,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            secret_hash=hash_token(raw),
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        record_event(
            SecurityEvent.Kind.API_TOKEN,
            actor=request.user,
            request=request,
            summary=(
                f"{request.user} created API token “{name}” ({token.get_scope_display()}, "
                f"expires {timezone.localtime(token.expires_at):%d/%m/%Y})"
            ),
        )
    return token, raw


def revoke_token(request, token: ApiToken) -> bool:
    """Stop a token working at once; False if it was already revoked."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            record_event(
                SecurityEvent.Kind.API_TOKEN,
                actor=request.user,
                request=request,
                summary=f"{request.user} revoked API token “{token.name}” of {token.user}",
            )
    return bool(updated)


def authenticate(raw: str, request) -> ApiToken | None:
    """The usable token the request carries, noting its use; None if there is none."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.usable().select_related("user").filter(secret_hash=hash_token(raw)).first()
    )
    if token is None:
        return None
    _note_use(token, request)
    return token


def _note_use(token: ApiToken, request) -> None:
    now = timezone.now()
    address = client_ip(request)
    recently_noted = token.last_used_at and now - token.last_used_at < LAST_USED_EVERY
    if recently_noted and address == token.last_used_ip:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
    token.last_used_at, token.last_used_ip = now, address
    if address is None or ApiTokenAddress.objects.filter(token=token, ip_address=address).exists():
        return
    try:
        with transaction.atomic():
            ApiTokenAddress.objects.create(token=token, ip_address=address)
            record_event(
                SecurityEvent.Kind.API_TOKEN,
                actor=token.user,
                request=request,
                summary=f"API token “{token.name}” of {token.user} used from a new address",
            )
    except IntegrityError:
        pass  # Another request from the same new address recorded it first.


def rate_limit_per_minute() -> int:
    return settings.API_RATE_LIMIT_PER_MINUTE
