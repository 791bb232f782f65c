"""Pages that bring intake and the SSC's records together."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView

from assessments.models import AssuranceRecord
from notifications import selectors
from notifications.models import Notification, NotificationState, UserSystem
from users.models import Organisation

NOTIFICATIONS_PER_PAGE = 20


class OrganisationHomeView(LoginRequiredMixin, TemplateView):
    """A User's home: its systems and their assurance, its notifications, what waits on it."""

    template_name = "assessments/organisation_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"], is_active=True)
        membership = user.membership_for(organisation)
        if membership is None:
            raise Http404("No such organisation.")
        latest_assurance = (
            AssuranceRecord.objects.filter(organisation=organisation)
            .order_by("-effective_date", "-recorded_at")
            .first()
        )
        systems = (
            UserSystem.objects.filter(organisation=organisation)
            .select_related("provider")
            .prefetch_related(
                Prefetch(
                    "assurance_records",
                    queryset=AssuranceRecord.objects.order_by("-effective_date", "-recorded_at"),
                )
            )
        )
        notifications = (
            Notification.objects.filter(organisation=organisation)
            .select_related("created_by", "submitted_by")
            .order_by("-updated_at")
        )
        state_filter = self.request.GET.get("state", "")
        if state_filter in NotificationState.values:
            notifications = notifications.filter(state=state_filter)
        counts = dict(
            Notification.objects.filter(organisation=organisation)
            .values_list("state")
            .annotate(total=Count("id"))
        )
        page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            organisation=organisation,
            membership=membership,
            latest_assurance=latest_assurance,
            next_annual_review_date=(
                latest_assurance.next_annual_review_date if latest_assurance else None
            ),
            systems=[
                {
                    "system": system,
                    "assurance": next(iter(system.assurance_records.all()), None),
                }
                for system in systems
            ],
            page=page,
            state_filter=state_filter,
            state_counts=[
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in NotificationState.choices
                if counts.get(value)
            ],
            waiting=selectors.waiting_on_organisation(organisation),
            today=timezone.localdate(),
        )
        return context


class StaffHomeView(LoginRequiredMixin, TemplateView):
    """SSC members' and SECAS staff's landing page: the shape of the queue."""

    template_name = "assessments/staff_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not (user.is_secas or user.is_ssc_member or user.is_superuser):
            raise Http404
        visible = selectors.notifications_visible_to(user).exclude(state=NotificationState.DRAFT)
        counts = dict(visible.values_list("state").annotate(total=Count("id")))
        context["state_counts"] = [
            {"label": label, "count": counts[value]}
            for value, label in NotificationState.choices
            if counts.get(value)
        ]
        context["recent"] = visible.select_related("organisation").order_by("-submitted_at")[:20]
        return context
