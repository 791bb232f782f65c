"""An assessment as its organisation sees it: where it stands, its documents, and what the User
sends through the portal (its self-assessment for a USSA, its response to the report)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from assessments import forms, services
from assessments import selectors as ssc
from notifications.selectors import actor_names
from notifications.services import TransitionRefused
from notifications.views import stored_file_download
from users.policy import allows


class AssessmentPageView(LoginRequiredMixin, TemplateView):
    """The organisation's people see the assessment and its documents; its submitters send the
    self-assessment (USSA) and the response to the report from here."""

    template_name = "assessments/own_assessment.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assessment = kwargs.get("assessment") or ssc.get_own_assessment(user, self.kwargs["pk"])
        documents = ssc.documents_by_kind(assessment)
        history = ssc.assessment_history(assessment, for_the_user=True)
        names = self.names_as_seen(
            assessment,
            [entry["by"] for entry in history]
            + [document.uploaded_by for group in documents for document in group["documents"]],
        )
        for group in documents:
            for document in group["documents"]:
                document.shown_by = names.get(document.uploaded_by_id, "–")
        context.update(
            assessment=assessment,
            documents=documents,
            can_submit=assessment.awaits_self_assessment
            and allows(user, "assessments.submit_self_assessment", assessment),
            form=kwargs.get("form") or forms.SelfAssessmentForm(),
            file_forms=kwargs.get("file_forms") or forms.document_forms(),
            can_respond=assessment.awaits_response
            and allows(user, "assessments.submit_assessment_response", assessment),
            response_form=kwargs.get("response_form") or forms.SubmitResponseForm(),
            response_file_forms=kwargs.get("response_file_forms") or forms.document_forms(),
            history=[
                {**entry, "shown_by": names.get(entry["by"].pk, "–") if entry["by"] else "–"}
                for entry in history
            ],
            decision=ssc.decision_of(assessment),
            follow_up=ssc.follow_up_of(assessment),
            **ssc.systems_in_scope(assessment),
        )
        return context

    def names_as_seen(self, assessment, people) -> dict:
        """A User sees "SECAS" or "The SSC" for committee staff, as on a case's timeline."""
        return actor_names(
            people,
            organisation=assessment.organisation,
            viewer_is_staff=allows(self.request.user, "notifications.see_staff_names", assessment),
        )


def _page_again(request, pk, **forms_typed):
    """The assessment's page again, the forms keeping what was typed (files are chosen again)."""
    view = AssessmentPageView(request=request, kwargs={"pk": pk})
    return view.render_to_response(view.get_context_data(**forms_typed))


class SelfAssessmentView(LoginRequiredMixin, View):
    """The self-assessment's old address: its page is now the assessment's."""

    http_method_names = ["get"]

    def get(self, request, pk):
        assessment = ssc.get_own_self_assessment(request.user, pk)
        return redirect("assessments:assessment", pk=assessment.pk)


class SubmitSelfAssessmentView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        assessment = ssc.get_own_self_assessment(request.user, pk)
        form = forms.SelfAssessmentForm(request.POST)
        uploads = forms.document_forms(request.POST, request.FILES)
        # Every form is checked (not stopping at the first), so each shows its own errors.
        results = [form.is_valid()] + [upload.is_valid() for upload in uploads]
        if not all(results):
            messages.error(request, "Nothing was submitted: please correct the form.")
            return _page_again(request, pk, assessment=assessment, form=form, file_forms=uploads)
        try:
            services.submit_self_assessment(
                assessment=assessment,
                by=request.user,
                notes=form.cleaned_data["notes"],
                files=forms.checked_documents(uploads),
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            assessment.refresh_from_db()
            return _page_again(request, pk, assessment=assessment, form=form, file_forms=uploads)
        messages.success(
            request, "Your self-assessment has been submitted. SECAS will pass it to the CIO."
        )
        return redirect("assessments:assessment", pk=pk)


class SubmitResponseView(LoginRequiredMixin, View):
    """The User's response to the report, uploaded with a note; SECAS is emailed."""

    http_method_names = ["post"]

    def post(self, request, pk):
        assessment = ssc.get_own_assessment(request.user, pk)
        form = forms.SubmitResponseForm(request.POST)
        uploads = forms.document_forms(request.POST, request.FILES)
        results = [form.is_valid()] + [upload.is_valid() for upload in uploads]
        typed = {"response_form": form, "response_file_forms": uploads}
        if not all(results):
            messages.error(request, "Nothing was sent: please correct the form.")
            return _page_again(request, pk, assessment=assessment, **typed)
        try:
            services.submit_response(
                assessment=assessment,
                by=request.user,
                documents=forms.checked_documents(uploads),
                notes=form.cleaned_data["notes"],
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            assessment.refresh_from_db()
            return _page_again(request, pk, assessment=assessment, **typed)
        messages.success(
            request,
            "Your response has been sent. SECAS has been told; the SSC sets the assurance "
            "status next.",
        )
        return redirect("assessments:assessment", pk=pk)


class DocumentView(LoginRequiredMixin, View):
    """An assessment's document: always a download, logged, for those who may see it."""

    http_method_names = ["get"]

    def get(self, request, pk):
        document = ssc.get_visible_document(request.user, pk)
        return stored_file_download(
            document,
            record_download=lambda: services.record_download(
                document=document, by=request.user, request=request
            ),
        )
