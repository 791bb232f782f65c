"""SECAS's pages: everything outstanding, assessment tracking, exports, the communications log."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_fsm_log.models import StateLog

from assessments import charts, forms, services
from assessments import selectors as ssc
from assessments.models import Assessment, AssessmentState
from notifications.models import Notification, NotificationState
from notifications.services import TransitionRefused, in_sentence
from users.models import Organisation, SecurityEvent
from users.security import defuse_formula, record_event

STEP_FORMS = {
    "schedule": forms.ScheduleForm,
    "start_fieldwork": forms.StartFieldworkForm,
    "receive_report": forms.RecordReportForm,
    "receive_response": forms.RecordResponseForm,
    "complete": forms.CompleteForm,
}
STEP_SERVICES = {
    "schedule": services.schedule_assessment,
    "start_fieldwork": services.start_fieldwork,
    "receive_report": services.record_report,
    "receive_response": services.record_response,
    "complete": services.complete_assessment,
}


class SecasMixin(LoginRequiredMixin):
    """SECAS staff only; everyone else gets 404."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_secas or user.is_superuser):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _d(value) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def export_tables(today) -> dict:
    """Every table of the dashboard as plain rows, for CSV."""
    return {
        "assessments": (
            ["Organisation", "Assessment", "Stage", "Due", "Overdue", "CIO", "Notification"],
            [
                [
                    a.organisation.name,
                    a.get_kind_display(),
                    a.get_state_display(),
                    _d(a.due_date),
                    "yes" if a.due_date < today else "no",
                    a.cio_name,
                    a.notification.reference if a.notification else "",
                ]
                for a in ssc.outstanding_assessments(today)
            ],
        ),
        "annual-reviews": (
            ["Organisation", "Due", "Expected type", "Later systems in scope", "Overdue"],
            [
                [
                    row["review"].organisation.name,
                    _d(row["review"].due_date),
                    row["review"].get_kind_display(),
                    "; ".join(system.name for system in row["review"].later_systems),
                    "yes" if row["overdue"] else "no",
                ]
                for row in ssc.annual_reviews_ahead(today)
            ],
        ),
        "awaiting-ssc": (
            [
                "Reference",
                "Organisation",
                "State",
                "Submitted",
                "Age (working days)",
                "Clock (working days)",
                "Service level",
                "Status",
            ],
            [
                [
                    row["case"].reference,
                    row["case"].organisation.name,
                    row["case"].get_state_display(),
                    _d(timezone.localtime(row["case"].submitted_at)),
                    row["age"],
                    row["running"],
                    f"{row['stage']}: {row['limit']}",
                    row["status"],
                ]
                for row in ssc.awaiting_ssc(today)
            ],
        ),
        "late-notifications": (
            ["Reference", "Organisation", "User System", "Planned go-live", "Submitted", "State"],
            [
                [
                    n.reference,
                    n.organisation.name,
                    n.system_name,
                    _d(n.planned_go_live_date),
                    _d(timezone.localtime(n.submitted_at)),
                    n.get_state_display(),
                ]
                for n in ssc.late_notifications()
            ],
        ),
        "organisations-at-risk": (
            ["Organisation", "Reasons"],
            [
                [entry["organisation"].name, "; ".join(entry["reasons"])]
                for entry in ssc.organisations_at_risk(today)
            ],
        ),
        "decisions-by-month": (
            ["Month", "No assessment", "Assessment required", "Median working days to decide"],
            [
                [
                    f"{row['month']:%B %Y}",
                    row["no_assessment"],
                    row["assessment_required"],
                    row["median_days"] if row["median_days"] is not None else "",
                ]
                for row in ssc.decisions_by_month(today)
            ],
        ),
    }


EXPORT_NAMES = [
    "assessments",
    "annual-reviews",
    "awaiting-ssc",
    "late-notifications",
    "organisations-at-risk",
    "decisions-by-month",
]


