"""Free text: every field has a limit that suits it, says so, and never keeps invisible characters.

The guards look at every model column and every form the portal has, found by themselves, so
a new text field without a limit, or one that would keep a right-to-left override, fails here.
"""

from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from notifications.models import Notification
from sscportal.fields import PlainCharField, PlainTextField
from sscportal.formfields import strip_invisible
from tests import factories
from tests.html_forms import form_data, postable
from tests.test_form_round_trip import FORM_CLASSES, constructor_kwargs

PORTAL_APPS = {"users", "notifications", "assessments"}
# Columns the portal writes itself (references, email bodies, logs), never typed by a person.
SYSTEM_WRITTEN = {
    "users.User.password",
    "users.User.email",
    "users.CalendarFeed.token",
    "users.SecurityEvent.actor_email",
    "users.SecurityEvent.summary",
    "users.SecurityEvent.ip_address",
    "notifications.Notification.reference",
    "notifications.Attachment.original_name",
    "notifications.Attachment.content_type",
    "assessments.AssessmentDocument.original_name",
    "assessments.AssessmentDocument.content_type",
    "assessments.StepEvidence.original_name",
    "assessments.StepEvidence.content_type",
    "assessments.AppealDocument.original_name",
    "assessments.AppealDocument.content_type",
    "mail.OutboundEmail.kind",
    "mail.OutboundEmail.subject",
    "mail.OutboundEmail.body_text",
    "mail.OutboundEmail.body_html",
    "mail.OutboundEmail.last_error",
    "mail.OutboundEmail.template",
    "assessments.Reminder.target",
    # A published paper as rendered (escaped) from the record; never typed.
    "assessments.MeetingPaper.body_html",
    # Register history: the services write the change reason (sscportal.history caps it),
    # for every register that keeps one.
    *(
        f"{model._meta.label}.history_change_reason"
        for model in apps.get_models()
        if model.__name__.startswith("Historical") and hasattr(model, "history_change_reason")
    ),
}
HIDDEN_TRICKS = "invoice\u202egpj.exe\u200b\u2066\ufeff"


def text_columns():
    for model in apps.get_models():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, (models.CharField, models.TextField)) and not (
                field.choices or isinstance(field, (models.EmailField, models.SlugField))
            ):
                yield f"{model._meta.app_label}.{model.__name__}.{field.name}", field


def test_every_column_a_person_types_into_has_a_limit_and_a_clean_form_field():
    unguarded = [
        name
        for name, field in text_columns()
        if name not in SYSTEM_WRITTEN
        and not (isinstance(field, (PlainCharField, PlainTextField)) and field.max_length)
    ]
    assert not unguarded, (
        "Use sscportal.fields.PlainCharField / PlainTextField(max_length=…) for: "
        + ", ".join(unguarded)
    )


def test_the_model_refuses_text_over_its_limit_on_every_database(draft):
    draft.purpose = "x" * (Notification._meta.get_field("purpose").max_length + 1)
    with pytest.raises(ValidationError) as refusal:
        draft.clean_fields(exclude=["state"])  # the lifecycle field is set only by transitions
    assert "purpose" in refusal.value.message_dict


def portal_text_fields(reference_data):
    for form_class in FORM_CLASSES:
        form = form_class(**constructor_kwargs(form_class, reference_data))
        for name, field in form.fields.items():
            # A password is compared exactly as typed, never cleaned.
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.PasswordInput
            ):
                yield f"{form_class.__qualname__}.{name}", field


@pytest.fixture
def reference_data(organisation):
    case = factories.NotificationFactory(organisation=organisation)
    return {"organisation": organisation, "case": case}


def test_every_text_field_of_every_form_has_a_limit(reference_data):
    unlimited = [
        name
        for name, field in portal_text_fields(reference_data)
        if field.max_length is None and not isinstance(field, forms.EmailField)
    ]
    assert not unlimited, "Give these form fields a max_length: " + ", ".join(unlimited)


