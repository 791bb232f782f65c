"""Every form in the portal round-trips: a saved value, shown and posted back, stays that value.

A form that renders a saved answer as something else (a Yes shown as "Not answered yet") loses
it on the next save. These tests find every form class in the portal by themselves, give each
field every kind of value it can hold, render the form the ways the pages do, read back what a
browser would send from the HTML alone, and check each field cleans to the value it started
with. A new form is covered without anyone adding it here; a field of a kind these tests do
not know fails until they are taught it.
"""

import datetime
import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from crispy_forms.utils import render_crispy_form
from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import model_to_dict
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments.models import AgendaItem, Assessment, ReferralGround, SSCMeeting
from notifications.models import (
    DeliveryModel,
    Notification,
    SharedResourceProvider,
    UserSystem,
)
from tests import factories
from tests.html_forms import as_query_dict, fields_of, form_data, postable
from users.models import Membership, UserRole

PORTAL_PACKAGES = ["users", "notifications", "assessments", "sscportal"]
SAMPLE_TEXT = "Round trip ✓ – “quoted” & <b>not bold</b>  two spaces"
SAMPLE_PARAGRAPHS = f"{SAMPLE_TEXT}\n\nA second paragraph,\r\nand a line ending in a space "


def portal_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in the portal's own modules (migrations aside)."""
    found = {}
    for package_name in PORTAL_PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module_info.name or module_info.name.endswith(
                ("wsgi", "celery", "settings", "test_settings")
            ):
                continue
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


FORM_CLASSES = portal_form_classes()


def constructor_kwargs(form_class, data) -> dict:
    """Forms that need more than data to be built; a new one fails until it is listed here."""
    parameters = inspect.signature(form_class.__init__).parameters
    kwargs = {}
    if "organisation" in parameters:
        kwargs["organisation"] = data["organisation"]
    if "case" in parameters:
        kwargs["case"] = data["case"]
    if "meeting" in parameters and parameters["meeting"].default is inspect.Parameter.empty:
        # The minuted decision's form is for one meeting held: its attendees are the choices.
        kwargs["meeting"] = (
            SSCMeeting.objects.filter(date__lte=timezone.localdate()).first()
            or factories.SSCMeetingFactory()
        )
    if "grounds" in parameters:  # a referral offers the grounds that apply to its case
        kwargs["grounds"] = list(ReferralGround.values)
    return kwargs


@pytest.fixture
def reference_data(db, organisation, ssc_member, secas):
    """Something for every kind of choice to choose from."""
    factories.SSCMeetingFactory(date=timezone.localdate() + datetime.timedelta(days=10))
    held = factories.SSCMeetingFactory(date=timezone.localdate() - datetime.timedelta(days=10))
    factories.ssc_user(full_name="Another Member")
    factories.SharedResourceProviderFactory(name="Round Trip SRP")
    factories.SharedResourceProviderFactory(name="Second SRP")
    factories.OrganisationFactory(name="Second Organisation Ltd")
    UserSystem.objects.create(
        organisation=organisation, name="Round Trip System", delivery_model="in_house"
    )
    Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        cycle_year=1,
        due_date=timezone.localdate() + datetime.timedelta(days=200),
        scope="Annual review",
    )
    # A case on the agenda of the meeting held, to be deferred to the one to come.
    case = factories.NotificationFactory(organisation=organisation)
    AgendaItem.objects.create(meeting=held, notification=case)
    return {"organisation": organisation, "case": case}


def flat_choice_values(field) -> list:
    values = []
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):
            values.extend(inner for inner, _ in label)
        else:
            values.append(value)
    return [value for value in values if value not in ("", None)]


