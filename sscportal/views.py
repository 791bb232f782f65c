from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from users.models import Membership
from users.policy import allows


class HomeView(TemplateView):
    """Sends each person to their own home page; visitors see what the portal is for."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if allows(user, "assessments.view_committee_pages"):
                return redirect("assessments:dashboard")
            memberships = list(user.active_memberships.values())
            invitations = list(Membership.objects.pending_for(user))
            if len(memberships) == 1 and not invitations:
                return redirect("organisation_home", pk=memberships[0].organisation_id)
            return self.render_to_response({"memberships": memberships, "invitations": invitations})
        return super().get(request, *args, **kwargs)


def csrf_failure(request, reason=""):
    """A form sent without a valid security token: a page left open too long, or no cookies."""
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(request, "403_csrf.html", {"back_url": referer if same_site else ""}, status=403)
