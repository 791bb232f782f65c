"""SECAS's page of reports to the SEC Panel: past reports, one on demand, and their downloads."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from assessments import panel_report
from assessments.forms import PanelReportForm
from assessments.models import PanelReport
from users.models import SecurityEvent
from users.policy import allows
from users.security import record_event

REPORTS_PER_PAGE = 20
FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


class PanelReportMixin(LoginRequiredMixin):
    """SECAS only; everyone else gets 404."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not allows(user, "assessments.report_to_panel"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PanelReportsView(PanelReportMixin, TemplateView):
    template_name = "assessments/panel_reports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        last = panel_report.previous_period(today)
        reports = PanelReport.objects.select_related("generated_by").defer("figures")
        context.update(
            page=Paginator(reports, REPORTS_PER_PAGE).get_page(self.request.GET.get("page")),
            form=kwargs.get("form")
            or PanelReportForm(initial={"period_start": last.start, "period_end": last.end}),
            last_period=last,
            next_scheduled=panel_report.period_containing(today).end,
        )
        return context

    def post(self, request):
        form = PanelReportForm(request.POST)
        if not form.is_valid():
            messages.error(request, "No report was generated: please correct the period.")
            return self.render_to_response(self.get_context_data(form=form))
        period = panel_report.Period(
            form.cleaned_data["period_start"], form.cleaned_data["period_end"]
        )
        panel_report.generate_report(period=period, by=request.user)
        messages.success(
            request,
            f"Report generated for {period.label}: download it below as PDF or CSV.",
        )
        return redirect("secas:panel_reports")


class PanelReportDownloadView(PanelReportMixin, View):
    """A report as PDF or CSV, built from its frozen figures; every download is an export."""

    def get(self, request, pk, extension):
        if extension not in FORMATS:
            raise Http404("A report comes as PDF or CSV.")
        report = get_object_or_404(PanelReport, pk=pk)
        record_event(
            SecurityEvent.Kind.EXPORT,
            actor=request.user,
            request=request,
            summary=f"{request.user} downloaded the {report} as {extension.upper()}",
        )
        if extension == "pdf":
            body: bytes | str = panel_report.report_pdf(report)
        else:
            body = panel_report.report_csv(report)
        response = HttpResponse(body, content_type=FORMATS[extension])
        response["Content-Disposition"] = (
            f'attachment; filename="{panel_report.file_name(report, extension)}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