def sample_values(field: forms.Field) -> list:
    """Every kind of value the field can hold, as the view's saved data would hold it."""
    optional = [None] if not field.required else []
    if isinstance(field, forms.FileField) or isinstance(field.widget, forms.PasswordInput):
        return []  # a browser never sends a file or a password back: nothing to lose
    if field.disabled:
        return []  # shown only (the password hash): what is posted is ignored
    if isinstance(field, forms.ModelMultipleChoiceField):
        objects = list(field.queryset[:3])
        assert objects, f"no choices to test {field!r} with: extend reference_data"
        return [objects[:2], objects[-1:], *([[]] if not field.required else [])]
    if isinstance(field, forms.ModelChoiceField):
        objects = list(field.queryset[:3])
        assert objects, f"no choices to test {field!r} with: extend reference_data"
        return objects + optional
    if isinstance(field, forms.MultipleChoiceField):
        values = flat_choice_values(field)
        return [values[:2], values[-1:]]
    if isinstance(field, forms.ChoiceField):
        values = flat_choice_values(field)
        assert values, f"no choices to test {field!r} with"
        # The saved value is what the field cleans a choice to (a bool for a yes/no question).
        cleaned = [field.clean(str(value)) for value in values]
        offers_empty = any(value in ("", None) for value, _ in field.choices)
        if offers_empty and not field.required:
            cleaned.append(getattr(field, "empty_value", ""))
        return cleaned
    if isinstance(field, forms.NullBooleanField):
        return [True, False, None]
    if isinstance(field, forms.BooleanField):
        return [True] if field.required else [True, False]
    if isinstance(field, forms.DateTimeField):
        # Shown to the minute and second, so a saved time with no microseconds round-trips.
        moment = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3)
        return [moment, *optional]
    if isinstance(field, forms.DateField):
        return [timezone.localdate() + datetime.timedelta(days=45), *optional]
    if isinstance(field, forms.IntegerField):
        low = field.min_value if field.min_value is not None else 0
        return [low, low + 7, *optional]
    if isinstance(field, forms.DecimalField):
        return [Decimal("12.50"), *optional]
    if isinstance(field, forms.EmailField):
        return ["person@example.org", *([""] if not field.required else [])]
    if isinstance(field, forms.CharField):
        text = SAMPLE_PARAGRAPHS if isinstance(field.widget, forms.Textarea) else SAMPLE_TEXT
        if field.strip:
            text = text.strip()
        if field.max_length:
            text = text[: field.max_length].strip() if field.strip else text[: field.max_length]
        return [text, *([""] if not field.required else [])]
    pytest.fail(f"the round-trip test does not know {type(field).__name__}: teach sample_values")


def comparable(value):
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    if isinstance(value, (list, tuple, models.QuerySet)):
        return sorted(comparable(item) for item in value)
    return value


def variants(form) -> list[dict]:
    """Enough initial data sets that every field shows every kind of value at least once."""
    per_field = {name: sample_values(field) for name, field in form.fields.items()}
    per_field = {name: values for name, values in per_field.items() if values}
    count = max((len(values) for values in per_field.values()), default=0)
    return [
        {name: values[i % len(values)] for name, values in per_field.items()} for i in range(count)
    ]


def renderings(form) -> dict[str, str]:
    """The ways the portal's templates draw a form: crispy (filter or helper) and Django's own."""
    rendered = {"django": form.as_div()}
    if getattr(form, "helper", None) is not None:
        rendered["crispy helper"] = render_crispy_form(form)
    else:
        rendered["crispy filter"] = Template(
            "{% load crispy_forms_tags %}{{ form|crispy }}"
        ).render(Context({"form": form}))
    return rendered


def cleaned_from_post(form_class, data, kwargs, name):
    form = form_class(data=data, **kwargs)
    field = form.fields[name]
    raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return field.clean(raw)


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=[cls.__qualname__ for cls in FORM_CLASSES])
def test_every_form_shows_each_saved_value_so_that_posting_it_back_keeps_it(
    reference_data, form_class
):
    kwargs = constructor_kwargs(form_class, reference_data)
    template_form = form_class(**kwargs)
    cases = variants(template_form)
    if not cases:
        pytest.skip(f"{form_class.__qualname__} has no field a browser sends back")
    problems = []
    for initial in cases:
        form = form_class(initial=initial, **kwargs)
        for how, html in renderings(form).items():
            posted = as_query_dict(fields_of(html))
            # Posted back unchanged, the form must not claim a change (audit and admin logs).
            changed = form_class(data=posted, initial=initial, **kwargs).changed_data
            problems += [f"{name} ({how}): reported as changed when it was not" for name in changed]
            for name, expected in initial.items():
                try:
                    got = cleaned_from_post(form_class, posted, kwargs, name)
                except forms.ValidationError as error:
                    got = f"refused: {error.messages}"
                if comparable(got) != comparable(expected):
                    problems.append(
                        f"{name} ({how}): saved {expected!r}, page sends back "
                        f"{posted.getlist(name)!r}, which means {got!r}"
                    )
    assert not problems, f"{form_class.__qualname__} loses what it shows:\n" + "\n".join(problems)


