from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django_fsm import FSMFieldMixin
from django_fsm.admin import FSMAdminMixin
from django_fsm_log.admin import StateLogInline
from django_fsm_log.models import StateLog

from notifications import forms, services
from notifications.models import (
    Attachment,
    AttachmentDownload,
    InformationRequest,
    Message,
    Notification,
    OutboundEmail,
    ReferenceCounter,
    SharedResourceProvider,
    UserSystem,
)


def hide_conflicted(request, organisation_path: str) -> Q:
    """SSC members never see, in any admin list, organisations they are conflicted with."""
    user = request.user
    if user.is_superuser or user.is_secas:
        return Q()
    return ~Q(**{f"{organisation_path}__in": list(user.conflicted_organisation_ids)})


class ConflictAwareAdminMixin:
    organisation_path = "organisation"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(hide_conflicted(request, self.organisation_path))
        )


# --- Lifecycle labels, for people rather than code ---------------------------------------------


def _state_field(model) -> FSMFieldMixin | None:
    return next((f for f in model._meta.fields if isinstance(f, FSMFieldMixin)), None)


def state_label(model, value) -> str:
    """A state's label ("Under review") from its stored value ("under_review")."""
    field = _state_field(model) if model is not None else None
    if not value:
        return ""
    return str(dict(field.flatchoices).get(value, value)) if field else value


def transition_label(model, name: str) -> str:
    """A lifecycle step's label ("Start the review") from its method name ("start_review")."""
    meta = getattr(getattr(model, name, None), "_django_fsm", None)
    for transition in meta.transitions.values() if meta else ():
        if transition.custom.get("label"):
            return transition.custom["label"]
    return name.replace("_", " ").capitalize()


def local_time(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def yes_no_answer(field):
    """Shows a yes/no question's answer in words: the admin's icon for no answer reads "None"."""

    @admin.display(description=field.verbose_name)
    def answer(obj):
        value = getattr(obj, field.name)
        return "Not answered" if value is None else ("Yes" if value else "No")

    return answer


class ServiceTransitionAdminMixin(FSMAdminMixin):
    """Django-fsm's admin buttons, but every transition goes through the domain service."""

    fsm_fields = ["state"]
    # transition name -> callable(obj, user, **cleaned_data)
    transition_services: dict = {}

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return "Next steps"

    def get_help_text(self, transition) -> str:
        # django-fsm's page prints a missing help text as "None"; say where the step leads.
        if transition.custom.get("help_text"):
            return transition.custom["help_text"]
        targets = getattr(transition.target, "allowed_states", None) or [transition.target]
        labels = [f"“{state_label(self.model, t)}”" for t in targets if isinstance(t, str)]
        if not labels:
            return ""
        return f"Afterwards the {self.model._meta.verbose_name} is {' or '.join(labels)}."

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        service = self.transition_services.get(transition_name)
        if service is None:
            self.message_user(request, "This step is not available here.", messages.ERROR)
            return False
        try:
            service(obj, request.user, **(kwargs or {}))
        except services.TransitionRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return False
        label = self._get_fsm_transition_by_name(obj=obj, transition_name=transition_name)
        self.message_user(request, f"Done: {self.get_fsm_label(label)}.", messages.SUCCESS)
        return True

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        # An unknown step name in the URL is a missing page, not a server error.
        if transition_name not in self.transition_services:
            raise Http404("No such step.")
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharedResourceProvider)
class SharedResourceProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "latest_assessment_date", "latest_assessment_outcome", "is_active"]
    list_filter = ["latest_assessment_outcome", "is_active"]
    search_fields = ["name", "companies_house_number"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserSystem)
class UserSystemAdmin(ConflictAwareAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "delivery_model",
        "provider",
        "is_first_system",
        "status",
        "go_live_date",
    ]
    list_filter = ["delivery_model", "status", "is_first_system", "provider"]
    search_fields = ["name", "organisation__name", "provider__name", "third_party_name"]
    autocomplete_fields = ["organisation", "provider"]

    def has_delete_permission(self, request, obj=None):
        return False


