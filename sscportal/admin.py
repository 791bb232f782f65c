"""Admin pieces every app uses."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect


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


class RefusalAsMessageMixin:
    """A service's refusal raised while the admin saves (its check under lock saw what the
    form's did not) is shown as a message on the same page, not an error page. The admin's
    transaction is rolled back, so nothing of the change is kept."""

    refusals: tuple[type[Exception], ...] = ()
    refusal_prefix = "Nothing was changed"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as refusal:
            self.message_user(request, f"{self.refusal_prefix}: {refusal}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ActingUserFormMixin:
    """Gives the admin's form the person saving it (`form.acting_user`), so its clean() can ask
    the service's check with the same person the service will be called with."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user  # get_form makes a new class for each request
        return form