def test_the_portal_forms_are_found(reference_data):
    names = {cls.__qualname__ for cls in FORM_CLASSES}
    assert {"NotificationForm", "CaseDecisionForm", "MembershipForm", "MeetingForm"} <= names


# --- Whole pages: what the page shows for a saved object, posted back, changes nothing ---------


def notification_values(notification) -> dict:
    values = model_to_dict(notification, exclude=["id"])
    values["user_roles"] = sorted(role.pk for role in values["user_roles"])
    return values


@pytest.mark.parametrize("answer", [True, False, None])
@pytest.mark.parametrize("action", ["Save draft", "Save and check your answers"])
def test_saving_the_draft_page_unchanged_keeps_every_answer(
    client, draft, preparer, answer, action
):
    provider = SharedResourceProvider.objects.create(name="Round Trip SRP")
    draft.delivery_model = DeliveryModel.SRP
    draft.provider = provider
    draft.same_isms_scope = answer
    draft.same_controls = not answer if answer is not None else None
    draft.has_known_non_compliances = bool(answer)
    draft.known_non_compliances = "Quarterly access reviews, not monthly." if answer else ""
    draft.purpose = SAMPLE_PARAGRAPHS.strip()
    draft.smets1_meter_count = 0
    draft.smets2_meter_count = 250_000
    draft.risk_assessment_date = datetime.date(2026, 3, 1)
    draft.save()
    draft.user_roles.set(UserRole.objects.all()[:2])
    before = notification_values(Notification.objects.get(pk=draft.pk))

    client.force_login(preparer)
    url = reverse("notifications:edit", args=[draft.pk])
    data = form_data(client.get(url).content.decode(), action=url)
    data["action"] = action
    response = client.post(url, postable(data))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert notification_values(Notification.objects.get(pk=draft.pk)) == before


def test_the_staff_page_posts_back_each_persons_role_and_access_unchanged(
    client, organisation, org_admin
):
    deactivated = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.SUBMITTER, is_active=False
    )
    client.force_login(org_admin)
    page = client.get(reverse("users:staff", args=[organisation.pk])).content.decode()
    url = reverse("users:membership", args=[organisation.pk, deactivated.pk])
    response = client.post(url, postable(form_data(page, action=url)))

    assert response.status_code == 302
    deactivated.refresh_from_db()
    assert (deactivated.role, deactivated.is_active) == (Membership.Role.SUBMITTER, False)


# --- The admin: every change page, saved unchanged, changes nothing -----------------------------


@pytest.fixture
def seeded(db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_every_admin_change_page_saved_unchanged_changes_nothing(seeded, client):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    request = RequestFactory().get("/")
    request.user = superuser
    problems = []
    checked = 0
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.order_by("pk").last()
        if obj is None or not model_admin.has_change_permission(request, obj):
            continue
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
        )
        page = client.get(url)
        assert page.status_code == 200, url
        data = form_data(page.content.decode(), form_id=f"{model._meta.model_name}_form")
        if not [name for name in data if name != "csrfmiddlewaretoken"]:
            continue
        before = model_to_dict(model._default_manager.get(pk=obj.pk))
        data["_save"] = "Save"
        response = client.post(url, postable(data))
        after = model_to_dict(model._default_manager.get(pk=obj.pk))
        checked += 1
        if response.status_code != 302:
            problems.append(f"{url}: the unchanged form was refused ({response.status_code})")
        elif comparable_dict(before) != comparable_dict(after):
            changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
            problems.append(f"{url}: saving unchanged changed {changed}")
    assert checked >= 5
    assert not problems, "\n".join(problems)


def comparable_dict(values: dict) -> dict:
    # The admin shows times to the second; the fraction was never typed by anyone.
    return {
        name: value.replace(microsecond=0)
        if isinstance(value, datetime.datetime)
        else comparable(value)
        for name, value in values.items()
    }
