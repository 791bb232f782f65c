"""Admin pieces every app uses."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records kept for the trail: readable by SECAS, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def adopt_saved(obj, saved) -> None:
    """After a service saved the row the admin's form described, the admin carries on (its
    message, links, log entry and related saves) with that row."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
