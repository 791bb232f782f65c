from django.contrib import admin

from assessments import forms, services
from assessments.models import (
    AgendaItem,
    Assessment,
    AssessmentCycleRule,
    AssuranceRecord,
    Decision,
    LatestAssurance,
    MeetingConflict,
    Reminder,
    SSCMeeting,
)
from notifications.admin import (
    ConflictAwareAdminMixin,
    NotificationAdmin,
    ReadOnlyAdmin,
    ReadOnlyStateLogInline,
    ServiceTransitionAdminMixin,
    hide_conflicted,
)
from notifications.forms import ssc_member_choices
from notifications.models import Notification


def _decide(outcome):
    def run(obj, user, **data):
        return services.decide(notification=obj, by=user, outcome=outcome, **data)

    return run


class DecisionInline(admin.StackedInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = ["outcome", "rationale", "meeting", "decided_by", "decided_at"]
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
class AssessmentCycleRuleAdmin(admin.ModelAdmin):
    list_display = ["party_category", "cycle_year", "kind", "notes"]
    list_filter = ["party_category", "kind"]
    list_editable = ["kind"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    autocomplete_fields = ["notification"]
    fields = ["position", "notification", "added_at"]
    readonly_fields = ["added_at"]
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(hide_conflicted(request, "notification__organisation"))
        )


@admin.register(SSCMeeting)
class SSCMeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "title", "quorum"]
    list_filter = ["kind"]
    search_fields = ["title", "location", "notes"]
    date_hierarchy = "date"
    filter_horizontal = ["attendees"]
    inlines = [AgendaItemInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "attendees":
            # Only SSC members attend as members, as the attendance service insists.
            kwargs["queryset"] = ssc_member_choices()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Decision)
class DecisionAdmin(ConflictAwareAdminMixin, admin.ModelAdmin):
    organisation_path = "notification__organisation"
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


@admin.register(Assessment)
class AssessmentAdmin(ConflictAwareAdminMixin, ServiceTransitionAdminMixin, admin.ModelAdmin):
    list_display = [
        "organisation",
        "kind",
        "state",
        "due_date",
        "cio_name",
        "fieldwork_end_date",
        "assurance_status",
    ]
    list_filter = ["state", "kind", "assurance_status", "organisation__party_category"]
    search_fields = ["organisation__name", "cio_name", "notification__reference", "scope"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["organisation", "notification"]
    filter_horizontal = ["systems_in_scope"]
    list_select_related = ["organisation"]
    inlines = [ReadOnlyStateLogInline]
    fsm_forms = {
        "schedule": forms.ScheduleForm,
        "start_fieldwork": forms.StartFieldworkForm,
        "receive_report": forms.RecordReportForm,
        "receive_response": forms.RecordResponseForm,
        "complete": forms.CompleteForm,
    }
    transition_services = {
        "schedule": lambda obj, user, **data: services.schedule_assessment(
            assessment=obj, by=user, **data
        ),
        "start_fieldwork": lambda obj, user, **data: services.start_fieldwork(
            assessment=obj, by=user, **data
        ),
        "receive_report": lambda obj, user, **data: services.record_report(
            assessment=obj, by=user, **data
        ),
        "receive_response": lambda obj, user, **data: services.record_response(
            assessment=obj, by=user, **data
        ),
        "complete": lambda obj, user, **data: services.complete_assessment(
            assessment=obj, by=user, **data
        ),
    }

    def get_readonly_fields(self, request, obj=None):
        # Dates and outcome are recorded through the lifecycle steps, which log who and why.
        lifecycle = [
            "state",
            "notification",
            "cio_name",
            "fieldwork_start_date",
            "fieldwork_end_date",
            "report_received_date",
            "response_due_date",
            "response_received_date",
            "assurance_status",
            "completed_at",
        ]
        return lifecycle if obj else ["state", "assurance_status", "completed_at"]


@admin.register(AssuranceRecord)
class AssuranceRecordAdmin(ConflictAwareAdminMixin, admin.ModelAdmin):
    list_display = [
        "organisation",
        "status",
        "kind",
        "cycle_year",
        "fieldwork_end_date",
        "effective_date",
    ]
    list_filter = ["status", "kind", "organisation__party_category"]
    search_fields = ["organisation__name", "notes"]
    autocomplete_fields = ["organisation", "assessment"]
    filter_horizontal = ["systems"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A record added here may now be the one in force for its systems.
        LatestAssurance.objects.refresh(form.instance.systems.values("pk"))

    def has_change_permission(self, request, obj=None):
        # The history is append-only: corrections are new records.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ConflictAwareAdminMixin, ReadOnlyAdmin):
    list_display = ["sent_at", "kind", "target", "milestone", "step"]
    list_filter = ["kind"]
    search_fields = ["target", "organisation__name"]
    date_hierarchy = "sent_at"

    def get_queryset(self, request):
        # Reminders without an organisation (the digest) are SECAS's; SSC members never see them.
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser or user.is_secas:
            return queryset
        return queryset.filter(organisation__isnull=False)


@admin.register(MeetingConflict)
class MeetingConflictAdmin(ReadOnlyAdmin):
    list_display = ["declared_at", "meeting", "member", "organisation"]
    list_filter = ["meeting"]
