from django.shortcuts import redirect
from django.views.generic import TemplateView


class HomeView(TemplateView):
    """Sends each person to their own home page; visitors see what the portal is for."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if user.is_secas or user.is_ssc_member or user.is_superuser:
                return redirect("assessments:dashboard")
            memberships = list(user.active_memberships.values())
            if len(memberships) == 1:
                return redirect("organisation_home", pk=memberships[0].organisation_id)
            return self.render_to_response({"memberships": memberships})
        return super().get(request, *args, **kwargs)