class SecasDashboardView(SecasMixin, TemplateView):
    template_name = "assessments/secas_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        outstanding = ssc.outstanding_assessments(today)
        by_stage = [
            {
                "label": label,
                "rows": [a for a in outstanding if a.state == value],
            }
            for value, label in AssessmentState.choices
            if value != AssessmentState.COMPLETED
        ]
        state_counts = dict(
            Notification.objects.filter(submitted_at__isnull=False)
            .values_list("state")
            .annotate(total=Count("id"))
            .order_by()
        )
        months = ssc.decisions_by_month(today)
        context.update(
            today=today,
            by_stage=by_stage,
            overdue_count=sum(1 for a in outstanding if a.due_date < today),
            reviews=ssc.annual_reviews_ahead(today),
            awaiting=ssc.awaiting_ssc(today),
            late=ssc.late_notifications()[:50],
            at_risk=ssc.organisations_at_risk(today),
            months=months,
            state_chart=charts.bars(
                [
                    {"label": label, "count": state_counts.get(value, 0)}
                    for value, label in NotificationState.choices
                    if value != NotificationState.DRAFT
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
            exports=EXPORT_NAMES,
        )
        return context


class ExportView(SecasMixin, View):
    def get(self, request, name):
        if name not in EXPORT_NAMES:
            raise Http404("No such table.")
        today = timezone.localdate()
        columns, rows = export_tables(today)[name]
        record_event(
            SecurityEvent.Kind.EXPORT,
            actor=request.user,
            request=request,
            summary=f"{request.user} exported the SECAS table {name} ({len(rows)} rows)",
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([defuse_formula(cell) for cell in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="secas-{name}-{today:%Y-%m-%d}.csv"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class AssessmentView(SecasMixin, TemplateView):
    """One assessment: where it stands, its history, and the form for its next step."""

    template_name = "assessments/assessment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = kwargs.get("assessment") or get_object_or_404(
            Assessment.objects.select_related("organisation", "notification"), pk=self.kwargs["pk"]
        )
        available = list(assessment.get_available_user_state_transitions(self.request.user))
        step = available[0].name if available else None
        context.update(
            assessment=assessment,
            step=step,
            step_label=available[0].custom.get("label") if available else "",
            step_form=kwargs.get("step_form") or (STEP_FORMS[step]() if step else None),
            history=StateLog.objects.for_(assessment).select_related("by").order_by("timestamp"),
            systems=assessment.systems_in_scope.all(),
        )
        return context


class AssessmentStepView(SecasMixin, View):
    def post(self, request, pk, step):
        assessment = get_object_or_404(Assessment, pk=pk)
        if step not in STEP_FORMS:
            raise Http404("No such step.")
        form = STEP_FORMS[step](request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was recorded: please correct the form.")
            view = AssessmentView(request=request, kwargs={"pk": pk})
            return view.render_to_response(
                view.get_context_data(assessment=assessment, step_form=form)
            )
        try:
            STEP_SERVICES[step](assessment=assessment, by=request.user, **form.cleaned_data)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            assessment.refresh_from_db()
            messages.success(
                request,
                f"Recorded: the assessment is now {in_sentence(assessment.get_state_display())}.",
            )
        return redirect("secas:assessment", pk=pk)


class CommunicationsView(SecasMixin, TemplateView):
    """Every email the portal wrote about a case or an organisation, sent or waiting."""

    template_name = "assessments/communications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = notification = None
        if self.kwargs.get("notification_pk"):
            notification = get_object_or_404(
                Notification.objects.filter(submitted_at__isnull=False).select_related(
                    "organisation"
                ),
                pk=self.kwargs["notification_pk"],
            )
        else:
            organisation = get_object_or_404(Organisation, pk=self.kwargs["organisation_pk"])
        emails = ssc.communications(notification=notification, organisation=organisation)
        context.update(
            notification=notification,
            organisation=organisation or notification.organisation,
            page=Paginator(emails, 50).get_page(self.request.GET.get("page")),
        )
        return context
