"""The form that creates a personal API token on the API tokens page."""

from django import forms

from api.models import ApiToken
from api.tokens import EXPIRY_CHOICES_DAYS
from sscportal.formfields import CleanCharField, limit_of

DEFAULT_EXPIRY_DAYS = 30


class ApiTokenForm(forms.Form):
    name = CleanCharField(
        label="Name",
        max_length=limit_of(ApiToken, "name"),
        help_text="Say what the token is for, so you can tell your tokens apart, for example "
        "“Reporting script”.",
        error_messages={
            "required": "Enter a name for the token.",
            "max_length": "Enter a name of at most %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
    )
    scope = forms.ChoiceField(
        label="What the token may do",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read only is enough to list and read. Choose read and write only if the "
        "token must also create, change or submit things.",
        error_messages={
            "required": "Choose what the token may do.",
            "invalid_choice": "Choose what the token may do from the options shown.",
        },
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        choices=[(days, f"{days} days") for days in EXPIRY_CHOICES_DAYS],
        coerce=int,
        initial=DEFAULT_EXPIRY_DAYS,
        help_text="The token stops working after this. You can revoke it sooner.",
        error_messages={
            "required": "Choose when the token expires.",
            "invalid_choice": "Choose when the token expires from the list.",
        },
    )
