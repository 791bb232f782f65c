from django import forms

from users.models import Membership, SecurityEvent


class InviteForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={"required": "Please enter the person's full name."},
    )
    email = forms.EmailField(
        label="Work email address",
        error_messages={
            "required": "Please enter the person's email address.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.PREPARER,
        widget=forms.RadioSelect,
        help_text="Preparers write drafts. Submitters also submit and answer the SSC. "
        "Organisation admins also manage staff.",
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, label="Role")
    is_active = forms.TypedChoiceField(
        choices=[("true", "Active"), ("false", "Deactivated")],
        coerce=lambda value: value == "true",
        label="Access",
    )


class TwoFactorCodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Please enter the code."},
    )


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, label="Event")
    who = forms.CharField(required=False, label="Person (email contains)", max_length=254)
    since = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 27/03/2027."},
    )
    until = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 27/03/2027."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any event"), *SecurityEvent.Kind.choices]
