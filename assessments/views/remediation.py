"""Remediation steps: the User's page to show a step done, and SECAS's accept or send back."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from assessments import forms, remediation
from assessments import selectors as ssc
from assessments.models import StepEvidence
from notifications.forms import AttachmentForm
from notifications.services import TransitionRefused, in_sentence
from notifications.views import stored_file_download
from users.policy import allows


class StepView(LoginRequiredMixin, TemplateView):
    """One step: what is asked, by when, its evidence and history, and the next action."""

    template_name = "assessments/remediation_step.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = ssc.get_visible_step(self.request.user, self.kwargs["pk"])
        available = {t.name for t in step.get_available_user_state_transitions(self.request.user)}
        context.update(
            can_mark_done="mark_done" in available,
            can_review="accept" in available,
            step=step,
            plan=step.plan,
            evidence=list(step.evidence.all()),
            history=ssc.step_history(step),
            evidence_form=kwargs.get("evidence_form") or AttachmentForm(),
            done_form=kwargs.get("done_form") or forms.StepDoneForm(),
            send_back_form=kwargs.get("send_back_form") or forms.SendBackForm(),
        )
        return context


class StepActionView(LoginRequiredMixin, View):
    """A POST-only step action: validate, call the service, say what happened, go back."""

    http_method_names = ["post"]
    form_class: type = forms.StepDoneForm
    form_name = ""  # the page's name for this form, so a refusal shows it with what was typed

    def act(self, step, form):
        raise NotImplementedError

    def post(self, request, pk):
        step = ssc.get_visible_step(request.user, pk)
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            messages.error(request, "Nothing was recorded: " + " ".join(errors))
            return self.render_step(pk, form)
        try:
            done = self.act(step, form)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_step(pk, form)
        messages.success(request, done)
        return redirect("assessments:remediation_step", pk=pk)

    def render_step(self, pk, form):
        """The step's page again, this form keeping what was typed (files must be chosen again)."""
        view = StepView(request=self.request, kwargs={"pk": pk})
        extra = {self.form_name: form} if self.form_name else {}
        return view.render_to_response(view.get_context_data(**extra))


class StepEvidenceUploadView(StepActionView):
    form_class = AttachmentForm
    form_name = "evidence_form"

    def act(self, step, form):
        upload = form.cleaned_data["file"]
        evidence = remediation.add_step_evidence(
            step=step,
            by=self.request.user,
            upload=upload,
            kind=upload.kind,
            tlp=form.cleaned_data["tlp"],
            description=form.cleaned_data["description"],
        )
        return f"Added {evidence.original_name} ({evidence.get_tlp_display()})."


class StepDoneView(StepActionView):
    form_class = forms.StepDoneForm
    form_name = "done_form"

    def act(self, step, form):
        step = remediation.mark_step_done(
            step=step, by=self.request.user, note=form.cleaned_data["note"]
        )
        return f"Recorded: the step is now {in_sentence(step.get_state_display())}."


class StepAcceptView(StepActionView):
    form_class = forms.forms.Form

    def act(self, step, form):
        step = remediation.accept_step(step=step, by=self.request.user)
        step.plan.refresh_from_db()
        if step.plan.is_closed and step.plan.closing_record_id:
            return "Accepted. Every step is accepted: the plan is closed; the status is Approved."
        if step.plan.is_closed:
            return (
                "Accepted. Every step is accepted and the plan is closed; a later outcome is "
                "in force, so the status is unchanged."
            )
        return "Accepted."


class StepSendBackView(StepActionView):
    form_class = forms.SendBackForm
    form_name = "send_back_form"

    def act(self, step, form):
        remediation.send_back_step(
            step=step, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        return "Sent back to the User with your reason."


class EvidenceDownloadView(LoginRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request, pk):
        evidence = StepEvidence.objects.select_related("step__plan__organisation").filter(pk=pk)
        found = evidence.first()
        if found is None or not allows(
            request.user, "assessments.view_remediation_step", found.step
        ):
            raise Http404("No such file.")
        return stored_file_download(
            found,
            record_download=lambda: remediation.record_evidence_download(
                evidence=found, by=request.user, request=request
            ),
        )
