"""Views of the SSC's side: the committee's pages and SECAS's tracking pages."""

from assessments.views.committee import (
    AttendanceView,
    CaseView,
    ConfirmNonComplianceView,
    ConfirmSrpCoverageView,
    DashboardView,
    DecideView,
    DecisionLetterView,
    MeetingConflictView,
    MeetingListView,
    MeetingView,
    MinutesView,
    OrganisationHomeView,
    OrganisationNamesView,
    RecordSizeView,
    RequestInformationView,
    TriageView,
)
from assessments.views.home import HomeView
from assessments.views.secas import (
    AssessmentStepView,
    AssessmentView,
    CommunicationsView,
    ExportView,
    SecasDashboardView,
)

__all__ = [
    "AssessmentStepView",
    "AssessmentView",
    "AttendanceView",
    "CaseView",
    "CommunicationsView",
    "ConfirmNonComplianceView",
    "ConfirmSrpCoverageView",
    "DashboardView",
    "DecideView",
    "DecisionLetterView",
    "ExportView",
    "HomeView",
    "MeetingConflictView",
    "MeetingListView",
    "MeetingView",
    "MinutesView",
    "OrganisationHomeView",
    "OrganisationNamesView",
    "RecordSizeView",
    "RequestInformationView",
    "SecasDashboardView",
    "TriageView",
]
