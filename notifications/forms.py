from django import forms

from users.models import SSC_MEMBERS_GROUP, User


class SubmitForm(forms.Form):
    declaration_accepted = forms.BooleanField(
        label="I declare that the content of this notification is accurate and complete.",
        error_messages={"required": "Please confirm the declaration before submitting."},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is the notification being withdrawn?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please give a reason for withdrawing."},
    )


class RequestInformationForm(forms.Form):
    question = forms.CharField(
        label="Question for the User",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Please write the question you want answered."},
    )
    response_due_date = forms.DateField(
        label="Answer needed by",
        required=False,
        help_text="Leave empty for the standard 10 SEC working days.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 27/03/2027."},
    )


class ProvideInformationForm(forms.Form):
    response = forms.CharField(
        label="Your answer",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Please write your answer before sending it."},
    )


def ssc_member_choices():
    return User.objects.filter(groups__name=SSC_MEMBERS_GROUP, is_active=True).order_by("full_name")
