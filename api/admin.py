from django.contrib import admin, messages

from api import tokens
from api.models import ApiToken
from sscportal.admin import ReadOnlyAdmin
from users.policy import allows

# Tokens are a security matter: whoever reads the audit trail (SECAS) sees who holds them and
# may revoke them; nobody creates or edits one here, and the hash is never shown.
READER_RULE = "users.view_audit_trail"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Who holds an API token, for what and until when; revoking is audited like the page's."""

    list_display = ["user", "name", "scope", "expires_at", "last_used_at", "status"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name", "name"]
    fields = [
        "user",
        "name",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "last_used_ip",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="Status")
    def status(self, token):
        if token.is_revoked:
            return "Revoked"
        return "Expired" if token.is_expired else "Active"

    def has_module_permission(self, request):
        return allows(request.user, READER_RULE)

    def has_view_permission(self, request, obj=None):
        return allows(request.user, READER_RULE)

    def has_revoke_permission(self, request):
        return allows(request.user, READER_RULE)

    @admin.action(description="Revoke the selected API tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(
            tokens.revoke_token(request, token) for token in queryset.select_related("user")
        )
        if revoked:
            self.message_user(
                request,
                "1 API token revoked: it no longer works."
                if revoked == 1
                else f"{revoked} API tokens revoked: they no longer work.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, "The selected tokens were already revoked.", messages.INFO)
