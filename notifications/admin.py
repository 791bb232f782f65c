from django.contrib import admin, messages
from django.db.models import Q
from django.http import Http404
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


class ServiceTransitionAdminMixin(FSMAdminMixin):
    """Django-fsm's admin buttons, but every transition goes through the domain service."""

    fsm_fields = ["state"]
    # transition name -> callable(obj, user, **cleaned_data)
    transition_services: dict = {}

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


class ReadOnlyStateLogInline(StateLogInline):
    verbose_name = "transition"
    verbose_name_plural = "Transition log (who, when, why)"

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

    def get_readonly_fields(self, request, obj=None):
        # The SSC decides on what was submitted: nothing here edits a notification's content.
        return [field.name for field in self.model._meta.fields] + ["user_roles"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(hide_conflicted(request, "organisation"))
        if request.user.is_superuser:
            return queryset
        # Drafts, withdrawn or not, are the organisation's own until submitted.
        return queryset.filter(submitted_at__isnull=False)


@admin.register(StateLog)
class StateLogAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "content_type", "object_id", "transition", "state", "by"]
    list_filter = ["content_type", "transition", "state"]
    search_fields = ["description", "by__email", "by__full_name"]
    date_hierarchy = "timestamp"

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
