"""Filters for the portal's lists (django-filter), with the two rules every list keeps.

- A filter form that does not validate shows the list's default (and its errors), never an
  error page and never half of what was asked: a person who sees a list believes it is filtered.
- The form is one named class in the filter set's module, built from the filters, so the page
  and the round-trip tests (which find forms by themselves) draw the very same form.
"""

import django_filters
from django import forms

from sscportal.formfields import CleanCharField


class TypedTextFilter(django_filters.CharFilter):
    """Text a person types, free of invisible characters."""

    field_class = CleanCharField


class ListFilterSet(django_filters.FilterSet):
    """A list's filters. Subclasses name their form in `get_form_class` (built by `fields_form`).

    Every filter is applied, the invalid or absent ones with no value: a filter that has a
    default (the queue's live cases, its sort) applies the default when given None.
    """

    @classmethod
    def fields_form(cls) -> type[forms.Form]:
        """A form class holding the filters' fields, to subclass with the page's styling."""
        fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
        return type(f"{cls.__name__}Fields", (forms.Form,), fields)

    def get_form_class(self) -> type[forms.Form]:
        raise NotImplementedError("Name the form class the page draws.")

    @property
    def was_refused(self) -> bool:
        """True when filters were sent but could not be applied (the default list is shown)."""
        return self.is_bound and not self.form.is_valid()

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            values = self.form.cleaned_data if self.is_valid() else {}
            queryset = self.queryset.all()
            for name, filter_ in self.filters.items():
                queryset = filter_.filter(queryset, values.get(name))
            self._qs = queryset
        return self._qs
