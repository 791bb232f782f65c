"""The register of User Systems: an organisation's systems, one system with its notifications,
decisions and dates, and the steps its people (and SECAS) take on it."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from assessments import selectors as ssc
from notifications import services as intake
from notifications.forms import GoLiveForm, RetireSystemForm
from notifications.models import UserSystem
from notifications.services import TransitionRefused
from sscportal.pagination import page_number_of
from users.models import Organisation
from users.policy import allows

SYSTEMS_PER_PAGE = 25


def _visible_organisation(user, pk) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not allows(user, "notifications.view_systems", organisation):
        raise Http404("No such organisation.")
    return organisation


def _visible_system(user, pk) -> UserSystem:
    system = get_object_or_404(UserSystem.objects.select_related("organisation", "provider"), pk=pk)
    if not allows(user, "notifications.view_systems", system):
        raise Http404("No such User System.")
    return system


class OrganisationSystemsView(LoginRequiredMixin, TemplateView):
    """Every User System of one organisation, a page at a time."""

    template_name = "assessments/system_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = _visible_organisation(self.request.user, self.kwargs["pk"])
        number = page_number_of(self.request.GET.get("page"))
        page = Paginator(ssc.register_of_systems(organisation), SYSTEMS_PER_PAGE).get_page(number)
        context.update(
            organisation=organisation,
            page=page,
            rows=ssc.system_rows(page.object_list),
            is_member=self.request.user.membership_for(organisation) is not None,
        )
        return context


class SystemView(LoginRequiredMixin, TemplateView):
    """One User System: its dates and status, its notifications and decisions, its history."""

    template_name = "assessments/system_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        system = kwargs.get("system") or _visible_system(user, self.kwargs["pk"])
        recorded = system.began_employing_date is not None
        may_record = not recorded and allows(user, "notifications.record_go_live", system)
        may_correct = allows(user, "notifications.correct_go_live", system)
        in_use = system.is_in_use
        context.update(
            system=system,
            organisation=system.organisation,
            row=ssc.system_rows([system])[0],
            cases=ssc.system_notifications(system, user),
            is_member=user.membership_for(system.organisation) is not None,
            history=ssc.system_history(system),
            may_record=may_record and system.status != UserSystem.Status.NOT_PROCEEDING,
            may_correct=may_correct,
            go_live_form=kwargs.get("go_live_form")
            or GoLiveForm(
                correcting=not may_record,
                initial={"began_date": system.began_employing_date},
            ),
            may_retire=system.status == UserSystem.Status.LIVE
            and allows(user, "notifications.retire_system", system),
            retire_form=kwargs.get("retire_form") or RetireSystemForm(),
            may_notify_change=in_use and allows(user, "notifications.notify_change", system),
            today=timezone.localdate(),
        )
        return context


class SystemActionView(LoginRequiredMixin, View):
    """POST-only steps on a system; a refusal is a message on the system's page."""

    def post(self, request, pk):
        self.system = _visible_system(request.user, pk)
        try:
            return self.act(request) or redirect("assessments:system", pk=pk)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("assessments:system", pk=pk)

    def act(self, request):
        raise NotImplementedError

    def render_system(self, **forms_with_errors):
        view = SystemView(request=self.request, kwargs={"pk": self.system.pk})
        return view.render_to_response(
            view.get_context_data(system=self.system, **forms_with_errors)
        )


class RecordGoLiveView(SystemActionView):
    def act(self, request):
        correcting = self.system.began_employing_date is not None or not allows(
            request.user, "notifications.record_go_live", self.system
        )
        form = GoLiveForm(request.POST, correcting=correcting)
        if not form.is_valid():
            messages.error(request, "Nothing was recorded: please correct the form.")
            return self.render_system(go_live_form=form)
        try:
            system = intake.record_began_employing(
                system=self.system,
                by=request.user,
                began_date=form.cleaned_data["began_date"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except TransitionRefused as refusal:
            # Shown with what was typed, so nothing is lost.
            messages.error(request, str(refusal))
            return self.render_system(go_live_form=form)
        message = (
            f"Recorded: {system.name} began to be used on {system.began_employing_date:%d/%m/%Y}."
        )
        if system.employed_early:
            message += (
                f" {system.get_employed_early_display()}: SECAS will see this and may contact "
                "you about it."
            )
        messages.success(request, message)
        return None


class RetireSystemView(SystemActionView):
    def act(self, request):
        form = RetireSystemForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was recorded: please correct the form.")
            return self.render_system(retire_form=form)
        try:
            system = intake.retire_system(system=self.system, by=request.user, **form.cleaned_data)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_system(retire_form=form)
        messages.success(
            request, f"{system.name} is recorded as retired on {system.retired_date:%d/%m/%Y}."
        )
        return None


class NotifyChangeView(SystemActionView):
    def act(self, request):
        draft = intake.start_change_notification(system=self.system, by=request.user)
        source = (
            f"filled in from {draft.previous_notification.reference}"
            if draft.previous_notification
            else "with the register's delivery details (the system has no earlier notification)"
        )
        messages.success(
            request,
            f"Draft {draft.reference} started: a change to {self.system.name}, {source}. Say "
            "what has changed, update the answers it affects, then check and submit it.",
        )
        return redirect(reverse("notifications:edit", args=[draft.pk]) + "#section-system")
