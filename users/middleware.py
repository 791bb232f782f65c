import functools
import re
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from users.security import has_two_factor, requires_two_factor

# Pages a half-signed-in person may still reach: entering or setting up the second factor,
# signing out, assets, and calendar files (which carry their own secret, not the session).
OPEN_PREFIXES = (
    "/accounts/two-factor/setup/",
    "/accounts/two-factor/verify/",
    "/accounts/logout/",
    "/accounts/login/",
    "/static/",
)
CALENDAR_FILE = re.compile(r"^/calendar/[^/]+\.ics$")
# The API signs people in by token, never by the session: no session rules apply there.
API_PREFIX = "/api/"


class TwoFactorMiddleware:
    """Sends a signed-in person who still owes a second factor to verify it, or to enrol."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
            and not CALENDAR_FILE.match(request.path)
            and not request.path.startswith(API_PREFIX)
        ):
            query = urlencode({"next": request.get_full_path()})
            if has_two_factor(user):
                return redirect(f"{reverse('users:two_factor_verify')}?{query}")
            if requires_two_factor(user):
                return redirect(f"{reverse('users:two_factor_setup')}?{query}")
        return self.get_response(request)


# When the signed-in person was last re-read (their session renewed, their two-factor device
# looked up): seconds since the epoch, kept in the session; and how often that happens.
TOUCHED_AT = "_idle_touched_at"
TOUCH_EVERY_SECONDS = 60


def touch_due(session) -> bool:
    now = int(timezone.now().timestamp())
    return now - session.get(TOUCHED_AT, 0) >= TOUCH_EVERY_SECONDS


class IdleTimeoutMiddleware:
    """Ends a session SESSION_COOKIE_AGE after its person's last request, give or take a minute.

    A session expires that long after it was last saved. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) costs a write per page; saving it only once the last renewal is
    a minute old keeps the timeout as strict, at one write a minute. Put it after Django's
    SessionMiddleware, which does the saving on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # Only a signed-in session (a stale cookie must not start a new one); asking re-reads
        # the two-factor device first when the minute is up (TwoFactorDeviceMiddleware).
        if user is None or not user.is_authenticated or request.path.startswith(API_PREFIX):
            return response
        if touch_due(request.session):
            request.session[TOUCHED_AT] = int(timezone.now().timestamp())
        return response


class TwoFactorDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware, looking up the verified device once a minute, not per request.

    Within the minute since IdleTimeoutMiddleware last renewed the session, the device the
    session names is trusted without a query (it was read, or verified, less than a minute
    ago); so removing a device, say a lost phone, takes effect within a minute.
    """

    def _verify_user_sync(self, request, user):
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id or touch_due(request.session) or not user.is_authenticated:
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        # is_verified() only asks whether there is one; anything reading it loads it then.
        user.otp_device = SimpleLazyObject(
            functools.partial(self._device_from_persistent_id, persistent_id)
        )
        return user
