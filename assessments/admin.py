from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.shortcuts import redirect

from assessments import forms, services
from assessments import selectors as ssc
from assessments.models import (
    AgendaItem,
    Assessment,
    AssessmentCycleRule,
    AssessmentDecision,
    AssuranceRecord,
    Decision,
    MeetingConflict,
    Reminder,
    SSCMeeting,
    TriageSettings,
)
from notifications.admin import (
    NotificationAdmin,
    ReadOnlyStateLogInline,
    ServiceTransitionAdminMixin,
)
from notifications.models import Notification
from notifications.services import TransitionRefused, step_label
from sscportal.admin import ActingUserFormMixin, ReadOnlyAdmin, adopt_saved
from sscportal.history import RegisterHistoryAdmin
from users.policy import allows


class VisibleRowsAdminMixin:
    """Lists and opens only the rows the model's "visible to this person" selector gives."""

    visible_to = None  # a selector: (user, within: the admin's queryset) -> queryset

    def get_queryset(self, request):
        return self.visible_to(request.user, super().get_queryset(request))


def _decide(outcome):
    def run(obj, user, **data):
        # SECAS records the committee's decision from the minutes (members present: attendees).
        minuted = not allows(user, "notifications.decide", obj) and allows(
            user, "notifications.minute_decision", obj
        )
        return services.decide(notification=obj, by=user, outcome=outcome, minuted=minuted, **data)

    return run


