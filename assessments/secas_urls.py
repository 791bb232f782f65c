from django.urls import path

from assessments import views

app_name = "secas"

urlpatterns = [
    path("secas/", views.SecasDashboardView.as_view(), name="dashboard"),
    path("secas/export/<slug:name>.csv", views.ExportView.as_view(), name="export"),
    path("secas/assessments/<int:pk>/", views.AssessmentView.as_view(), name="assessment"),
    path(
        "secas/assessments/<int:pk>/<slug:step>/",
        views.AssessmentStepView.as_view(),
        name="assessment_step",
    ),
    path(
        "secas/cases/<int:notification_pk>/communications/",
        views.CommunicationsView.as_view(),
        name="case_communications",
    ),
    path(
        "secas/organisations/<int:organisation_pk>/communications/",
        views.CommunicationsView.as_view(),
        name="organisation_communications",
    ),
]
