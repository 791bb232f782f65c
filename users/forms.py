from django import forms

from users.models import Membership


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
