from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError

from sscportal.admin import ActingUserFormMixin, RefusalAsMessageMixin, adopt_saved
from sscportal.history import RegisterHistoryAdmin
from users import services
from users.forms import CommitteeOfficesForm
from users.models import (
    CalendarFeed,
    CommitteeOffices,
    ConflictOfInterest,
    Membership,
    Organisation,
    SecurityEvent,
    User,
    UserRole,
)
from users.policy import allows
from users.security import record_event


class MembershipInline(admin.TabularInline):
    """Who works here, read only: roles and access change on each membership's own page,
    through the membership service (so an organisation always keeps an admin)."""

    model = Membership
    extra = 0
    fields = ["user", "role", "is_active", "invitation", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class UserAccessForm(UserChangeForm):
    """The admin's person form; its Access section is checked by the access service's rules."""

    acting_user = None

    class Meta(UserChangeForm.Meta):
        model = User
        fields = ["email", "password", "full_name", "job_title", "phone", *services.ACCESS_FLAGS]
        fields += ["groups", "user_permissions"]

    def requested_access(self) -> dict:
        """The Access section as sent: flags and groups the form does not show stay as stored."""
        data, person = self.cleaned_data, self.instance
        return {
            "is_active": data.get("is_active", person.is_active),
            "is_staff": data.get("is_staff", person.is_staff),
            "is_superuser": data.get("is_superuser", person.is_superuser),
            "groups": list(data["groups"]) if "groups" in data else list(person.groups.all()),
            "user_permissions": list(data["user_permissions"])
            if "user_permissions" in data
            else None,
        }

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            try:
                services.check_access_change(
                    person=User.objects.get(pk=self.instance.pk),
                    by=self.acting_user,
                    **self.requested_access(),
                )
            except services.AccessChangeRefused as refusal:
                raise ValidationError(str(refusal)) from refusal
        return cleaned


@admin.register(User)
class UserAdmin(ActingUserFormMixin, RefusalAsMessageMixin, DjangoUserAdmin):
    refusals = (services.AccessChangeRefused,)
    form = UserAccessForm
    ordering = ["full_name", "email"]
    list_display = ["email", "full_name", "job_title", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "groups", "memberships__organisation"]
    search_fields = ["email", "full_name", "job_title"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "job_title", "phone"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "password1", "password2"],
            },
        )
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their names stay on decisions and logs.
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or allows(request.user, "users.change_account", obj)
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not allows(request.user, "users.grant_superuser"):
            readonly += ["is_superuser", "user_permissions"]
        if obj is not None and not allows(request.user, "users.set_sign_in_details", obj):
            readonly += ["email"]
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            # The Access section is saved by the access service (in save_related), not here.
            stored = User.objects.get(pk=obj.pk)
            for flag in services.ACCESS_FLAGS:
                setattr(obj, flag, getattr(stored, flag))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        requested = form.requested_access() if change else None
        for name in ("groups", "user_permissions"):
            form.cleaned_data.pop(name, None)
        super().save_related(request, form, formsets, change)
        if requested is not None:
            services.change_access(person=form.instance, by=request.user, **requested)

    def user_change_password(self, request, id, form_url=""):
        person = self.get_object(request, unquote(id))
        if person is not None and not allows(request.user, "users.set_sign_in_details", person):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            person = User.objects.get(pk=id)
            record_event(
                SecurityEvent.Kind.PASSWORD_CHANGED,
                actor=request.user,
                request=request,
                summary=f"{request.user} set a new password for {person} in the admin",
            )
        return response


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    ordering = ["position"]


SIZE_FIELDS = ("smart_metering_systems_count", "smart_metering_systems_counted_date")


