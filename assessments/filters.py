"""The SSC queue's filters (django-filter): what the form offers and how each narrows the cases.

The filter set only narrows what it is given: the view hands it `selectors.case_queue(user)`,
the cases the person may see, so no filter can reach a case the person could not open.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone

from assessments.forms import MeetingChoiceField, queue_meetings
from assessments.models import SSCMeeting
from assessments.papers import awaiting_recommendation
from assessments.selectors import ALL_CASES, LIVE_CASES, SORTS
from notifications.models import DeliveryModel, Notification, NotificationState
from sscportal.filtering import ListFilterSet, TypedTextFilter
from sscportal.formfields import limit_of
from users.models import Organisation, PartyCategory

DEFAULT_SORT = "go_live"
# Shown beside a choice that is not on the list (a hand-edited or outdated address).
NOT_AN_OPTION = {
    "invalid_choice": "“%(value)s” is not one of the options: choose one from the list."
}


class CaseStateFilter(django_filters.ChoiceFilter):
    """Live cases unless asked for all of them or one state."""

    def filter(self, qs, value):
        if not value:
            return qs.undecided()
        if value == ALL_CASES:
            return qs
        return qs.filter(state=value)


class SortFilter(django_filters.ChoiceFilter):
    """The order asked for, each served by an index; go-live order unless asked otherwise."""

    def filter(self, qs, value):
        return qs.order_by(*SORTS.get(value or DEFAULT_SORT, SORTS[DEFAULT_SORT]))


class TickFilter(django_filters.Filter):
    """A checkbox: ticked narrows the list, unticked leaves it alone."""

    field_class = forms.BooleanField


class DaysFilter(django_filters.Filter):
    field_class = forms.IntegerField


class MeetingFilter(django_filters.ModelChoiceFilter):
    """Meetings offered by date and kind, as everywhere else in the portal."""

    field_class = MeetingChoiceField


class CaseQueueFilter(ListFilterSet):
    state = CaseStateFilter(
        label="Cases",
        empty_label=None,
        choices=[
            (LIVE_CASES, "Live cases (awaiting a decision)"),
            (ALL_CASES, "All cases, decided and closed included"),
            *[(v, label) for v, label in NotificationState.choices if v != NotificationState.DRAFT],
        ],
        error_messages=NOT_AN_OPTION,
    )
    # Typed, not chosen from every organisation: static/js/organisation-search.js suggests names.
    organisation = TypedTextFilter(
        field_name="organisation__name",
        lookup_expr="icontains",
        label="Organisation name contains",
        max_length=limit_of(Organisation, "name"),
        widget=forms.TextInput(attrs={"list": "organisation-suggestions", "autocomplete": "off"}),
    )
    party_category = django_filters.ChoiceFilter(
        field_name="organisation__party_category",
        label="Party category",
        empty_label="Any category",
        choices=PartyCategory.choices,
        error_messages=NOT_AN_OPTION,
    )
    delivery_model = django_filters.ChoiceFilter(
        label="Delivery model",
        empty_label="Any delivery model",
        choices=DeliveryModel.choices,
        error_messages=NOT_AN_OPTION,
    )
    late = TickFilter(label="Late notifications only", method="filter_late")
    go_live_within = DaysFilter(
        label="Go-live within (days)",
        method="filter_go_live_within",
        min_value=0,
        max_value=3650,
        error_messages={"invalid": "Enter a number of days, e.g. 30."},
    )
    mine = TickFilter(label="My cases (I am rapporteur)", method="filter_mine")
    recommendation_due = TickFilter(
        label="Recommendation due (meeting near, none recorded)",
        method="filter_recommendation_due",
    )
    meeting = MeetingFilter(
        field_name="agenda_items__meeting",
        label="Meeting",
        # Offered per form (QueueFilterForm): the window moves with the date.
        queryset=SSCMeeting.objects.none(),
        empty_label="Any meeting",
        help_text="Meetings of the last 3 months and the next 6.",
        error_messages={"invalid_choice": "That meeting is not one of the options: choose one."},
    )
    sort = SortFilter(
        label="Sort",
        empty_label=None,
        choices=[
            ("go_live", "Go-live date, soonest first"),
            ("oldest", "Oldest submission first"),
            ("newest", "Newest submission first"),
        ],
        error_messages=NOT_AN_OPTION,
    )

    class Meta:
        model = Notification
        fields = ()

    def get_form_class(self):
        return QueueFilterForm

    def filter_late(self, queryset, name, value):
        return queryset.late() if value else queryset

    def filter_go_live_within(self, queryset, name, value):
        horizon = timezone.localdate() + timedelta(days=value)
        return queryset.filter(planned_go_live_date__lte=horizon)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(rapporteur=self.request.user) if value else queryset

    def filter_recommendation_due(self, queryset, name, value):
        return awaiting_recommendation(queryset, timezone.localdate()) if value else queryset


class QueueFilterForm(CaseQueueFilter.fields_form()):
    """The queue's filters as the page draws them (Bootstrap's small controls)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = queue_meetings()
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-control form-control-sm"
