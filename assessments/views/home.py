"""The page everyone lands on: it reads every app, so it lives in the app that sits on top."""

from django.shortcuts import redirect
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
