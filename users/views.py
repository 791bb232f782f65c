from django.db.models import Count
from django.views.generic import TemplateView

from notifications.models import Notification, NotificationState


class HomeView(TemplateView):
    """Each role's landing page: staff see the queue's shape, User staff their own notifications."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not user.is_authenticated:
            return context
        if user.is_secas or user.is_ssc_member:
            counts = dict(
                Notification.objects.exclude(state=NotificationState.DRAFT)
                .exclude(organisation_id__in=user.conflicted_organisation_ids)
                .values_list("state")
                .annotate(total=Count("id"))
            )
            context["state_counts"] = [
                {"label": label, "count": counts[value]}
                for value, label in NotificationState.choices
                if counts.get(value)
            ]
        context["organisations"] = [
            {
                "organisation": membership.organisation,
                "membership": membership,
                "notifications": Notification.objects.filter(
                    organisation=membership.organisation
                ).order_by("-created_at")[:20],
            }
            for membership in user.active_memberships.values()
        ]
        return context
