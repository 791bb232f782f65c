"""SECAS's pages: everything outstanding, assessment tracking, exports, the communications log."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from assessments import charts, documents, forms, services
from assessments import selectors as ssc
from assessments.models import OPEN_ASSESSMENT_STATES
from assessments.remediation import StepPlan
from notifications.models import UNDECIDED_STATES, Notification, NotificationState
from notifications.services import TransitionRefused, in_sentence
from sscportal.exports import streaming_csv
from sscportal.pagination import CappedPaginator
from users.models import Organisation, SecurityEvent
from users.policy import allows
from users.security import record_event

# The next step of the lifecycle, offered on the assessment's page as its one form.
NEXT_STEP_FORMS = {
    "schedule": forms.ScheduleForm,
    "start_fieldwork": forms.StartFieldworkForm,
    "receive_report": forms.RecordReportForm,
    "record_cio_review": forms.RecordCioReviewForm,
    "receive_response": forms.RecordResponseForm,
    "propose_outcome": forms.ProposeOutcomeForm,
}
# Everything posted to a step's address: the next step, and what can be done to a proposal
# standing before the committee (replace it, withdraw it, or record the Panel's decision on it).
STEP_FORMS = {
    **NEXT_STEP_FORMS,
    "withdraw_proposal": forms.WithdrawProposalForm,
    "record_panel_decision": forms.PanelDecisionForm,
}
DOCUMENT_STEPS = services.DOCUMENT_STEPS  # their forms take the documents' uploads
STEP_SERVICES = {
    "schedule": services.schedule_assessment,
    "start_fieldwork": services.start_fieldwork,
    "receive_report": services.record_report,
    "record_cio_review": services.record_cio_review,
    "receive_response": services.record_response,
    "propose_outcome": services.propose_outcome,
    "withdraw_proposal": services.withdraw_proposal,
    "record_panel_decision": services.decide_assessment_outcome,
}
# The steps whose form carries remediation steps, for "Approved subject to steps".
STEPS_WITH_A_PLAN = {"record_panel_decision"}


def step_done_message(step: str, assessment, result) -> str:
    """What the person is told once a step is recorded."""
    if step == "propose_outcome":
        return (
            f"Proposed to the SSC: {result.get_status_display()}. The assessment now awaits "
            "the committee's decision."
        )
    if step == "withdraw_proposal":
        return "Proposal withdrawn: the assessment waits for a new proposal."
    if step == "record_panel_decision":
        return (
            f"The Panel's decision is recorded: {result.get_status_display()}. The decision "
            "letter has been sent to the User."
        )
    return f"Recorded: the assessment is now {in_sentence(assessment.get_state_display())}."


class SecasMixin(LoginRequiredMixin):
    """SECAS staff only; everyone else gets 404."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not allows(user, "assessments.view_secas_pages"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


DASHBOARD_ROWS = 10  # the most urgent rows of each table; the rest are a link away
PAGE_SIZE = 50


def _page(request, queryset, *, capped=False):
    number = request.GET.get("page")
    if capped:
        return CappedPaginator(queryset, PAGE_SIZE, page_number=number).get_page(number)
    return Paginator(queryset, PAGE_SIZE).get_page(number)


