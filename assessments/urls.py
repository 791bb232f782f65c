from django.urls import path

from assessments import views
from assessments.views import (
    appeals,
    committee,
    own_assessment,
    papers,
    remediation,
    systems,
    written,
)

app_name = "assessments"

urlpatterns = [
    path("ssc/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "ssc/organisations.json",
        views.OrganisationNamesView.as_view(),
        name="organisation_names",
    ),
    path("ssc/at-risk/", views.AtRiskView.as_view(), name="at_risk"),
    path("ssc/cases/<int:pk>/", views.CaseView.as_view(), name="case"),
    path("ssc/cases/<int:pk>/triage/", views.TriageView.as_view(), name="triage"),
    path(
        "ssc/cases/<int:pk>/request-information/",
        views.RequestInformationView.as_view(),
        name="request_information",
    ),
    path("ssc/cases/<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("ssc/cases/<int:pk>/defer/", views.DeferView.as_view(), name="defer"),
    path(
        "ssc/cases/<int:pk>/recommendation/",
        papers.RecordRecommendationView.as_view(),
        name="record_recommendation",
    ),
    path(
        "ssc/cases/<int:pk>/chairs-action/",
        committee.ChairsActionView.as_view(),
        name="chairs_action",
    ),
    path(
        "ssc/cases/<int:pk>/minute/",
        committee.MinuteDecisionView.as_view(),
        name="minute_decision",
    ),
    path(
        "ssc/cases/<int:pk>/written-procedure/",
        written.OpenWrittenProcedureView.as_view(),
        name="open_written_procedure",
    ),
    path(
        "ssc/written-procedures/<int:pk>/",
        written.WrittenProcedureView.as_view(),
        name="written_procedure",
    ),
    path(
        "ssc/written-procedures/<int:pk>/reply/",
        written.ReplyView.as_view(),
        name="written_procedure_reply",
    ),
    path(
        "ssc/written-procedures/<int:pk>/withdraw/",
        written.WithdrawView.as_view(),
        name="written_procedure_withdraw",
    ),
    path(
        "ssc/written-procedures/<int:pk>/close/",
        written.SettleView.as_view(),
        name="written_procedure_close",
    ),
    path(
        "ssc/cases/<int:pk>/non-compliance/",
        views.ConfirmNonComplianceView.as_view(),
        name="confirm_non_compliance",
    ),
    path("ssc/cases/<int:pk>/size/", views.RecordSizeView.as_view(), name="record_size"),
    path(
        "ssc/cases/<int:pk>/srp-coverage/",
        views.ConfirmSrpCoverageView.as_view(),
        name="confirm_srp_coverage",
    ),
    path(
        "notifications/<int:pk>/decision-letter.pdf",
        views.DecisionLetterView.as_view(),
        name="decision_letter",
    ),
    path(
        "organisations/<int:pk>/systems/",
        systems.OrganisationSystemsView.as_view(),
        name="organisation_systems",
    ),
    path("remediation-steps/<int:pk>/", remediation.StepView.as_view(), name="remediation_step"),
    path(
        "remediation-steps/<int:pk>/evidence/",
        remediation.StepEvidenceUploadView.as_view(),
        name="remediation_evidence_upload",
    ),
    path(
        "remediation-steps/<int:pk>/done/",
        remediation.StepDoneView.as_view(),
        name="remediation_step_done",
    ),
    path(
        "remediation-steps/<int:pk>/accept/",
        remediation.StepAcceptView.as_view(),
        name="remediation_step_accept",
    ),
    path(
        "remediation-steps/<int:pk>/send-back/",
        remediation.StepSendBackView.as_view(),
        name="remediation_step_send_back",
    ),
    path(
        "remediation-evidence/<int:pk>/",
        remediation.EvidenceDownloadView.as_view(),
        name="remediation_evidence_download",
    ),
    path("systems/<int:pk>/", systems.SystemView.as_view(), name="system"),
    path("systems/<int:pk>/go-live/", systems.RecordGoLiveView.as_view(), name="system_go_live"),
    path("systems/<int:pk>/retire/", systems.RetireSystemView.as_view(), name="system_retire"),
    path(
        "systems/<int:pk>/notify-change/",
        systems.NotifyChangeView.as_view(),
        name="system_notify_change",
    ),
    path(
        "assessments/<int:pk>/",
        own_assessment.AssessmentPageView.as_view(),
        name="assessment",
    ),
    path(
        "assessments/<int:pk>/response/",
        own_assessment.SubmitResponseView.as_view(),
        name="submit_response",
    ),
    path(
        "assessments/documents/<int:pk>/",
        own_assessment.DocumentView.as_view(),
        name="document",
    ),
    # The self-assessment's own addresses from before its page became the assessment's.
    path(
        "assessments/<int:pk>/self-assessment/",
        own_assessment.SelfAssessmentView.as_view(),
        name="self_assessment",
    ),
    path(
        "assessments/<int:pk>/self-assessment/submit/",
        own_assessment.SubmitSelfAssessmentView.as_view(),
        name="submit_self_assessment",
    ),
    path(
        "assessments/self-assessment-files/<int:pk>/",
        own_assessment.DocumentView.as_view(),
        name="self_assessment_file",
    ),
    path(
        "ssc/assessments/<int:pk>/",
        committee.CommitteeAssessmentView.as_view(),
        name="committee_assessment",
    ),
    path(
        "ssc/assessments/<int:pk>/decide/",
        committee.DecideOutcomeView.as_view(),
        name="decide_outcome",
    ),
    path(
        "assessments/<int:pk>/decision-letter.pdf",
        committee.AssessmentDecisionLetterView.as_view(),
        name="assessment_decision_letter",
    ),
    path("ssc/meetings/", views.MeetingListView.as_view(), name="meetings"),
    path("ssc/meetings/<int:pk>/", views.MeetingView.as_view(), name="meeting"),
    path("ssc/meetings/<int:pk>/attendance/", views.AttendanceView.as_view(), name="attendance"),
    path(
        "ssc/meetings/<int:pk>/conflicts/",
        views.MeetingConflictView.as_view(),
        name="meeting_conflict",
    ),
    path(
        "ssc/meetings/<int:pk>/minutes.<str:extension>",
        views.MinutesView.as_view(),
        name="minutes",
    ),
    path(
        "ssc/meetings/<int:pk>/papers/publish/",
        papers.PublishPapersView.as_view(),
        name="publish_papers",
    ),
    path(
        "ssc/meetings/<int:pk>/papers/draft.pdf",
        papers.DraftPapersView.as_view(),
        name="draft_papers",
    ),
    path(
        "ssc/meetings/<int:pk>/papers/v<int:version>.pdf",
        papers.PapersDownloadView.as_view(),
        name="papers_download",
    ),
    path(
        "ssc/meetings/<int:pk>/papers/v<int:version>/paper-<int:number>.pdf",
        papers.PaperDownloadView.as_view(),
        name="paper_download",
    ),
    path(
        "ssc/meetings/<int:pk>/papers/downloads/",
        papers.PapersDownloadsView.as_view(),
        name="papers_downloads",
    ),
    # Referral to the SEC Panel, and appeals (issue 14 part 8).
    path("ssc/cases/<int:pk>/refer/", appeals.ReferCaseView.as_view(), name="refer_case"),
    path(
        "ssc/assessments/<int:pk>/refer/",
        appeals.ReferAssessmentView.as_view(),
        name="refer_assessment",
    ),
    path(
        "notifications/<int:pk>/appeal/",
        appeals.LodgeAppealView.as_view(on="notification"),
        name="appeal_notification_decision",
    ),
    path(
        "assessments/<int:pk>/appeal/",
        appeals.LodgeAppealView.as_view(on="assessment"),
        name="appeal_assessment_decision",
    ),
    path(
        "organisations/<int:pk>/appeals/",
        appeals.OrganisationAppealsView.as_view(),
        name="organisation_appeals",
    ),
    path("appeals/<int:pk>/", appeals.AppealView.as_view(), name="appeal"),
    path(
        "appeals/<int:pk>/withdraw/", appeals.WithdrawAppealView.as_view(), name="appeal_withdraw"
    ),
    path(
        "appeals/documents/<int:pk>/",
        appeals.AppealDocumentView.as_view(),
        name="appeal_document",
    ),
]