@admin.register(Organisation)
class OrganisationAdmin(RefusalAsMessageMixin, RegisterHistoryAdmin):
    refusals = (services.RegisterChangeRefused,)
    list_display = [
        "name",
        "sec_party_id",
        "party_category",
        "smart_metering_systems_count",
        "smart_metering_systems_counted_date",
        "contact_email",
        "is_active",
    ]
    list_filter = ["party_category", "user_roles", "is_active"]
    search_fields = ["name", "sec_party_id", "contact_name", "contact_email"]
    filter_horizontal = ["user_roles"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changed = set(form.changed_data) & set(SIZE_FIELDS)
        if not change or not changed:
            super().save_model(request, obj, form, change)
            return
        count, counted = obj.smart_metering_systems_count, obj.smart_metering_systems_counted_date
        # The count and its date are saved by the size service (checked, dated, with history).
        stored = Organisation.objects.get(pk=obj.pk)
        for name in SIZE_FIELDS:
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        if count is None or counted is None:
            raise services.RegisterChangeRefused(
                "Give both the count of Smart Metering Systems and the date it was counted."
            )
        services.record_smart_metering_systems(
            organisation=obj, by=request.user, count=count, counted_date=counted
        )
        obj.refresh_from_db()


@admin.register(Membership)
class MembershipAdmin(RefusalAsMessageMixin, RegisterHistoryAdmin):
    """Adding a person and changing a role or access go through the membership service, which
    keeps its rules here too (one admin remains; committee accounts never join a User)."""

    refusals = (services.StaffChangeRefused,)

    list_display = ["user", "organisation", "role", "is_active", "invitation"]
    list_filter = ["role", "is_active", "invitation", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    # Only the invited person answers an invitation; the admin shows what happened.
    readonly_fields = ["invitation", "invited_name", "invited_by", "invited_at", "answered_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Moving a membership to another person or organisation would skip every rule.
        fixed = ["user", "organisation"] if obj is not None else []
        return [*fixed, *super().get_readonly_fields(request, obj)]

    def save_model(self, request, obj, form, change):
        if change:
            if {"role", "is_active"} & set(form.changed_data):
                services.change_membership(
                    membership=obj, by=request.user, role=obj.role, is_active=obj.is_active
                )
                obj.refresh_from_db()
            return
        saved = services.add_member(
            organisation=obj.organisation,
            user=obj.user,
            by=request.user,
            role=obj.role,
            is_active=obj.is_active,
        )
        adopt_saved(obj, saved)


class ConflictOfInterestForm(django_forms.ModelForm):
    """Recording a conflict asks the conflicts service's rules first (SSC members only)."""

    acting_user = None

    class Meta:
        model = ConflictOfInterest
        fields = ["member", "organisation", "reason"]

    def clean(self):
        cleaned = super().clean()
        member, organisation = cleaned.get("member"), cleaned.get("organisation")
        if member is not None and organisation is not None and not self.errors:
            try:
                services.check_conflict_declaration(
                    member=member,
                    organisation=organisation,
                    by=self.acting_user,
                    reason=cleaned.get("reason", ""),
                )
            except services.AccessChangeRefused as refusal:
                raise ValidationError(str(refusal)) from refusal
        return cleaned


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ActingUserFormMixin, RefusalAsMessageMixin, RegisterHistoryAdmin):
    """Recorded and withdrawn through the conflicts service; a record is never edited."""

    refusals = (services.AccessChangeRefused,)
    refusal_prefix = "Nothing was recorded"

    form = ConflictOfInterestForm
    list_display = ["member", "organisation", "declared_at", "withdrawn_at"]
    list_filter = ["organisation", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__full_name", "member__email", "organisation__name", "reason"]
    autocomplete_fields = ["member", "organisation"]
    actions = ["withdraw"]

    def has_change_permission(self, request, obj=None):
        # The list's withdraw action needs it; a recorded conflict's own page is read only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only ever an addition: a recorded conflict's page is read only.
        saved = services.declare_conflict(
            member=obj.member, organisation=obj.organisation, by=request.user, reason=obj.reason
        )
        adopt_saved(obj, saved)

    @admin.action(description="Withdraw the selected conflicts of interest", permissions=["change"])
    def withdraw(self, request, queryset):
        withdrawn = 0
        for conflict in queryset.select_related("member", "organisation"):
            try:
                services.withdraw_conflict(conflict=conflict, by=request.user)
                withdrawn += 1
            except services.AccessChangeRefused as refusal:
                self.message_user(request, str(refusal), messages.WARNING)
        if withdrawn:
            self.message_user(
                request,
                "1 conflict of interest withdrawn: that member can see that organisation's "
                "cases again."
                if withdrawn == 1
                else f"{withdrawn} conflicts of interest withdrawn: those members can see those "
                "organisations' cases again.",
                messages.SUCCESS,
            )


@admin.register(CommitteeOffices)
class CommitteeOfficesAdmin(ActingUserFormMixin, RefusalAsMessageMixin, RegisterHistoryAdmin):
    """The SSC chair and deputy: one row, saved through the chair service (as on SECAS's
    chair page), with history; never deleted."""

    refusals = (services.ChairChangeRefused,)
    form = CommitteeOfficesForm
    list_display = ["__str__"]

    def has_add_permission(self, request):
        return not CommitteeOffices.objects.exists() and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and allows(
            request.user, "users.record_chair"
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved, _ = services.record_committee_offices(
            chair=obj.chair, deputy=obj.deputy, by=request.user
        )
        adopt_saved(obj, saved)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only, for every role including superusers."""

    list_display = ["at", "kind", "actor_email", "organisation", "summary", "ip_address"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_email", "summary"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Who has a calendar address, and since when; the secret token itself is never shown."""

    list_display = ["user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__full_name"]
    fields = ["user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