class SecasDashboardView(SecasMixin, TemplateView):
    """Everything outstanding: counts and charts from SQL aggregates, and the first few rows of
    each table in its most urgent order, linking to the full, paginated list."""

    template_name = "assessments/secas_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        # Exact for the live states; the others, which follow the whole history, up to a cap.
        states = ssc.state_counts(self.request.user)
        live = {row["value"]: row["count"] for row in states}
        late_total = ssc.capped_count(ssc.late_notifications())
        assessments = ssc.assessment_counts(today)
        at_risk = ssc.organisations_at_risk(today)
        months = ssc.decisions_by_month(today)
        context.update(
            today=today,
            awaiting=ssc.with_service_levels(ssc.awaiting_ssc()[:DASHBOARD_ROWS], today),
            awaiting_total=sum(live[state] for state in UNDECIDED_STATES),
            assessments=list(ssc.outstanding_assessments()[:DASHBOARD_ROWS]),
            assessment_counts=assessments,
            reviews=ssc.review_rows(ssc.annual_reviews_ahead(today)[:DASHBOARD_ROWS], today),
            late=list(ssc.late_notifications()[:DASHBOARD_ROWS]),
            employed_early=list(ssc.systems_employed_early()[:DASHBOARD_ROWS]),
            employed_early_total=ssc.systems_employed_early().count(),
            overdue_steps=list(ssc.overdue_steps(today)[:DASHBOARD_ROWS]),
            overdue_steps_total=ssc.overdue_steps(today).count(),
            late_total=ssc.shown_count(late_total),
            late_count=late_total,
            at_risk=ssc.risk_reasons(at_risk[:DASHBOARD_ROWS], today),
            at_risk_total=at_risk.count(),
            months=months,
            state_chart=charts.bars(
                [
                    {
                        "label": row["label"],
                        "count": min(row["count"], ssc.STATE_COUNT_CAP),
                        "shown": row["shown"],
                    }
                    for row in states
                ],
                [("count", "Notifications", "chart-primary")],
            ),
            decision_chart=charts.bars(
                [{**row, "label": f"{row['month']:%b %y}"} for row in months],
                [
                    ("no_assessment", "No assessment needed", "chart-success"),
                    ("assessment_required", "Assessment required", "chart-warning"),
                ],
            ),
            median_chart=charts.bars(
                [
                    {"label": f"{row['month']:%b %y}", "days": row["median_days"] or 0}
                    for row in months
                ],
                [("days", "Median working days to decision", "chart-primary")],
            ),
            exports=list(documents.SECAS_TABLES),
            chair_alert=ssc.chair_alert(),
        )
        without_first_system = ssc.capped_count(ssc.without_approved_first_system())
        context.update(
            without_first_system=list(ssc.without_approved_first_system()[:DASHBOARD_ROWS]),
            without_first_system_total=ssc.shown_count(without_first_system),
            without_first_system_count=without_first_system,
        )
        return context


