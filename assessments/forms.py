from django import forms
from django.utils import timezone

from assessments.models import AssessmentKind, SSCMeeting
from notifications.forms import ssc_member_choices
from notifications.models import AssuranceStatus

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
DATE_ERRORS = {"invalid": "Enter a real date, for example 27/03/2027."}


def upcoming_meetings():
    return SSCMeeting.objects.filter(date__gte=timezone.localdate()).order_by("date")


class StartReviewForm(forms.Form):
    rapporteur = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose an SSC member",
        error_messages={"required": "Please choose a rapporteur."},
    )
    meeting = forms.ModelChoiceField(
        queryset=None,
        label="Meeting that will decide",
        empty_label="Choose a meeting",
        error_messages={"required": "Please choose the meeting that will decide."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rapporteur"].queryset = ssc_member_choices()
        self.fields["meeting"].queryset = upcoming_meetings()


class DecisionForm(forms.Form):
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The reasons the SSC gives the User; it appears in the decision letter.",
        error_messages={"required": "A decision needs a written rationale."},
    )
    meeting = forms.ModelChoiceField(
        queryset=SSCMeeting.objects.order_by("-date"),
        label="Meeting at which the decision was taken",
        error_messages={"required": "Please choose the meeting at which it was decided."},
    )


class NoAssessmentDecisionForm(DecisionForm):
    pass


class AssessmentRequiredDecisionForm(DecisionForm):
    assessment_kind = forms.ChoiceField(
        choices=AssessmentKind.choices, initial=AssessmentKind.G8_13, label="Assessment type"
    )
    assessment_scope = forms.CharField(
        label="Scope", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    assessment_due_date = forms.DateField(
        label="Assessment due by", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class ScheduleForm(forms.Form):
    cio_name = forms.CharField(label="User CIO", max_length=200)
    fieldwork_start_date = forms.DateField(widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    fieldwork_end_date = forms.DateField(widget=DATE_WIDGET, error_messages=DATE_ERRORS)


class StartFieldworkForm(forms.Form):
    started_on = forms.DateField(
        label="Fieldwork started on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class RecordReportForm(forms.Form):
    received_on = forms.DateField(
        label="Report received on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    fieldwork_ended_on = forms.DateField(
        label="Fieldwork ended on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    response_due_date = forms.DateField(
        label="User's response due by", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class RecordResponseForm(forms.Form):
    received_on = forms.DateField(
        label="Response received on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class CompleteForm(forms.Form):
    assurance_status = forms.ChoiceField(choices=AssuranceStatus.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
