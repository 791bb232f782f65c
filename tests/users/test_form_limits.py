"""Every text a users form accepts fits the column it ends up in.

SQLite stores a 262-character address in a 255-character column without a word; PostgreSQL
refuses it with a 500. So the limit is checked here, on the forms, whatever the database.
The limit that counts is the one the field *enforces* (its MaxLengthValidator): Django's
AuthenticationForm sets `max_length` on the username field without enforcing it.
"""

import inspect

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.core.validators import MaxLengthValidator
from django.urls import resolve, reverse

from users import filters as users_filters
from users import forms as users_forms
from users.models import Membership, SecurityEvent, User


def column(model, name):
    return model._meta.get_field(name)


# Where each typed text ends up: the field's limit must be that of the narrowest column.
SIGN_IN_NAME = [
    column(User, "email"),
    column(AccessAttempt, "username"),
    column(AccessFailureLog, "username"),
    column(AccessLog, "username"),
    column(SecurityEvent, "actor_email"),
]
COLUMNS = {
    ("SignInForm", "username"): SIGN_IN_NAME,
    ("AdminSignInForm", "username"): SIGN_IN_NAME,
    ("InviteForm", "full_name"): [column(User, "full_name"), column(Membership, "invited_name")],
    ("InviteForm", "email"): [column(User, "email")],
    ("AuditFilterForm", "who"): [column(SecurityEvent, "actor_email")],
}
# Text that is never stored as typed, so no column limits it.
NOT_STORED = {
    ("SignInForm", "password"): "checked against the hash",
    ("AdminSignInForm", "password"): "checked against the hash",
    ("TwoFactorCodeForm", "token"): "compared with the device's codes",
}


def sign_in_forms():
    portal = resolve(reverse("login")).func.view_initkwargs["authentication_form"]
    return [portal, admin.site.login_form]


def users_app_forms():
    # The audit trail's filter form is built from its filters, in users/filters.py.
    return [
        form
        for module in (users_forms, users_filters)
        for _, form in inspect.getmembers(module, inspect.isclass)
        if issubclass(form, forms.BaseForm)
        and form.__module__ == module.__name__
        and not form.__name__.startswith("_")  # a shared base, checked through its forms
    ]


def text_fields(form_class):
    form = form_class()
    return {
        name: field for name, field in form.fields.items() if isinstance(field, forms.CharField)
    }


def enforced_limit(field):
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    return min(limits, default=None)


def every_text_field():
    seen = {}
    for form_class in [*sign_in_forms(), *users_app_forms()]:
        for name, field in text_fields(form_class).items():
            seen[(form_class.__name__, name)] = field
    return seen


def test_both_sign_in_pages_use_the_portals_forms():
    assert [form.__name__ for form in sign_in_forms()] == ["SignInForm", "AdminSignInForm"]


def test_every_text_field_is_either_mapped_to_its_columns_or_known_not_stored():
    # A new text field fails here until someone decides which column it ends up in.
    assert set(every_text_field()) == set(COLUMNS) | set(NOT_STORED)


@pytest.mark.parametrize("key", sorted(COLUMNS))
def test_a_text_fields_enforced_limit_matches_its_narrowest_column(key):
    field = every_text_field()[key]
    narrowest = min(col.max_length for col in COLUMNS[key])
    assert enforced_limit(field) == narrowest, f"{key} vs {[str(c) for c in COLUMNS[key]]}"
    assert field.max_length == narrowest  # and the page's maxlength says the same
