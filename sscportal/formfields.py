"""Form fields every app uses: yes/no questions that round-trip, and text free of hidden tricks.

Two classes of defect live here, each fixed once for the whole portal:

- A yes/no question whose rendered option values differ from what its saved value renders as
  shows "Not answered" after a save, and the next save writes that back. The choices below use
  the Python values themselves, so a saved answer always selects its own option.
- Invisible control characters (a right-to-left override turns `invoice\u202egpj.exe` into
  "invoiceexe.jpg" on screen and in letters) are removed from every text a person types.
"""

import re
import unicodedata

from django import forms

NOT_ANSWERED = "Not answered yet"

# Tab, line feed and carriage return are text; every other control or format character is not.
_KEPT_CONTROLS = {"\t", "\n", "\r"}
_LINE_SEPARATORS = re.compile("[\u2028\u2029\u0085]")


def strip_invisible(text: str) -> str:
    """The text without control, format (bidi overrides, zero-width) or private-use characters."""
    text = _LINE_SEPARATORS.sub("\n", text)
    return "".join(
        char
        for char in text
        if char in _KEPT_CONTROLS or unicodedata.category(char) not in {"Cc", "Cf", "Co", "Cs"}
    )


def yes_no_field(
    label: str,
    *,
    yes: str = "Yes",
    no: str = "No",
    required: bool = False,
    help_text: str = "",
    widget: type[forms.Widget] = forms.Select,
) -> forms.TypedChoiceField:
    """A yes/no question; unless required, a draft may leave it unanswered (stored as None)."""
    choices = [(True, yes), (False, no)]
    if not required:
        choices.insert(0, ("", NOT_ANSWERED))
    return forms.TypedChoiceField(
        choices=choices,
        # The options' values are str(True) and str(False), exactly as a saved answer renders;
        # a saved True itself coerces to True, so an unchanged answer is not reported as changed.
        coerce=lambda value: value is True or value == str(True),
        empty_value=None,
        required=required,
        label=label,
        help_text=help_text,
        widget=widget,
    )


class CleanCharField(forms.CharField):
    """A text field that drops invisible characters; a textarea shows its limit as one types."""

    def to_python(self, value):
        value = super().to_python(value)
        return strip_invisible(value) if isinstance(value, str) else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.max_length is not None and isinstance(widget, forms.Textarea):
            # No maxlength on text areas: the browser would cut a paste short without a word.
            attrs.pop("maxlength", None)
            attrs["data-character-limit"] = str(self.max_length)
        return attrs


def limit_of(model, field_name: str) -> int:
    """The length limit of a column, so a plain form's field can never disagree with it."""
    return model._meta.get_field(field_name).max_length