def test_every_text_field_of_every_form_drops_or_refuses_invisible_characters(reference_data):
    kept = []
    for name, field in portal_text_fields(reference_data):
        try:
            cleaned = field.clean(HIDDEN_TRICKS)
        except ValidationError:
            continue  # refused with a message is as good as dropped
        if cleaned != strip_invisible(cleaned) or "\u202e" in cleaned:
            kept.append(name)
    assert not kept, "These fields keep invisible characters: " + ", ".join(kept)


def test_every_admin_form_drops_invisible_characters(db):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = superuser
    kept = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        if not (
            model_admin.has_change_permission(request) or model_admin.has_add_permission(request)
        ):
            continue
        form_class = model_admin.get_form(request)
        for name, field in form_class.base_fields.items():
            if (
                not isinstance(field, forms.CharField)
                or isinstance(field, forms.EmailField)
                or isinstance(field.widget, forms.PasswordInput)
            ):
                continue
            try:
                cleaned = field.clean(HIDDEN_TRICKS)
            except ValidationError:
                continue
            if "\u202e" in cleaned:
                kept.append(f"{model.__name__}.{name}")
    assert not kept, "These admin fields keep invisible characters: " + ", ".join(kept)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("isolate \u2066RLI\u2069 and \u202aLRE\u202c", "isolate RLI and LRE"),
        ("line\u2028separator", "line\nseparator"),
        ("Tabs\tand\r\nnew lines stay", "Tabs\tand\r\nnew lines stay"),
        ("Accents, “quotes”, – dashes and emoji 🔐 stay", None),
    ],
)
def test_invisible_characters_are_stripped_and_visible_text_is_untouched(typed, kept):
    assert strip_invisible(typed) == (typed if kept is None else kept)


def test_a_system_name_with_a_right_to_left_override_is_saved_without_it(client, draft, preparer):
    client.force_login(preparer)
    url = reverse("notifications:edit", args=[draft.pk])
    data = form_data(client.get(url).content.decode(), action=url)
    data["system_name"] = "invoice\u202egpj.exe"
    data["action"] = "Save draft"
    assert client.post(url, postable(data)).status_code == 302
    draft.refresh_from_db()
    assert draft.system_name == "invoicegpj.exe"


def test_a_too_long_answer_is_an_error_beside_its_field_and_everything_typed_is_kept(
    client, draft, preparer
):
    client.force_login(preparer)
    url = reverse("notifications:edit", args=[draft.pk])
    data = form_data(client.get(url).content.decode(), action=url)
    limit = Notification._meta.get_field("purpose").max_length
    data["purpose"] = "p" * (limit + 1)
    data["hosting_location"] = "Typed but not yet saved: Cardiff"
    data["action"] = "Save draft"
    response = client.post(url, postable(data))

    assert response.status_code == 200
    page = response.content.decode()
    field_box = page[page.index('id="div_id_purpose"') :]
    field_box = field_box[: field_box.index('id="div_id_user_roles"')]
    assert f"at most {limit:,}" in field_box or f"at most {limit}" in field_box
    assert "p" * (limit + 1) in page  # what was typed is shown back, not cut
    assert "Typed but not yet saved: Cardiff" in page
    assert 'href="#id_purpose"' in page  # the summary leads to the field
    draft.refresh_from_db()
    assert draft.hosting_location != "Typed but not yet saved: Cardiff"


def test_text_areas_show_their_limit_and_are_not_cut_short_by_the_browser(client, draft, preparer):
    client.force_login(preparer)
    page = client.get(reverse("notifications:edit", args=[draft.pk])).content.decode()
    assert 'data-character-limit="5000"' in page
    assert "js/character-count.js" in page
    textareas = page.split("<textarea")[1:]
    assert textareas
    assert not [area for area in textareas if "maxlength" in area.split(">")[0]]


def test_the_longest_notification_a_person_may_write_fits_in_one_request(draft):
    """Every field at its limit, in four-byte characters, stays under Django's request limit."""
    from notifications.forms import NotificationForm

    form = NotificationForm(instance=draft)
    data = {
        name: "🔐" * field.max_length
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and field.max_length
    }
    body = urlencode(data).encode()
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
