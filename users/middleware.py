import re
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

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
        ):
            query = urlencode({"next": request.get_full_path()})
            if has_two_factor(user):
                return redirect(f"{reverse('users:two_factor_verify')}?{query}")
            if requires_two_factor(user):
                return redirect(f"{reverse('users:two_factor_setup')}?{query}")
        return self.get_response(request)
