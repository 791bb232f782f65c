"""Register history (django-simple-history): naming who changed a row, and a read-only admin."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

# The history row's change reason is a 100-character column.
REASON_LENGTH = 100


def attribute_change(instance, *, by, reason: str = "") -> None:
    """Name who is changing `instance` (and why) on the history row its next save leaves.

    A page's request names the signed-in person anyway (the history middleware); this also
    covers services run outside a request (tasks, commands, the demo data).
    """
    instance._history_user = by
    if reason:
        instance._change_reason = reason[:REASON_LENGTH]


class RegisterHistoryAdmin(SimpleHistoryAdmin):
    """The admin's "History" pages, read only: a revert would write around the services."""

    def _hidden_from(self, request, object_id) -> bool:
        # django-simple-history falls back to the history rows for an entry the admin does
        # not show this person (a conflicted member's); an existing entry stays hidden.
        exists = self.model._default_manager.filter(pk=unquote(object_id)).exists()
        return exists and not self.get_queryset(request).filter(pk=unquote(object_id)).exists()

    def history_view(self, request, object_id, extra_context=None):
        if self._hidden_from(request, object_id):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # SIMPLE_HISTORY_REVERT_DISABLED only hides the button; this refuses the post itself.
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        if self._hidden_from(request, object_id):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


# The reason on the row each existing register entry got when history began: not a change.
BASELINE_REASON = "History begins: the entry as it stood when its history started"


def record_baselines(apps, app_label: str, model_names: list[str]) -> None:
    """For a data migration: one history row per existing entry, so the first change after the
    upgrade still shows its "before". Unattributed, and marked with BASELINE_REASON."""
    marks = {
        "history_date": timezone.now(),
        "history_type": "~",
        "history_change_reason": BASELINE_REASON,
        "history_user": None,
    }
    for model_name in model_names:
        model = apps.get_model(app_label, model_name)
        history = apps.get_model(app_label, f"Historical{model_name}")
        copied = [
            field.attname
            for field in history._meta.concrete_fields
            if not field.name.startswith("history_") and field.name != "history_id"
        ]
        m2m = [
            (field, apps.get_model(app_label, f"Historical{model_name}_{field.name}"))
            for field in model._meta.many_to_many
            if _has_history_model(apps, app_label, f"Historical{model_name}_{field.name}")
        ]
        if not m2m:
            rows = (
                history(**{name: getattr(entry, name) for name in copied}, **marks)
                for entry in model.objects.order_by("pk").iterator(chunk_size=500)
            )
            history.objects.bulk_create(rows, batch_size=500)
            continue
        for entry in model.objects.order_by("pk").iterator(chunk_size=500):
            row = history.objects.create(**{name: getattr(entry, name) for name in copied}, **marks)
            for field, m2m_history in m2m:
                through = field.remote_field.through
                links = through.objects.filter(**{field.m2m_field_name(): entry})
                m2m_history.objects.bulk_create(
                    m2m_history(
                        history=row,
                        **{
                            f.attname: getattr(link, f.attname)
                            for f in through._meta.concrete_fields
                        },
                    )
                    for link in links
                )


def _has_history_model(apps, app_label: str, name: str) -> bool:
    try:
        apps.get_model(app_label, name)
    except LookupError:
        return False
    return True
