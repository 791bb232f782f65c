"""The audit trail's filters (django-filter): the page and its CSV export narrow the trail alike."""

import django_filters
from django import forms

from sscportal.filtering import ListFilterSet, TypedTextFilter
from users.forms import EMAIL_MAX_LENGTH
from users.models import SecurityEvent

DATE_ERRORS = {"invalid": "Enter a real date, for example 27/03/2027."}


def date_filter(label: str, lookup_expr: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name="at__date",
        lookup_expr=lookup_expr,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )


class AuditTrailFilter(ListFilterSet):
    kind = django_filters.ChoiceFilter(
        label="Event",
        empty_label="Any event",
        choices=SecurityEvent.Kind.choices,
        error_messages={
            "invalid_choice": "“%(value)s” is not one of the events: choose one from the list."
        },
    )
    who = TypedTextFilter(
        field_name="actor_email",
        lookup_expr="icontains",
        label="Person (email contains)",
        max_length=EMAIL_MAX_LENGTH,
    )
    since = date_filter("From", "gte")
    until = date_filter("To", "lte")

    class Meta:
        model = SecurityEvent
        fields = ()

    def get_form_class(self):
        return AuditFilterForm


class AuditFilterForm(AuditTrailFilter.fields_form()):
    """The audit trail's filters as the page draws them."""