class SecasListView(SecasMixin, TemplateView):
    """One of the dashboard's tables in full, a page at a time."""

    template_name = "assessments/secas_list.html"
    title = ""
    table = ""  # the partial that draws the rows
    export = ""  # the name of the table's CSV export
    grows_with_history = False  # counted only a few pages ahead, like the queue

    def queryset(self, today):
        raise NotImplementedError

    def rows(self, objects, today) -> list:
        return list(objects)

    def filters(self, today) -> list[dict]:
        """Links that narrow the list: label, count, query string, whether it is the one shown."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        page = _page(self.request, self.queryset(today), capped=self.grows_with_history)
        paginator = page.paginator
        if getattr(paginator, "has_more_than_counted", False):
            total = f"{paginator.cap - 1:,}+"
        else:
            total = f"{paginator.count:,}"
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            today=today,
            title=self.title,
            table=self.table,
            export=self.export,
            page=page,
            total=total,
            rows=self.rows(page.object_list, today),
            filters=self.filters(today),
            query_string=query.urlencode(),
        )
        return context


class AwaitingListView(SecasListView):
    title = "Awaiting triage or decision"
    table = "assessments/_secas_awaiting_table.html"
    export = "awaiting-ssc"

    def state(self) -> str:
        state = self.request.GET.get("state", "")
        return state if state in UNDECIDED_STATES else ""

    def queryset(self, today):
        cases = ssc.awaiting_ssc()
        return cases.filter(state=self.state()) if self.state() else cases

    def rows(self, objects, today):
        return ssc.with_service_levels(objects, today)

    def filters(self, today):
        counts = dict(
            Notification.objects.undecided()
            .values_list("state")
            .annotate(total=Count("id"))
            .order_by()
        )
        labels = dict(NotificationState.choices)
        return [
            {
                "label": "All",
                "count": sum(counts.values()),
                "query": "",
                "active": not self.state(),
            },
            *(
                {
                    "label": labels[state],
                    "count": counts.get(state, 0),
                    "query": urlencode({"state": state}),
                    "active": self.state() == state,
                }
                for state in UNDECIDED_STATES
            ),
        ]


class AssessmentListView(SecasListView):
    title = "Outstanding assessments"
    table = "assessments/_secas_assessments_table.html"
    export = "assessments"

    def stage(self) -> str:
        stage = self.request.GET.get("stage", "")
        return stage if stage in OPEN_ASSESSMENT_STATES else ""

    def queryset(self, today):
        return ssc.outstanding_assessments(stage=self.stage())

    def filters(self, today):
        counts = ssc.assessment_counts(today)
        return [
            {"label": "All", "count": counts["total"], "query": "", "active": not self.stage()},
            *(
                {
                    "label": stage["label"],
                    "count": stage["count"],
                    "query": urlencode({"stage": stage["value"]}),
                    "active": self.stage() == stage["value"],
                }
                for stage in counts["stages"]
            ),
        ]


class AnnualReviewListView(SecasListView):
    title = "Annual reviews in the next 12 months"
    table = "assessments/_secas_reviews_table.html"
    export = "annual-reviews"

    def queryset(self, today):
        return ssc.annual_reviews_ahead(today)

    def rows(self, objects, today):
        return ssc.review_rows(objects, today)


class LateNotificationListView(SecasListView):
    title = "Late notifications"
    table = "assessments/_secas_late_list.html"
    export = "late-notifications"
    grows_with_history = True

    def queryset(self, today):
        return ssc.late_notifications()


class WithoutFirstSystemListView(SecasListView):
    title = "Notified without an approved first system"
    table = "assessments/_secas_without_first_system_list.html"
    export = "without-approved-first-system"
    grows_with_history = True

    def queryset(self, today):
        return ssc.without_approved_first_system()


class EmployedEarlyListView(SecasListView):
    title = "User Systems employed before notice or decision"
    table = "assessments/_secas_employed_early_list.html"
    export = "employed-early"
    grows_with_history = True  # flags stay on the record, so the list only grows

    def queryset(self, today):
        return ssc.systems_employed_early()


class OverdueStepListView(SecasListView):
    title = "Overdue remediation steps"
    table = "assessments/_secas_overdue_steps_list.html"
    export = "overdue-remediation-steps"

    def queryset(self, today):
        return ssc.overdue_steps(today)


class AtRiskListView(SecasListView):
    title = "Organisations at risk"
    table = "assessments/_secas_at_risk_list.html"
    export = "organisations-at-risk"

    def queryset(self, today):
        return ssc.organisations_at_risk(today)

    def rows(self, objects, today):
        return ssc.risk_reasons(objects, today)


class ExportView(SecasMixin, View):
    """One table as CSV, streamed as it is read: only that table is built."""

    def get(self, request, name):
        table = documents.SECAS_TABLES.get(name)
        if table is None:
            raise Http404("No such table.")
        today = timezone.localdate()
        record_event(
            SecurityEvent.Kind.EXPORT,
            actor=request.user,
            request=request,
            summary=(f"{request.user} exported the SECAS table {name} ({table.count(today)} rows)"),
        )
        return streaming_csv(
            f"secas-{name}-{today:%Y-%m-%d}.csv",
            table.columns,
            table.rows(today),
            size=documents.CHUNK,
        )


class AssessmentView(SecasMixin, TemplateView):
    """One assessment: where it stands, its documents, its history, and the form for its next
    step; once an outcome is proposed, the proposal with what SECAS may do to it."""

    template_name = "assessments/assessment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assessment = kwargs.get("assessment") or get_object_or_404(
            ssc.assessments_visible_to(user).select_related(
                "organisation", "notification", "follows"
            ),
            pk=self.kwargs["pk"],
        )
        # Forms posted and shown again with what was typed, by step.
        bound = kwargs.get("bound", {})
        available = [
            transition
            for transition in assessment.get_available_user_state_transitions(user)
            if transition.name in NEXT_STEP_FORMS
        ]
        step = available[0].name if available else None
        # A page out of date (the assessment has moved on) gets the next step's empty uploads.
        typed_files = kwargs.get("step_file_forms") if kwargs.get("typed_step") == step else None
        proposal = ssc.standing_proposal(assessment)
        awaiting = assessment.awaits_the_committee and proposal is not None
        panel = awaiting and ssc.is_initial_fusa(assessment)
        context.update(
            assessment=assessment,
            step=step,
            step_label=available[0].custom.get("label") if available else "",
            step_form=bound.get(step) or (NEXT_STEP_FORMS[step]() if step else None),
            step_file_forms=typed_files
            or (forms.document_forms() if step in DOCUMENT_STEPS else None),
            proposal=proposal,
            withdrawn_proposals=ssc.withdrawn_proposals(assessment),
            decision=ssc.decision_of(assessment),
            can_change_proposal=awaiting
            and allows(user, "assessments.propose_outcome", assessment),
            replace_form=(
                forms.with_current_proposal(bound.get("propose_outcome"), "replaces", proposal)
                or forms.ProposeOutcomeForm(
                    initial={"replaces": proposal.pk, "status": proposal.status}
                )
            )
            if awaiting
            else None,
            withdraw_form=(bound.get("withdraw_proposal") or forms.WithdrawProposalForm())
            if awaiting
            else None,
            panel_form=(
                forms.with_current_proposal(
                    bound.get("record_panel_decision"), "proposal_seen", proposal
                )
                or forms.PanelDecisionForm(
                    initial={"status": proposal.status, "proposal_seen": proposal.pk},
                    auto_id="panel_%s",
                )
            )
            if panel
            else None,
            steps_formset=kwargs.get("steps_formset")
            or (forms.RemediationStepFormSet(prefix="steps") if panel else None),
            can_record_panel_decision=panel
            and allows(user, "assessments.record_panel_decision", assessment),
            plan=ssc.remediation_plan_of(assessment),
            follow_up=ssc.follow_up_of(assessment),
            today=timezone.localdate(),
            history=ssc.assessment_history(assessment),
            flag_changes=ssc.flag_changes(assessment),
            documents=ssc.documents_by_kind(assessment),
            counts_form=kwargs.get("counts_form")
            or forms.CountsAsAnnualReviewForm(
                initial={"counts_as_annual_review": str(bool(assessment.counts_as_annual_review))}
            ),
            **ssc.systems_in_scope(assessment),
        )
        return context


class CountsAsAnnualReviewView(SecasMixin, View):
    """SECAS changes whether an ad-hoc assessment counts as the annual review, saying why."""

    def post(self, request, pk):
        assessment = get_object_or_404(ssc.assessments_visible_to(request.user), pk=pk)
        form = forms.CountsAsAnnualReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was changed: please correct the form.")
            view = AssessmentView(request=request, kwargs={"pk": pk})
            return view.render_to_response(
                view.get_context_data(assessment=assessment, counts_form=form)
            )
        try:
            services.change_counts_as_annual_review(
                assessment=assessment, by=request.user, **form.cleaned_data
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            says = "counts" if form.cleaned_data["counts_as_annual_review"] else "does not count"
            messages.success(request, f"Recorded: the assessment now {says} as the annual review.")
        return redirect("secas:assessment", pk=pk)


class AssessmentStepView(SecasMixin, View):
    def post(self, request, pk, step):
        assessment = get_object_or_404(ssc.assessments_visible_to(request.user), pk=pk)
        if step not in STEP_FORMS:
            raise Http404("No such step.")
        form = STEP_FORMS[step](request.POST)
        extra = {}
        formset = None
        uploads = None
        if step in STEPS_WITH_A_PLAN and "steps-TOTAL_FORMS" in request.POST:
            # "Approved subject to steps" comes with its steps, set in the same form.
            formset = forms.RemediationStepFormSet(request.POST, prefix="steps")
        if step in DOCUMENT_STEPS:
            uploads = forms.document_forms(request.POST, request.FILES)
        # Every form is checked (not stopping at the first), so each shows its own errors.
        results = [form.is_valid()]
        results += [formset.is_valid()] if formset is not None else []
        results += [upload.is_valid() for upload in uploads or []]
        if not all(results):
            messages.error(request, "Nothing was recorded: please correct the form.")
            return self.render_again(request, assessment, step, form, formset, uploads)
        if formset is not None:
            extra["steps"] = [StepPlan(**row.cleaned_data) for row in formset if row.cleaned_data]
        if uploads is not None:
            extra["documents"] = forms.checked_documents(uploads)
        try:
            result = STEP_SERVICES[step](
                assessment=assessment, by=request.user, **form.cleaned_data, **extra
            )
        except TransitionRefused as refusal:
            # Shown again with what was typed (the status, the reasons, every step row, files).
            messages.error(request, str(refusal))
            assessment.refresh_from_db()
            return self.render_again(request, assessment, step, form, formset, uploads)
        assessment.refresh_from_db()
        messages.success(request, step_done_message(step, assessment, result))
        return redirect("secas:assessment", pk=pk)

    def render_again(self, request, assessment, step, form, formset, uploads):
        view = AssessmentView(request=request, kwargs={"pk": assessment.pk})
        return view.render_to_response(
            view.get_context_data(
                assessment=assessment,
                bound={step: form},
                steps_formset=formset,
                typed_step=step,
                step_file_forms=uploads,
            )
        )


EMAILS_PER_PAGE = 50


class CommunicationsView(SecasMixin, TemplateView):
    """Every email the portal wrote about a case or an organisation, sent or waiting."""

    template_name = "assessments/communications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = notification = None
        if self.kwargs.get("notification_pk"):
            notification = get_object_or_404(
                Notification.objects.submitted().select_related("organisation"),
                pk=self.kwargs["notification_pk"],
            )
        else:
            organisation = get_object_or_404(Organisation, pk=self.kwargs["organisation_pk"])
        emails = ssc.communications(notification=notification, organisation=organisation)
        number = self.request.GET.get("page")
        context.update(
            notification=notification,
            organisation=organisation or notification.organisation,
            # Counted a few pages ahead: an organisation's log grows with its history.
            page=CappedPaginator(emails, EMAILS_PER_PAGE, page_number=number).get_page(number),
        )
        return context
