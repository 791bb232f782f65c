"""The User's side of a self-assessment (USSA): submit it with its files; download them."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import TemplateView

from assessments import forms, services
from assessments import selectors as ssc
from notifications.forms import AttachmentForm
from notifications.selectors import actor_names
from notifications.services import TransitionRefused
from users.policy import allows

FILE_SLOTS = 3  # files sent with one submission; the first is required


def file_forms(data=None, files=None) -> list[AttachmentForm]:
    """One checked-upload form per slot (the same checks as a notification's files)."""
    return [
        AttachmentForm(
            data,
            files,
            prefix=f"file{slot}",
            empty_permitted=slot > 1,
            use_required_attribute=slot == 1,
        )
        for slot in range(1, FILE_SLOTS + 1)
    ]


class SelfAssessmentView(LoginRequiredMixin, TemplateView):
    """Where the organisation's people see their self-assessment and its submitters send it."""

    template_name = "assessments/self_assessment.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = kwargs.get("assessment") or ssc.get_own_self_assessment(
            self.request.user, self.kwargs["pk"]
        )
        context.update(
            assessment=assessment,
            files=list(assessment.self_assessment_files.select_related("uploaded_by")),
            can_submit=assessment.awaits_self_assessment
            and allows(self.request.user, "assessments.submit_self_assessment", assessment),
            form=kwargs.get("form") or forms.SelfAssessmentForm(),
            file_forms=kwargs.get("file_forms") or file_forms(),
            history=self.history_as_seen(assessment),
        )
        return context

    def history_as_seen(self, assessment) -> list:
        """A User sees "SECAS" or "The SSC" for committee staff, as on a case's timeline."""
        history = ssc.assessment_history(assessment)
        names = actor_names(
            [entry["by"] for entry in history],
            organisation=assessment.organisation,
            viewer_is_staff=allows(self.request.user, "notifications.see_staff_names", assessment),
        )
        return [
            {**entry, "shown_by": names.get(entry["by"].pk, "–") if entry["by"] else "–"}
            for entry in history
        ]


class SubmitSelfAssessmentView(LoginRequiredMixin, View):
    def post(self, request, pk):
        assessment = ssc.get_own_self_assessment(request.user, pk)
        form = forms.SelfAssessmentForm(request.POST)
        uploads = file_forms(request.POST, request.FILES)
        # Every form is checked (not stopping at the first), so each shows its own errors.
        results = [form.is_valid()] + [upload.is_valid() for upload in uploads]
        if not all(results):
            messages.error(request, "Nothing was submitted: please correct the form.")
            view = SelfAssessmentView(request=request, kwargs={"pk": pk})
            return view.render_to_response(
                view.get_context_data(assessment=assessment, form=form, file_forms=uploads)
            )
        files = [
            (
                upload.cleaned_data["file"],
                upload.cleaned_data["file"].kind,
                upload.cleaned_data["tlp"],
                upload.cleaned_data.get("description", ""),
            )
            for upload in uploads
            if upload.cleaned_data.get("file")
        ]
        try:
            services.submit_self_assessment(
                assessment=assessment,
                by=request.user,
                notes=form.cleaned_data["notes"],
                files=files,
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, "Your self-assessment has been submitted. SECAS will pass it to the CIO."
            )
        return redirect("assessments:self_assessment", pk=pk)


class SelfAssessmentFileView(LoginRequiredMixin, View):
    """A file of a self-assessment: always a download, logged, for those who may see it."""

    http_method_names = ["get"]

    def get(self, request, pk):
        file = ssc.get_visible_self_assessment_file(request.user, pk)
        try:
            handle = file.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404("The file is missing from storage.") from missing
        services.record_download(file=file, by=request.user, request=request)
        response = FileResponse(handle, content_type=file.content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=file.original_name
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
