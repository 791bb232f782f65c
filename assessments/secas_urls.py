from django.urls import path

from assessments.views import appeals, chair, history, panel_reports, secas

app_name = "secas"

urlpatterns = [
    path("secas/", secas.SecasDashboardView.as_view(), name="dashboard"),
    path("secas/awaiting/", secas.AwaitingListView.as_view(), name="awaiting"),
    path("secas/assessments/", secas.AssessmentListView.as_view(), name="assessments"),
    path("secas/annual-reviews/", secas.AnnualReviewListView.as_view(), name="annual_reviews"),
    path(
        "secas/late-notifications/",
        secas.LateNotificationListView.as_view(),
        name="late_notifications",
    ),
    path(
        "secas/notified-without-first-system/",
        secas.WithoutFirstSystemListView.as_view(),
        name="without_first_system",
    ),
    path(
        "secas/employed-early/",
        secas.EmployedEarlyListView.as_view(),
        name="employed_early",
    ),
    path(
        "secas/overdue-remediation-steps/",
        secas.OverdueStepListView.as_view(),
        name="overdue_steps",
    ),
    path(
        "secas/organisations-at-risk/",
        secas.AtRiskListView.as_view(),
        name="organisations_at_risk",
    ),
    path(
        "secas/register-history/",
        history.RegisterHistoryView.as_view(),
        name="register_history",
    ),
    path("secas/chair/", chair.ChairView.as_view(), name="chair"),
    path("secas/panel-reports/", panel_reports.PanelReportsView.as_view(), name="panel_reports"),
    path(
        "secas/panel-reports/<int:pk>/report.<str:extension>",
        panel_reports.PanelReportDownloadView.as_view(),
        name="panel_report_download",
    ),
    path("secas/export/<slug:name>.csv", secas.ExportView.as_view(), name="export"),
    path("secas/assessments/<int:pk>/", secas.AssessmentView.as_view(), name="assessment"),
    path(
        "secas/assessments/<int:pk>/counts-as-annual-review/",
        secas.CountsAsAnnualReviewView.as_view(),
        name="assessment_counts",
    ),
    path(
        "secas/assessments/<int:pk>/<slug:step>/",
        secas.AssessmentStepView.as_view(),
        name="assessment_step",
    ),
    path(
        "secas/cases/<int:notification_pk>/communications/",
        secas.CommunicationsView.as_view(),
        name="case_communications",
    ),
    path(
        "secas/organisations/<int:organisation_pk>/communications/",
        secas.CommunicationsView.as_view(),
        name="organisation_communications",
    ),
    path("secas/appeals/", appeals.AppealListView.as_view(), name="appeals"),
    path("secas/appeals/<int:pk>/", appeals.SecasAppealView.as_view(), name="appeal"),
    path(
        "secas/appeals/<int:pk>/consider/",
        appeals.ConsiderAppealView.as_view(),
        name="appeal_consider",
    ),
    path(
        "secas/appeals/<int:pk>/outcome/",
        appeals.AppealOutcomeView.as_view(),
        name="appeal_outcome",
    ),
    path("secas/referrals/", appeals.ReferralListView.as_view(), name="referrals"),
    path("secas/referrals/<int:pk>/", appeals.ReferralView.as_view(), name="referral"),
    path(
        "secas/referrals/<int:pk>/outcome/",
        appeals.ReferralOutcomeView.as_view(),
        name="referral_outcome",
    ),
]
