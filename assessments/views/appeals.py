"""Referral to the SEC Panel (from the committee's case and assessment pages, outcomes recorded
by SECAS) and the User's appeals (lodged on a decision, tracked to the Panel's outcome)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from assessments import appeals, forms
from assessments import selectors as ssc
from assessments.models import Decision
from assessments.views import committee
from assessments.views.secas import SecasListView, SecasMixin
from notifications.services import TransitionRefused
from notifications.views import stored_file_download
from users.models import Organisation
from users.policy import allows

APPEALS_PER_PAGE = 20

# --- Referral to the SEC Panel: on the committee's pages ------------------------------------


class ReferCaseView(committee.CommitteeMixin, View):
    """POST: refer a notification to the Panel; a refusal shows the case again, as typed."""

    http_method_names = ["post"]

    def post(self, request, pk):
        case = ssc.get_case(request.user, pk)
        grounds = appeals.referral_grounds(notification=case)
        if not grounds:
            messages.error(request, NO_GROUND)
            return redirect("assessments:case", pk=pk)
        form = forms.ReferralForm(request.POST, grounds=grounds)
        if form.is_valid():
            try:
                appeals.refer_to_panel(
                    by=request.user,
                    notification=case,
                    ground=form.cleaned_data["ground"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except TransitionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, REFERRED)
                return redirect("assessments:case", pk=pk)
        else:
            messages.error(request, "The case has not been referred: please correct the form.")
        view = committee.CaseView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(case=case, pk=pk, referral_form=form))


class ReferAssessmentView(committee.CommitteeMixin, View):
    """POST: refer an assessment whose outcome is Deferred or Rejected to the Panel."""

    http_method_names = ["post"]

    def post(self, request, pk):
        assessment = ssc.get_committee_assessment(request.user, pk)
        grounds = appeals.referral_grounds(assessment=assessment)
        if not grounds:
            messages.error(request, NO_GROUND)
            return redirect("assessments:committee_assessment", pk=pk)
        form = forms.ReferralForm(request.POST, grounds=grounds)
        if form.is_valid():
            try:
                appeals.refer_to_panel(
                    by=request.user,
                    assessment=assessment,
                    ground=form.cleaned_data["ground"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except TransitionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, REFERRED)
                return redirect("assessments:committee_assessment", pk=pk)
        else:
            messages.error(
                request, "The assessment has not been referred: please correct the form."
            )
        view = committee.CommitteeAssessmentView(request=request, kwargs={"pk": pk})
        return view.render_to_response(
            view.get_context_data(assessment=assessment, referral_form=form)
        )


NO_GROUND = (
    "Nothing was referred: no ground for a referral to the Panel applies to this case (a late "
    "notice, a system employed before notice or before the decision, or an assessment outcome "
    "of Deferred or Rejected)."
)
REFERRED = (
    "Referred to the SEC Panel. The User has been told; SECAS records the Panel's outcome "
    "on the referral's page."
)


# --- Referrals: SECAS's list and the Panel's outcome ------------------------------------------


class ReferralListView(SecasListView):
    title = "Referrals to the SEC Panel"
    table = "assessments/_secas_referrals_list.html"
    grows_with_history = True

    def queryset(self, today):
        return appeals.all_referrals()


class ReferralView(SecasMixin, TemplateView):
    template_name = "assessments/referral_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = appeals.get_secas_referral(self.request.user, self.kwargs["pk"])
        can_record = referral.is_open and allows(
            self.request.user, "assessments.record_panel_outcome", referral
        )
        context.update(
            referral=referral,
            can_record=can_record,
            outcome_form=(kwargs.get("outcome_form") or forms.ReferralOutcomeForm())
            if can_record
            else None,
        )
        return context


class ReferralOutcomeView(SecasMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        referral = appeals.get_secas_referral(request.user, pk)
        form = forms.ReferralOutcomeForm(request.POST)
        if form.is_valid():
            try:
                appeals.record_referral_outcome(
                    referral=referral,
                    by=request.user,
                    outcome=form.cleaned_data["outcome"],
                    panel_meeting_date=form.cleaned_data["panel_meeting_date"],
                    request=request,
                )
            except TransitionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, "The Panel's outcome is recorded; the User is emailed.")
                return redirect("secas:referral", pk=pk)
        else:
            messages.error(request, "Nothing was recorded: please correct the form.")
        view = ReferralView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(outcome_form=form))


# --- Appeals: the User's side -------------------------------------------------------------------


class LodgeAppealView(LoginRequiredMixin, TemplateView):
    """The appeal form on a decision: the form only within the window, for a submitter, while
    no appeal was lodged; otherwise the page says why not."""

    template_name = "assessments/appeal_form.html"
    on = ""  # "notification" or "assessment": what the URL's id is

    def decided(self):
        key = "notification_pk" if self.on == "notification" else "assessment_pk"
        return appeals.get_appealed_decision(self.request.user, **{key: self.kwargs["pk"]})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        decided = kwargs.get("decided") or self.decided()
        organisation = appeals.organisation_of(decided)
        existing = appeals.existing_appeal(decided)
        is_open = timezone.localdate() <= decided.appeal_closes_on
        may_lodge = allows(user, "assessments.lodge_appeal", organisation)
        context.update(
            decided=decided,
            is_notification_decision=isinstance(decided, Decision),
            organisation=organisation,
            existing=existing,
            window_open=is_open,
            may_lodge=may_lodge,
            can_lodge=may_lodge and is_open and existing is None,
            form=kwargs.get("form") or forms.AppealForm(),
            file_forms=kwargs.get("file_forms") or forms.appeal_document_forms(),
        )
        return context

    def post(self, request, pk):
        decided = self.decided()
        form = forms.AppealForm(request.POST)
        uploads = forms.appeal_document_forms(request.POST, request.FILES)
        results = [form.is_valid()] + [upload.is_valid() for upload in uploads]
        if not all(results):
            messages.error(request, "Your appeal has not been lodged: please correct the form.")
            return self.again(decided, form, uploads)
        against = {"decision" if isinstance(decided, Decision) else "assessment_decision": decided}
        try:
            appeal = appeals.lodge_appeal(
                by=request.user,
                grounds=form.cleaned_data["grounds"],
                documents=forms.checked_documents(uploads),
                request=request,
                **against,
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.again(decided, form, uploads)
        messages.success(
            request,
            "Your appeal has been lodged. SECAS takes it to the SEC Panel; you will be emailed "
            "its outcome. A receipt is on its way by email.",
        )
        return redirect("assessments:appeal", pk=appeal.pk)

    def again(self, decided, form, uploads):
        return self.render_to_response(
            self.get_context_data(decided=decided, form=form, file_forms=uploads)
        )


class OrganisationAppealsView(LoginRequiredMixin, TemplateView):
    """An organisation's appeals (open first) and the decisions it may still appeal."""

    template_name = "assessments/organisation_appeals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"], is_active=True)
        if not allows(user, "assessments.view_organisation_home", organisation):
            raise Http404("No such organisation.")
        page = Paginator(appeals.appeals_of(organisation), APPEALS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            organisation=organisation,
            page=page,
            appealable=appeals.decisions_open_to_appeal(organisation),
            may_lodge=allows(user, "assessments.lodge_appeal", organisation),
        )
        return context