class DecisionInline(admin.StackedInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = [
        "outcome",
        "rationale",
        "route",
        "meeting",
        "members_present",
        "dissent",
        "decided_by",
        "minuted_by",
        "decided_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


admin.site.unregister(Notification)


@admin.register(Notification)
class CaseAdmin(NotificationAdmin):
    """The notification admin, with the SSC's own steps (triage and the two decisions)."""

    inlines = [DecisionInline, *NotificationAdmin.inlines]
    fsm_forms = {
        **NotificationAdmin.fsm_forms,
        "start_review": forms.StartReviewForm,
        "decide_no_assessment": forms.NoAssessmentDecisionForm,
        "decide_assessment_required": forms.AssessmentRequiredDecisionForm,
    }
    transition_services = {
        **NotificationAdmin.transition_services,
        "start_review": lambda obj, user, **data: services.start_review(
            notification=obj, by=user, **data
        ),
        "decide_no_assessment": _decide(Decision.Outcome.NO_ASSESSMENT),
        "decide_assessment_required": _decide(Decision.Outcome.ASSESSMENT_REQUIRED),
    }


@admin.register(AssessmentCycleRule)
class AssessmentCycleRuleAdmin(RegisterHistoryAdmin):
    list_display = ["party_category", "size", "cycle_year", "kind", "notes"]
    list_filter = ["party_category", "size", "kind"]
    list_editable = ["kind"]


@admin.register(TriageSettings)
class TriageSettingsAdmin(RegisterHistoryAdmin):
    """The thresholds the triage rules use: one row, changed (with history), never deleted."""

    list_display = ["__str__", "srp_assessment_recent_months", "annual_review_soon_days"]

    def has_add_permission(self, request):
        return not TriageSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class AgendaItemInline(admin.TabularInline):
    """The agenda, read only: a case is put before a meeting by starting its review."""

    model = AgendaItem
    extra = 0
    fields = ["position", "notification", "added_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return ssc.agenda_items_visible_to(request.user, super().get_queryset(request))


class SSCMeetingAdminForm(django_forms.ModelForm):
    """Attendance through the attendance service's rule: only SSC members attend as members."""

    class Meta:
        model = SSCMeeting
        fields = ["date", "kind", "title", "location", "attendees", "quorum", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("attendees")
        if field is not None:
            field.queryset = ssc.attendance_choices(self.instance)

    def clean_attendees(self):
        attendees = self.cleaned_data["attendees"]
        try:
            services.check_attendees(attendees, meeting=self.instance)
        except TransitionRefused as refusal:
            raise django_forms.ValidationError(str(refusal)) from refusal
        return attendees


@admin.register(SSCMeeting)
class SSCMeetingAdmin(RegisterHistoryAdmin):
    list_display = ["date", "kind", "title", "quorum"]
    list_filter = ["kind"]
    search_fields = ["title", "location", "notes"]
    date_hierarchy = "date"
    filter_horizontal = ["attendees"]
    inlines = [AgendaItemInline]
    form = SSCMeetingAdminForm

    # Who may arrange meetings and record attendance here: the same rule as the meetings page
    # and the meeting services; everyone else with the view permission reads.
    def has_add_permission(self, request):
        return allows(request.user, "assessments.manage_meetings") and super().has_add_permission(
            request
        )

    def has_change_permission(self, request, obj=None):
        return allows(
            request.user, "assessments.manage_meetings"
        ) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Arranged through the meetings service, as on the meetings page.
        saved = services.create_meeting(
            by=request.user,
            date=obj.date,
            kind=obj.kind,
            title=obj.title,
            location=obj.location,
            quorum=obj.quorum,
            notes=obj.notes,
        )
        adopt_saved(obj, saved)

    def save_related(self, request, form, formsets, change):
        # The attendance service records who attended (and who recorded it), not the form.
        attendees = form.cleaned_data.pop("attendees", None)
        super().save_related(request, form, formsets, change)
        if attendees is not None and (not change or "attendees" in form.changed_data):
            services.set_attendees(meeting=form.instance, by=request.user, attendees=attendees)


@admin.register(Decision)
class DecisionAdmin(VisibleRowsAdminMixin, admin.ModelAdmin):
    visible_to = staticmethod(ssc.decisions_visible_to)
    list_display = ["notification", "outcome", "meeting", "decided_by", "decided_at"]
    list_filter = ["outcome", "meeting"]
    search_fields = ["notification__reference", "notification__organisation__name", "rationale"]
    list_select_related = ["notification", "meeting", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssessmentDecision)
class AssessmentDecisionAdmin(VisibleRowsAdminMixin, admin.ModelAdmin):
    """Recorded only by the decision service; read here, never changed."""

    visible_to = staticmethod(ssc.assessment_decisions_visible_to)
    list_display = [
        "assessment",
        "status",
        "proposed_status",
        "meeting",
        "panel_meeting_date",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "meeting"]
    search_fields = ["assessment__organisation__name", "rationale"]
    list_select_related = ["assessment__organisation", "meeting", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(VisibleRowsAdminMixin, ServiceTransitionAdminMixin, admin.ModelAdmin):
    """Assessments are opened only by the services (a G8.13 decision, the annual cycle), and
    move on only through their lifecycle steps: here SECAS corrects the plan (kind, cycle year,
    scope, systems, due date) and takes the steps."""

    visible_to = staticmethod(ssc.assessments_visible_to)
    list_display = [
        "organisation",
        "kind",
        "reason",
        "counts_as_annual_review",
        "state",
        "due_date",
        "cio_name",
        "fieldwork_end_date",
        "assurance_status",
    ]
    list_filter = [
        "state",
        "kind",
        "reason",
        "counts_as_annual_review",
        "assurance_status",
        "organisation__party_category",
    ]
    search_fields = ["organisation__name", "cio_name", "notification__reference", "scope"]
    date_hierarchy = "due_date"
    filter_horizontal = ["systems_in_scope"]
    list_select_related = ["organisation"]
    inlines = [ReadOnlyStateLogInline]
    # The steps with documents (report, CIO's review, response) keep a form here only so that
    # their button leads to fsm_transition_view, which sends SECAS to the assessment's page.
    fsm_forms = {
        "schedule": forms.ScheduleForm,
        "start_fieldwork": forms.StartFieldworkForm,
        "receive_report": forms.RecordReportForm,
        "record_cio_review": forms.RecordCioReviewForm,
        "receive_response": forms.RecordResponseForm,
        "propose_outcome": forms.ProposeOutcomeForm,
        "withdraw_proposal": forms.WithdrawProposalForm,
    }
    transition_services = {
        "schedule": lambda obj, user, **data: services.schedule_assessment(
            assessment=obj, by=user, **data
        ),
        "start_fieldwork": lambda obj, user, **data: services.start_fieldwork(
            assessment=obj, by=user, **data
        ),
        # Replacing a proposal, and the decision itself, are on the SECAS and committee pages,
        # beside the proposal they follow.
        "propose_outcome": lambda obj, user, **data: services.propose_outcome(
            assessment=obj, by=user, **data
        ),
        "withdraw_proposal": lambda obj, user, **data: services.withdraw_proposal(
            assessment=obj, by=user, **data
        ),
    }

    # Whose assessment it is and why were set when it was opened; dates and outcome are
    # recorded through the lifecycle steps, which log who and why.
    # Whether it counts as the annual review changes on the assessment's page, with a reason.
    readonly_fields = [
        "organisation",
        "notification",
        "follows",
        "reason",
        "counts_as_annual_review",
        "self_assessment_submitted_at",
        "self_assessment_submitted_by",
        "self_assessment_notes",
        "state",
        "cio_name",
        "fieldwork_start_date",
        "fieldwork_end_date",
        "report_received_date",
        "response_due_date",
        "response_received_date",
        "response_notes",
        "assurance_status",
        "completed_at",
    ]

    def has_add_permission(self, request):
        return False

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        if transition_name not in services.DOCUMENT_STEPS:
            return super().fsm_transition_view(request, object_id, transition_name, **kwargs)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such assessment.")
        # The admin's step forms take no files: the step is taken where its documents are.
        self.message_user(
            request,
            f"“{step_label(Assessment, transition_name)}” comes with its documents: upload them "
            "and record the step here, on the assessment's page.",
            messages.INFO,
        )
        return redirect("secas:assessment", pk=obj.pk)


class AssuranceRecordAdminForm(django_forms.ModelForm):
    """The assurance service's rules, asked before anything is saved."""

    acting_user = None

    class Meta:
        model = AssuranceRecord
        fields = [
            "organisation",
            "status",
            "kind",
            "reason",
            "counts_as_annual_review",
            "cycle_year",
            "fieldwork_end_date",
            "effective_date",
            "assessment",
            "systems",
            "notes",
            "recorded_at",
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            record = AssuranceRecord(
                organisation=cleaned.get("organisation"), assessment=cleaned.get("assessment")
            )
            try:
                services.check_assurance_record(
                    record=record, systems=cleaned.get("systems", []), by=self.acting_user
                )
            except TransitionRefused as refusal:
                raise django_forms.ValidationError(str(refusal)) from refusal
        return cleaned


@admin.register(AssuranceRecord)
class AssuranceRecordAdmin(ActingUserFormMixin, VisibleRowsAdminMixin, admin.ModelAdmin):
    visible_to = staticmethod(ssc.assurance_records_visible_to)
    list_display = [
        "organisation",
        "status",
        "kind",
        "reason",
        "counts_as_annual_review",
        "cycle_year",
        "fieldwork_end_date",
        "effective_date",
    ]
    list_filter = [
        "status",
        "kind",
        "reason",
        "counts_as_annual_review",
        "organisation__party_category",
    ]
    search_fields = ["organisation__name", "notes"]
    autocomplete_fields = ["organisation", "assessment"]
    filter_horizontal = ["systems"]
    form = AssuranceRecordAdminForm

    def save_model(self, request, obj, form, change):
        # Saved with its systems by the assurance service, in save_related.
        pass

    def save_related(self, request, form, formsets, change):
        systems = list(form.cleaned_data.pop("systems", []))
        services.record_assurance_history(record=form.instance, systems=systems, by=request.user)
        super().save_related(request, form, formsets, change)

    def has_change_permission(self, request, obj=None):
        # The history is append-only: corrections are new records.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(VisibleRowsAdminMixin, ReadOnlyAdmin):
    visible_to = staticmethod(ssc.reminders_visible_to)
    list_display = ["sent_at", "kind", "target", "milestone", "step"]
    list_filter = ["kind"]
    search_fields = ["target", "organisation__name"]
    date_hierarchy = "sent_at"


@admin.register(MeetingConflict)
class MeetingConflictAdmin(ReadOnlyAdmin):
    list_display = ["declared_at", "meeting", "member", "organisation"]
    list_filter = ["meeting"]