class InformationRequestInline(admin.StackedInline):
    model = InformationRequest
    extra = 0
    can_delete = False
    fields = [
        "question",
        "response_due_date",
        "requested_by",
        "requested_at",
        "response",
        "responded_by",
        "responded_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["original_name", "tlp", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadableStateLogMixin:
    """A transition log entry in words: local UK time, and the steps' and states' labels."""

    @admin.display(description="When", ordering="timestamp")
    def when(self, entry):
        return local_time(entry.timestamp)

    @admin.display(description="Step", ordering="transition")
    def step(self, entry):
        return transition_label(entry.content_type.model_class(), entry.transition)

    @admin.display(description="From")
    def from_state(self, entry):
        return state_label(entry.content_type.model_class(), entry.source_state)

    @admin.display(description="To", ordering="state")
    def to_state(self, entry):
        return state_label(entry.content_type.model_class(), entry.state)

    @admin.display(description="Who", ordering="by")
    def who(self, entry):
        return entry.by or "–"

    @admin.display(description="Why")
    def why(self, entry):
        return entry.description or "–"


class ReadOnlyStateLogInline(ReadableStateLogMixin, StateLogInline):
    verbose_name = "transition"
    verbose_name_plural = "Transition log (who, when, why)"
    # Django's tabular inline prints each row's str(), a raw UTC timestamp and code names.
    template = "admin/edit_inline/transition_log.html"
    fields = ("when", "step", "from_state", "to_state", "who", "why")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("content_type", "by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ServiceTransitionAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "organisation",
        "system_name",
        "state",
        "delivery_model",
        "planned_go_live_date",
        "is_late",
        "submitted_at",
    ]
    list_filter = ["state", "is_late", "delivery_model", "organisation__party_category"]
    search_fields = ["reference", "system_name", "organisation__name"]
    date_hierarchy = "submitted_at"
    list_select_related = ["organisation"]
    inlines = [InformationRequestInline, AttachmentInline, ReadOnlyStateLogInline]
    fsm_forms = {
        "submit": forms.SubmitForm,
        "withdraw": forms.WithdrawForm,
        "request_information": forms.RequestInformationForm,
        "provide_information": forms.ProvideInformationForm,
    }
    transition_services = {
        "submit": lambda obj, user, **data: services.submit_notification(
            notification=obj, by=user, **data
        ),
        "withdraw": lambda obj, user, **data: services.withdraw_notification(
            notification=obj, by=user, **data
        ),
        "request_information": lambda obj, user, **data: services.request_information(
            notification=obj, by=user, **data
        ),
        "provide_information": lambda obj, user, **data: services.provide_information(
            notification=obj, by=user, **data
        ),
    }

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.yes_no_questions = {
            field.name
            for field in model._meta.fields
            if isinstance(field, models.BooleanField) and field.null
        }
        for field in model._meta.fields:
            if field.name in self.yes_no_questions:
                setattr(self, f"{field.name}_answer", yes_no_answer(field))

    def get_exclude(self, request, obj=None):
        # Shown through their "_answer" displays instead; never an editable field here.
        return [*(super().get_exclude(request, obj) or ()), *sorted(self.yes_no_questions)]

    def get_readonly_fields(self, request, obj=None):
        # The SSC decides on what was submitted: nothing here edits a notification's content.
        return [
            f"{field.name}_answer" if field.name in self.yes_no_questions else field.name
            for field in self.model._meta.fields
        ] + ["user_roles"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(hide_conflicted(request, "organisation"))
        if request.user.is_superuser:
            return queryset
        # Drafts, withdrawn or not, are the organisation's own until submitted.
        return queryset.filter(submitted_at__isnull=False)


def _logged_models():
    logged = StateLog.objects.values("content_type").distinct()
    return [ct.model_class() for ct in ContentType.objects.filter(pk__in=logged)]


class StateReachedFilter(admin.SimpleListFilter):
    title = "state reached"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        labels = {}
        for model in _logged_models():
            field = _state_field(model)
            for value, label in field.flatchoices if field else ():
                labels.setdefault(value, str(label))
        return sorted(labels.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


class StepFilter(admin.SimpleListFilter):
    title = "step"
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        labels = {}
        for model in _logged_models():
            field = _state_field(model)
            for transition in field.get_all_transitions(model) if field else ():
                labels.setdefault(transition.name, transition_label(model, transition.name))
        return sorted(labels.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


@admin.register(StateLog)
class StateLogAdmin(ReadableStateLogMixin, admin.ModelAdmin):
    list_display = ["when", "record", "step", "to_state", "who"]
    list_filter = ["content_type", StepFilter, StateReachedFilter]
    list_select_related = ["content_type", "by"]
    search_fields = ["description", "by__email", "by__full_name"]
    date_hierarchy = "timestamp"
    fields = ["when", "record", "step", "from_state", "to_state", "who", "why"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("content_object")

    @admin.display(description="Record")
    def record(self, entry):
        found = entry.content_object
        return str(found) if found is not None else f"{entry.content_type} {entry.object_id}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page would otherwise be titled with str(entry): a raw UTC time and code names.
        entry = self.get_object(request, object_id)
        if entry is not None:
            extra_context = {
                **(extra_context or {}),
                "subtitle": f"{self.record(entry)}: {self.step(entry)}, {self.when(entry)}",
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records kept for the trail: readable by SECAS, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ConflictAwareAdminMixin, ReadOnlyAdmin):
    organisation_path = "notification__organisation"
    list_display = ["created_at", "notification", "author"]
    search_fields = ["notification__reference", "body", "author__email"]
    list_select_related = ["notification", "author"]


@admin.register(AttachmentDownload)
class AttachmentDownloadAdmin(ConflictAwareAdminMixin, ReadOnlyAdmin):
    organisation_path = "attachment__notification__organisation"
    list_display = ["downloaded_at", "attachment", "user"]
    search_fields = ["attachment__original_name", "user__email"]
    list_select_related = ["attachment", "user"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ConflictAwareAdminMixin, ReadOnlyAdmin):
    list_display = ["created_at", "kind", "subject", "sent_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "notification__reference"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    """The last reference issued each year; numbers are never reused, so nothing is editable."""

    list_display = ["year", "last_number"]