def appeal_page_context(appeal, **extra) -> dict:
    decided = appeal.decided
    return {
        "appeal": appeal,
        "decided": decided,
        "is_notification_decision": appeal.decision_id is not None,
        "documents": list(appeal.documents.all()),
        "history": appeals.appeal_history(appeal),
        **extra,
    }


class AppealView(LoginRequiredMixin, TemplateView):
    """One appeal as its organisation sees it; its submitters may withdraw it while open."""

    template_name = "assessments/appeal_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        appeal = appeals.get_own_appeal(self.request.user, self.kwargs["pk"])
        can_withdraw = appeal.is_open and allows(
            self.request.user, "assessments.withdraw_appeal", appeal
        )
        context.update(
            appeal_page_context(
                appeal,
                can_withdraw=can_withdraw,
                withdraw_form=kwargs.get("withdraw_form") or forms.WithdrawAppealForm(),
            )
        )
        return context


class WithdrawAppealView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        appeal = appeals.get_own_appeal(request.user, pk)
        form = forms.WithdrawAppealForm(request.POST)
        if form.is_valid():
            try:
                appeals.withdraw_appeal(
                    appeal=appeal, by=request.user, reason=form.cleaned_data["reason"]
                )
            except TransitionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, "Your appeal is withdrawn. The decision stands.")
                return redirect("assessments:appeal", pk=pk)
        else:
            messages.error(request, "The appeal has not been withdrawn: please correct the form.")
        view = AppealView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(withdraw_form=form))


class AppealDocumentView(LoginRequiredMixin, View):
    """An appeal's document: always a download, logged, for the organisation and SECAS."""

    http_method_names = ["get"]

    def get(self, request, pk):
        document = appeals.get_visible_appeal_document(request.user, pk)
        return stored_file_download(
            document,
            record_download=lambda: appeals.record_document_download(
                document=document, by=request.user, request=request
            ),
        )


# --- Appeals: SECAS's list and the Panel's outcome -------------------------------------------


class AppealListView(SecasListView):
    title = "Appeals"
    table = "assessments/_secas_appeals_list.html"
    grows_with_history = True

    def queryset(self, today):
        return appeals.all_appeals()


class SecasAppealView(SecasMixin, TemplateView):
    """An appeal for SECAS: take it to the Panel, then record the Panel's outcome."""

    template_name = "assessments/secas_appeal.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        appeal = appeals.get_secas_appeal(user, self.kwargs["pk"])
        available = {t.name for t in appeal.get_available_user_state_transitions(user)}
        context.update(
            appeal_page_context(
                appeal,
                can_consider="start_consideration" in available,
                can_record="uphold" in available,
                outcome_form=kwargs.get("outcome_form") or forms.AppealOutcomeForm(),
            )
        )
        return context


class ConsiderAppealView(SecasMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        appeal = appeals.get_secas_appeal(request.user, pk)
        try:
            appeals.start_consideration(appeal=appeal, by=request.user, request=request)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, "The appeal is under consideration: record the Panel's outcome here."
            )
        return redirect("secas:appeal", pk=pk)


class AppealOutcomeView(SecasMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        appeal = appeals.get_secas_appeal(request.user, pk)
        form = forms.AppealOutcomeForm(request.POST)
        if form.is_valid():
            try:
                appeal = appeals.record_appeal_outcome(
                    appeal=appeal,
                    by=request.user,
                    upheld=form.cleaned_data["upheld"],
                    reasons=form.cleaned_data["reasons"],
                    panel_meeting_date=form.cleaned_data["panel_meeting_date"],
                    request=request,
                )
            except TransitionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, outcome_message(appeal))
                return redirect("secas:appeal", pk=pk)
        else:
            messages.error(request, "Nothing was recorded: please correct the form.")
        view = SecasAppealView(request=request, kwargs={"pk": pk})
        return view.render_to_response(view.get_context_data(outcome_form=form))


def outcome_message(appeal) -> str:
    if appeal.is_upheld:
        return (
            "Recorded: upheld. The User is emailed; the acting chair and SECAS are told the case "
            "returns to the SSC. Put it on the next meeting's agenda."
        )
    return "Recorded: dismissed. The User is emailed; the decision stands."
