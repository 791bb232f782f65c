from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from users.models import (
    ConflictOfInterest,
    Membership,
    Organisation,
    SecurityEvent,
    User,
    UserRole,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    ordering = ["position"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "sec_party_id",
        "party_category",
        "domestic_premises_count",
        "contact_email",
        "is_active",
    ]
    list_filter = ["party_category", "user_roles", "is_active"]
    search_fields = ["name", "sec_party_id", "contact_name", "contact_email"]
    filter_horizontal = ["user_roles"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    list_display = ["member", "organisation", "declared_at", "withdrawn_at"]
    list_filter = ["organisation", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__full_name", "member__email", "organisation__name", "reason"]
    autocomplete_fields = ["member", "organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


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
