from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.forms import ModelForm
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_fsm.admin import FSMAdminMixin, FSMTransitionContext
from django_fsm_log.admin import StateLogInline
from django_fsm_log.models import StateLog

from notifications import forms, selectors, services
from notifications.models import (
    Attachment,
    AttachmentDownload,
    InformationRequest,
    Message,
    Notification,
    ReferenceCounter,
    SharedResourceProvider,
    UserSystem,
)
from notifications.services import lifecycle_step, state_field, step_label
from sscportal.admin import ReadOnlyAdmin
from sscportal.history import RegisterHistoryAdmin
from sscportal.mail.admin import OutboundEmailAdmin
from sscportal.mail.models import OutboundEmail


def hide_conflicted(request, organisation_path: str) -> Q:
    """SSC members never see, in any admin list, organisations they are conflicted with."""
    return selectors.outside_conflicts(request.user, organisation_path)


class ConflictAwareAdminMixin:
    organisation_path = "organisation"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(hide_conflicted(request, self.organisation_path))
        )


# --- Lifecycle labels, for people rather than code ---------------------------------------------


def state_label(model, value) -> str:
    """A state's label ("Under review") from its stored value ("under_review")."""
    field = state_field(model) if model is not None else None
    if not value:
        return ""
    return str(dict(field.flatchoices).get(value, value)) if field else value


def transition_label(model, name: str) -> str:
    """A lifecycle step's label ("Start the review") from its method name ("start_review")."""
    return step_label(model, name) if model is not None else name.replace("_", " ").capitalize()


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

    # django-fsm-2's buttons and pages post to these two public views; both are replaced here
    # so that a step runs only through its service, never by calling the transition directly.

    def run_step(self, request, obj, name: str, data: dict) -> bool:
        """Run a step through its service; the person sees the outcome as a message."""
        service = self.transition_services.get(name)
        if service is None:
            self.message_user(request, "This step is not available here.", messages.ERROR)
            return False
        try:
            service(obj, request.user, **data)
        except services.TransitionRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return False
        self.message_user(request, f"Done: {step_label(self.model, name)}.", messages.SUCCESS)
        return True

    def response_change(self, request, obj):
        name = request.POST.get(self.fsm_post_param)
        if not name:
            return super().response_change(request, obj)
        step = lifecycle_step(self.model, name)
        if step is not None and self.get_fsm_transition_form(step):
            return redirect(self.step_url(obj, name))
        self.run_step(request, obj, name, {})
        return HttpResponseRedirect(
            add_preserved_filters(
                {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts},
                request.path,
            )
        )

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        step = lifecycle_step(self.model, transition_name)
        # An unknown step name in the URL is a missing page, not a server error.
        if step is None or transition_name not in self.transition_services:
            raise Http404("No such step.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No such {self.opts.verbose_name}.")
        change_page = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        if not step.has_perm(obj, request.user):
            self.message_user(
                request,
                f"“{step_label(self.model, transition_name)}” is not allowed: you do not have "
                "permission for this step.",
                messages.ERROR,
            )
            return redirect(change_page)
        form_class = self.get_fsm_transition_form(step)
        if form_class is None:
            return HttpResponseBadRequest("This step has no form.")
        data = request.POST if request.method == "POST" else None
        is_model_form = issubclass(form_class, ModelForm)
        form = form_class(data=data, instance=obj) if is_model_form else form_class(data=data)
        if form.is_valid() and self.run_step(request, obj, transition_name, form.cleaned_data):
            return redirect(change_page)
        return render(
            request,
            self.fsm_transition_form_template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": obj,
                "transition": FSMTransitionContext(
                    name=transition_name,
                    label=self.get_fsm_label(step),
                    help_text=self.get_help_text(step),
                ),
                "transition_form": form,
            },
        )

    def step_url(self, obj, name: str) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_transition",
            kwargs={"object_id": obj.pk, "transition_name": name},
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharedResourceProvider)
class SharedResourceProviderAdmin(RegisterHistoryAdmin):
    list_display = ["name", "latest_assessment_date", "latest_assessment_outcome", "is_active"]
    list_filter = ["latest_assessment_outcome", "is_active"]
    search_fields = ["name", "companies_house_number"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserSystem)
class UserSystemAdmin(ConflictAwareAdminMixin, RegisterHistoryAdmin):
    list_display = [
        "name",
        "organisation",
        "delivery_model",
        "provider",
        "is_first_system",
        "status",
        "go_live_date",
    ]
    list_filter = ["delivery_model", "status", "is_first_system", "employed_early", "provider"]
    search_fields = ["name", "organisation__name", "provider__name", "third_party_name"]
    autocomplete_fields = ["organisation", "provider"]
    # Dates and flags change through the system's page, where each change is checked and logged;
    # SRP coverage is recorded from the case page through confirm_srp_coverage.
    readonly_fields = [
        "began_employing_date",
        "retired_date",
        "employed_early",
        "srp_coverage",
        "srp_coverage_note",
        "srp_coverage_confirmed_by",
        "srp_coverage_confirmed_at",
    ]

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
        return selectors.notifications_in_the_admin(request.user, super().get_queryset(request))


def _logged_models():
    logged = StateLog.objects.values("content_type").distinct()
    return [ct.model_class() for ct in ContentType.objects.filter(pk__in=logged)]


class StateReachedFilter(admin.SimpleListFilter):
    title = "state reached"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        labels = {}
        for model in _logged_models():
            field = state_field(model)
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
            field = state_field(model)
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
class CaseEmailAdmin(ConflictAwareAdminMixin, OutboundEmailAdmin):
    organisation_path = "organisation_link__organisation"
    search_fields = ["subject", "notification_link__notification__reference"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    """The last reference issued each year; numbers are never reused, so nothing is editable."""

    list_display = ["year", "last_number"]
