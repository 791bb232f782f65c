from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from assessments import selectors
from assessments.follow_up import FollowUpPlan
from assessments.models import (
    AnnualReviewFlagChange,
    Appeal,
    Assessment,
    AssessmentDecision,
    AssessmentKind,
    Decision,
    Deferral,
    MeetingConflict,
    MeetingPapers,
    OutcomeProposal,
    PanelReferral,
    Recommendation,
    ReferralGround,
    RemediationStep,
    SSCMeeting,
    WrittenProcedure,
    WrittenProcedureReply,
)
from notifications.forms import DATE_WIDGET as ISO_DATE_WIDGET
from notifications.forms import AttachmentForm, SensibleDateField
from notifications.models import AssuranceStatus, SrpCoverage, UserSystem
from notifications.selectors import ssc_members
from sscportal.formfields import CleanCharField, limit_of, yes_no_field
from users.models import Organisation, User

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
DATE_ERRORS = {"invalid": "Enter a real date, for example 27/03/2027."}


class MeetingChoiceField(forms.ModelChoiceField):
    """Meetings are chosen by date and kind, which a title alone ("SSC meeting 185") lacks."""

    def label_from_instance(self, meeting):
        label = f"{meeting.date:%a %d/%m/%Y} – {meeting.get_kind_display()}"
        return f"{label} – {meeting.title}" if meeting.title else label


# Meetings offered in a choice: a window around today, never the whole history.
MEETING_CHOICES_LIMIT = 40


def capped(queryset, limit: int):
    """The first `limit` rows of an ordered queryset, as a queryset a choice field can still
    validate a posted value against (a sliced one cannot be filtered)."""
    return queryset.model.objects.filter(pk__in=queryset.values("pk")[:limit]).order_by(
        *queryset.query.order_by
    )


def upcoming_meetings():
    return capped(
        SSCMeeting.objects.filter(date__gte=timezone.localdate())
        .exclude(kind=SSCMeeting.Kind.WRITTEN)
        .order_by("date"),
        MEETING_CHOICES_LIMIT,
    )


def recent_meetings_held(*, months: int = 6):
    """Meetings held in the last few months, newest first: where a decision is recorded (a
    decision by correspondence is recorded only by the written procedure that carried)."""
    today = timezone.localdate()
    return capped(
        SSCMeeting.objects.filter(date__lte=today, date__gte=today - relativedelta(months=months))
        .exclude(kind=SSCMeeting.Kind.WRITTEN)
        .order_by("-date"),
        MEETING_CHOICES_LIMIT,
    )


def queue_meetings():
    """The queue's meeting filter: the last 3 months and the next 6, nearest to today first
    when there are more than a select can sensibly offer."""
    today = timezone.localdate()
    half = MEETING_CHOICES_LIMIT // 2
    past = SSCMeeting.objects.filter(
        date__lt=today, date__gte=today - relativedelta(months=3)
    ).order_by("-date")
    ahead = SSCMeeting.objects.filter(
        date__gte=today, date__lte=today + relativedelta(months=6)
    ).order_by("date")
    return SSCMeeting.objects.filter(
        Q(pk__in=past.values("pk")[:half]) | Q(pk__in=ahead.values("pk")[:half])
    ).order_by("-date")


class StartReviewForm(forms.Form):
    rapporteur = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose an SSC member",
        error_messages={"required": "Please choose a rapporteur."},
    )
    meeting = MeetingChoiceField(
        queryset=None,
        label="Meeting that will decide",
        empty_label="Choose a meeting",
        error_messages={"required": "Please choose the meeting that will decide."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rapporteur"].queryset = ssc_members()
        self.fields["meeting"].queryset = upcoming_meetings()


class DecisionForm(forms.Form):
    rationale = CleanCharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=limit_of(Decision, "rationale"),
        help_text="The reasons the SSC gives the User; it appears in the decision letter.",
        error_messages={"required": "A decision needs a written rationale."},
    )
    meeting = MeetingChoiceField(
        queryset=SSCMeeting.objects.order_by("-date"),
        label="Meeting at which the decision was taken",
        error_messages={"required": "Please choose the meeting at which it was decided."},
    )


class NoAssessmentDecisionForm(DecisionForm):
    pass


COUNTS_HELP = (
    "Leave unticked unless the SSC decided this assessment also serves as the User's annual "
    "review: only then does it restart the 12-month annual-review clock."
)


class AssessmentRequiredDecisionForm(DecisionForm):
    assessment_kind = forms.ChoiceField(
        choices=[("", "Choose…"), *AssessmentKind.choices],
        label="Assessment type",
        error_messages={"required": "Choose the type of assessment: FUSA, VUSA or USSA."},
    )
    assessment_counts_as_annual_review = forms.BooleanField(
        label="Counts as the annual review", required=False, help_text=COUNTS_HELP
    )
    assessment_scope = CleanCharField(
        label="Scope",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(Assessment, "scope"),
        required=False,
    )
    assessment_due_date = SensibleDateField(
        label="Assessment due by", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


RESPONSE_DUE_LABEL = "Response due (date set by the SSC)"
RESPONSE_DUE_HELP = "The User is emailed that the report is on the portal and its response is due."
DOCUMENT_SLOTS = 3  # files sent with one step; the first is required


def document_forms(
    data=None, files=None, *, slots: int = DOCUMENT_SLOTS, first_required: bool = True
) -> list[AttachmentForm]:
    """One checked-upload form per slot, with a notification file's checks (type by content,
    size limit, safe name) and its TLP marking; the first slot is required unless told."""
    return [
        AttachmentForm(
            data,
            files,
            prefix=f"file{slot}",
            empty_permitted=slot > 1 or not first_required,
            use_required_attribute=slot == 1 and first_required,
        )
        for slot in range(1, slots + 1)
    ]


def checked_documents(uploads: list[AttachmentForm]) -> list[tuple]:
    """The valid uploads as the services take them: (upload, file kind, TLP, description)."""
    return [
        (
            upload.cleaned_data["file"],
            upload.cleaned_data["file"].kind,
            upload.cleaned_data["tlp"],
            upload.cleaned_data.get("description", ""),
        )
        for upload in uploads
        if upload.cleaned_data.get("file")
    ]


class ScheduleForm(forms.Form):
    cio_name = CleanCharField(label="User CIO", max_length=limit_of(Assessment, "cio_name"))
    fieldwork_start_date = SensibleDateField(widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    fieldwork_end_date = SensibleDateField(widget=DATE_WIDGET, error_messages=DATE_ERRORS)


class StartFieldworkForm(forms.Form):
    started_on = SensibleDateField(
        label="Fieldwork started on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class RecordReportForm(forms.Form):
    received_on = SensibleDateField(
        label="Report received on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    fieldwork_ended_on = SensibleDateField(
        label="Fieldwork ended on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    response_due_date = SensibleDateField(
        label=RESPONSE_DUE_LABEL,
        help_text=RESPONSE_DUE_HELP,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
    )


class RecordCioReviewForm(forms.Form):
    cio_name = CleanCharField(
        label="User CIO who reviewed it", max_length=limit_of(Assessment, "cio_name")
    )
    reviewed_on = SensibleDateField(
        label="CIO's review completed on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    response_due_date = SensibleDateField(
        label=RESPONSE_DUE_LABEL,
        help_text=RESPONSE_DUE_HELP,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
    )


class SelfAssessmentForm(forms.Form):
    notes = CleanCharField(
        label="Notes for the CIO (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(Assessment, "self_assessment_notes"),
        required=False,
    )


class SubmitResponseForm(forms.Form):
    notes = CleanCharField(
        label="A note for SECAS (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(Assessment, "response_notes"),
        required=False,
    )


class CountsAsAnnualReviewForm(forms.Form):
    counts_as_annual_review = forms.TypedChoiceField(
        label="Counts as the annual review",
        choices=[("True", "Yes: it restarts the annual-review clock"), ("False", "No")],
        coerce=lambda value: str(value) == "True",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it counts as the annual review."},
    )
    reason = CleanCharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limit_of(AnnualReviewFlagChange, "reason"),
        error_messages={"required": "Please say why the flag changes."},
    )


class RecordResponseForm(forms.Form):
    received_on = SensibleDateField(
        label="Response received on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


def assurance_status_field(label: str, required_message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=AssuranceStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


class IdsOfItsOwn:
    """A form that shares its page with others: its fields' ids start with its own word."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ProposeOutcomeForm(IdsOfItsOwn, forms.Form):
    """SECAS's proposal to the SSC, after the User's response; posted again to replace it."""

    id_prefix = "proposal"

    status = assurance_status_field(
        "Proposed assurance status", "Please choose the assurance status you propose."
    )
    rationale = CleanCharField(
        label="Reasons for the proposal",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limit_of(OutcomeProposal, "rationale"),
        help_text="What the report and the User's response show. SSC members read this first.",
        error_messages={
            "required": "Please give the reasons for the proposal: the SSC reads them."
        },
    )
    # The standing proposal this one replaces, as the page showed it (none for a first one).
    replaces = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class WithdrawProposalForm(IdsOfItsOwn, forms.Form):
    id_prefix = "withdraw"
    reason = CleanCharField(
        label="Why is the proposal withdrawn?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limit_of(OutcomeProposal, "withdrawal_reason"),
        error_messages={"required": "Please say why the proposal is withdrawn."},
    )


def with_current_proposal(form, field: str, proposal):
    """A posted form shown again after a refusal, now naming the proposal that stands (the one
    it named was replaced), so posting it again is judged on the proposal on the page."""
    if form is None or not form.is_bound or proposal is None:
        return form
    data = form.data.copy()
    data[field] = str(proposal.pk)
    return type(form)(data, auto_id=form.auto_id)


class FollowUpFields(forms.Form):
    """Deferred and Rejected take the follow-up's type and due date, or the defaults. The
    cleaned data carries `follow_up` (a FollowUpPlan or None), the service's argument."""

    follow_up_kind = forms.ChoiceField(
        choices=[("", "The default"), *AssessmentKind.choices],
        label="Follow-up type (Deferred or Rejected only)",
        help_text="Left as the default: a FUSA after Rejected; the same type after Deferred.",
        required=False,
    )
    follow_up_due_date = SensibleDateField(
        label="Follow-up due by (Deferred or Rejected only)",
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = max(settings.FOLLOW_UP_ASSESSMENT_MONTHS, 1)
        self.fields[
            "follow_up_due_date"
        ].help_text = f"Left blank: {months} month{pluralize(months)} after the decision."

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.pop("follow_up_kind", "")
        due_date = cleaned.pop("follow_up_due_date", None)
        plan = FollowUpPlan(kind=kind, due_date=due_date)
        cleaned["follow_up"] = plan if kind or due_date else None
        return cleaned


DECISION_RATIONALE_HELP = "The reasons given to the User; they appear in the decision letter."


class DecisionFields(FollowUpFields):
    """What every decision on a proposed outcome carries besides its own fields."""

    # The proposal the page showed: a decision is refused if SECAS has since replaced it.
    proposal_seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class OutcomeDecisionForm(DecisionFields):
    """The SSC's decision on a proposed outcome, recorded against the meeting that took it."""

    field_order = ["meeting", "status", "rationale"]

    meeting = MeetingChoiceField(
        queryset=None,
        label="Meeting at which the decision was taken",
        help_text="Meetings held in the last 6 months.",
        error_messages={"required": "Please choose the meeting at which it was decided."},
    )
    status = assurance_status_field(
        "Assurance status decided", "Please choose the assurance status decided."
    )
    rationale = CleanCharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=limit_of(AssessmentDecision, "rationale"),
        help_text=DECISION_RATIONALE_HELP,
        error_messages={"required": "A decision needs a written rationale."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = recent_meetings_held()


class PanelDecisionForm(IdsOfItsOwn, DecisionFields):
    """The Panel's decision after an initial FUSA, as SECAS records it."""

    field_order = ["panel_meeting_date", "status", "rationale"]

    id_prefix = "panel"

    panel_meeting_date = SensibleDateField(
        label="Date of the Panel meeting", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    status = assurance_status_field(
        "Assurance status the Panel set", "Please choose the assurance status decided."
    )
    rationale = CleanCharField(
        label="The Panel's reasons",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limit_of(AssessmentDecision, "rationale"),
        help_text=DECISION_RATIONALE_HELP,
        error_messages={"required": "A decision needs a written rationale."},
    )


class RemediationStepForm(forms.Form):
    """One step of "Approved subject to steps", as the SSC set it."""

    description = CleanCharField(
        label="Step",
        max_length=limit_of(RemediationStep, "description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner_name = CleanCharField(
        label="Owner at the User", max_length=limit_of(RemediationStep, "owner_name")
    )
    owner_email = forms.EmailField(label="Owner's email", max_length=254)
    due_date = SensibleDateField(label="Due by", widget=DATE_WIDGET, error_messages=DATE_ERRORS)


# Blank rows are left out; "at least one step" is the service's rule, said in its words.
RemediationStepFormSet = forms.formset_factory(RemediationStepForm, extra=3, max_num=20)


class StepDoneForm(forms.Form):
    note = CleanCharField(
        label="What was done",
        max_length=limit_of(RemediationStep, "done_note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please say briefly what was done."},
    )


class SendBackForm(forms.Form):
    reason = CleanCharField(
        label="Why is it sent back?",
        max_length=limit_of(RemediationStep, "sent_back_reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please say why the step is sent back."},
    )


class TriageForm(StartReviewForm):
    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rapporteur"].queryset = selectors.rapporteur_candidates(organisation)
        self.fields[
            "rapporteur"
        ].help_text = (
            "Members with a declared conflict of interest with this organisation are not listed."
        )


class DecisionFieldsForm(forms.Form):
    """What every decision on a case says: the outcome, the rationale and, when an assessment is
    required, its type, scope, due date and whether it counts as the annual review."""

    outcome = forms.ChoiceField(
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose one of the two outcomes."},
    )
    rationale = CleanCharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=limit_of(Decision, "rationale"),
        help_text="The SSC's reasons. They are sent to the User in the decision letter.",
        error_messages={"required": "A decision needs a written rationale."},
    )
    assessment_kind = forms.ChoiceField(
        choices=[("", "Choose…"), *AssessmentKind.choices],
        label="Assessment type (if required)",
        help_text="The assessment's reason is G8.13; its type is one of these.",
        required=False,
    )
    assessment_counts_as_annual_review = forms.BooleanField(
        label="Counts as the annual review (if required)", required=False, help_text=COUNTS_HELP
    )
    assessment_scope = CleanCharField(
        label="Assessment scope (if required)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limit_of(Assessment, "scope"),
        required=False,
    )
    assessment_due_date = SensibleDateField(
        label="Assessment due by (if required)",
        widget=DATE_WIDGET,
        required=False,
        error_messages=DATE_ERRORS,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == Decision.Outcome.ASSESSMENT_REQUIRED:
            due = cleaned.get("assessment_due_date")
            if not due and "assessment_due_date" not in self.errors:
                self.add_error(
                    "assessment_due_date", "Give the date by which the assessment is due."
                )
            elif due and due <= timezone.localdate():
                # The service refuses it too; here the error stands beside the field.
                self.add_error(
                    "assessment_due_date", "The assessment due date must be after today."
                )
            if not cleaned.get("assessment_kind"):
                self.add_error(
                    "assessment_kind", "Choose the type of assessment: FUSA, VUSA or USSA."
                )
        return cleaned

    def decision_data(self) -> dict:
        """The service's keywords: the assessment's only when one is required."""
        data = dict(self.cleaned_data)
        data.pop("next", None)
        if data["outcome"] != Decision.Outcome.ASSESSMENT_REQUIRED:
            for key in ("assessment_kind", "assessment_scope", "assessment_due_date"):
                data.pop(key)
        return data


def dissent_field() -> forms.CharField:
    return CleanCharField(
        label="Dissent (if any)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(Decision, "dissent"),
        required=False,
        help_text="A member's disagreement, as minuted. It stays in the committee's record and "
        "the minutes; the User's letter does not show it.",
    )


class CaseDecisionForm(DecisionFieldsForm):
    """Either outcome, recorded by a member in the meeting: on the case page, and on the decision
    page each item of a meeting's agenda links to."""

    field_order = ["outcome", "rationale", "dissent", "meeting"]

    dissent = dissent_field()
    meeting = MeetingChoiceField(
        queryset=None,
        label="Meeting at which the decision was taken",
        error_messages={"required": "Please choose the meeting at which it was decided."},
    )
    next = CleanCharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, meeting: SSCMeeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is not None:
            # On a meeting's page the meeting is that one: no choice to make.
            self.fields["meeting"].queryset = SSCMeeting.objects.filter(
                pk=meeting.pk, date__lte=timezone.localdate()
            )
            self.fields["meeting"].widget = forms.HiddenInput()
            self.fields["meeting"].initial = meeting.pk
        else:
            self.fields["meeting"].queryset = recent_meetings_held()
            self.fields["meeting"].help_text = "Meetings held in the last 6 months."


class MinuteMeetingForm(forms.Form):
    """The first step of minuting a decision: which meeting took it."""

    meeting = MeetingChoiceField(
        queryset=None,
        label="Meeting at which the committee decided",
        help_text="Meetings held in the last 6 months.",
        error_messages={"required": "Please choose the meeting at which it was decided."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = recent_meetings_held()


class PresentMembersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return str(person)


class MinutedDecisionForm(DecisionFieldsForm):
    """The committee's decision as SECAS minuted it: the meeting (chosen before), the members
    present without a conflict (who make the quorum), the outcome, the rationale, any dissent."""

    field_order = ["meeting", "members_present", "outcome", "rationale", "dissent"]

    meeting = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    members_present = PresentMembersField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Members present",
        help_text="The SSC members at the meeting without a conflict of interest with the "
        "organisation: they make the quorum.",
        error_messages={"required": "Please choose the members present."},
    )
    dissent = dissent_field()

    def __init__(self, *args, meeting: SSCMeeting, organisation: Organisation, **kwargs):
        # Ids of its own: the meeting chooser above it on the page has a "meeting" too.
        kwargs.setdefault("auto_id", "minute_%s")
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = SSCMeeting.objects.filter(
            pk=meeting.pk, date__lte=timezone.localdate()
        )
        self.fields["meeting"].initial = meeting.pk
        voting = meeting.voting_attendees(organisation)
        members = self.fields["members_present"]
        members.queryset = User.objects.filter(pk__in=[person.pk for person in voting]).order_by(
            "full_name", "email"
        )
        members.initial = [person.pk for person in voting]


class ChairsActionForm(DecisionFieldsForm):
    """The acting chair's decision alone; `meeting` is the one the page said it is reported to,
    so a page left open while SECAS books another meeting is told."""

    meeting = forms.ModelChoiceField(queryset=SSCMeeting.objects.all(), widget=forms.HiddenInput)


def deferral_targets(after: SSCMeeting | None):
    """The meetings a deferral offers, soonest first (a window, never the whole future)."""
    return capped(
        selectors.meetings_to_defer_to(after).order_by("date", "pk"), MEETING_CHOICES_LIMIT
    )


class DeferralForm(forms.Form):
    """Defer a case from a meeting's agenda to a later meeting: on the case page, and on the
    deferral page each item of a meeting's agenda links to."""

    from_meeting = MeetingChoiceField(
        queryset=None,
        label="Deferred from the meeting of",
        error_messages={
            "required": "Please say from which meeting's agenda the case is deferred.",
            "invalid_choice": "The case is not on that meeting's agenda.",
        },
    )
    to_meeting = MeetingChoiceField(
        queryset=None,
        label="Defer to the meeting of",
        help_text="A meeting still to come, later than the one the case leaves.",
        error_messages={
            "required": "Please choose the later meeting the case is deferred to.",
            "invalid_choice": "Choose a meeting still to come, later than the one the case "
            "is deferred from.",
        },
    )
    reason = CleanCharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(Deferral, "reason"),
        help_text="Kept for the committee and SECAS and sent to them; the User is told only "
        "the new meeting's date.",
        error_messages={"required": "A deferral needs a reason."},
    )
    next = CleanCharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, case, meeting: SSCMeeting | None = None, **kwargs) -> None:
        # Ids of its own beside the decision form on the case page.
        kwargs.setdefault("auto_id", f"defer{case.pk}_%s")
        super().__init__(*args, **kwargs)
        leaving = self.fields["from_meeting"]
        # Any agenda the case was on: a stale page's choice reaches the service, which says who
        # deferred or decided it first.
        leaving.queryset = SSCMeeting.objects.filter(agenda_items__notification=case).distinct()
        leaving.widget = forms.HiddenInput()
        # From a meeting's agenda the case leaves that meeting; elsewhere, the agenda it waits on.
        current = meeting or selectors.meeting_waited_on(case)
        leaving.initial = current.pk if current else None
        # Posted, any meeting to come is read: clean() and the service judge it against the
        # meeting the page said the case leaves, not the one it waits on now.
        self.fields["to_meeting"].queryset = deferral_targets(None if self.is_bound else current)

    def clean(self):
        cleaned = super().clean()
        leaving, later = cleaned.get("from_meeting"), cleaned.get("to_meeting")
        if leaving and later and later.date <= leaving.date:
            # The service refuses it too; here the error stands beside the field.
            self.add_error(
                "to_meeting",
                f"Choose a meeting later than the meeting of {leaving.date:%d/%m/%Y}.",
            )
        return cleaned


class MeetingForm(forms.ModelForm):
    class Meta:
        model = SSCMeeting
        fields = ["date", "kind", "title", "location", "quorum"]
        widgets = {"date": DATE_WIDGET}
        error_messages = {"date": DATE_ERRORS}
        field_classes = {"date": SensibleDateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A decision by correspondence is arranged by the written procedure that carries it.
        self.fields["kind"].choices = [
            choice for choice in self.fields["kind"].choices if choice[0] != SSCMeeting.Kind.WRITTEN
        ]
        self.fields[
            "kind"
        ].help_text = (
            "To decide by correspondence, SECAS opens a written procedure from the case page."
        )


FORMER_MEMBER_NOTE = "has left the SSC: not counted towards the quorum"


class AttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="SSC members attending",
    )

    def __init__(self, *args, meeting: SSCMeeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.queryset = selectors.attendance_choices(meeting)
        former = selectors.former_members_recorded(meeting) if meeting is not None else set()
        # Someone recorded who has since left stays listed, saying why they no longer count.
        field.label_from_instance = lambda person: (
            f"{person} ({FORMER_MEMBER_NOTE})" if person.pk in former else str(person)
        )


class MeetingConflictForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label="SSC member")
    organisation = forms.ModelChoiceField(
        queryset=None, help_text="Organisations with a case on this meeting's agenda."
    )
    note = CleanCharField(
        max_length=limit_of(MeetingConflict, "note"), required=False, label="Note (optional)"
    )

    def __init__(self, *args, meeting: SSCMeeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = ssc_members()
        organisations = Organisation.objects.filter(is_active=True)
        if meeting is not None:
            # A conflict declared at a meeting is with an organisation whose case is before it.
            organisations = organisations.filter(notifications__agenda_items__meeting=meeting)
        self.fields["organisation"].queryset = organisations.distinct().order_by("name")


class ConfirmNonComplianceForm(forms.Form):
    """SECAS's reading of details a User wrote before the yes/no question was asked."""

    has_known_non_compliances = yes_no_field(
        "What do the User's details declare?",
        yes="A known non-compliance with SEC G3–G6",
        no="No known non-compliance",
        required=True,
        # Radio buttons with neither chosen: a select would send its first option unasked.
        widget=forms.RadioSelect,
    )


class SmartMeteringSystemsForm(forms.Form):
    """SECAS records an organisation's Smart Metering System count, which decides its size."""

    count = forms.IntegerField(
        label="Smart Metering Systems",
        min_value=0,
        # The column's range: a larger number is a typing mistake, not a party.
        max_value=2_147_483_647,
        help_text="The count SECAS holds, for example 312000.",
        error_messages={
            "min_value": "Enter a count of zero or more.",
            "max_value": "Enter a count of at most 2,147,483,647.",
            "invalid": "Enter a whole number, for example 312000.",
        },
    )
    counted_date = SensibleDateField(
        label="Counted on", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class SrpCoverageForm(forms.Form):
    """SECAS's reading of the SRP's report: did its assessment cover this service?"""

    coverage = forms.ChoiceField(
        label="Did the SRP's assessment cover this service?",
        choices=[(c.value, c.label) for c in SrpCoverage if c != SrpCoverage.NOT_CONFIRMED],
        widget=forms.RadioSelect,
    )
    note = CleanCharField(
        label="The report it was read from",
        max_length=limit_of(UserSystem, "srp_coverage_note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Name the SRP's assessment report and the section that shows it.",
    )


class RecommendationForm(forms.Form):
    """The rapporteur's recommended outcome, before the meeting (a revision keeps the earlier)."""

    prefix = "recommendation"  # beside the decision form on the case page

    outcome = forms.ChoiceField(
        label="Recommended outcome",
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose the outcome you recommend."},
    )
    reasoning = CleanCharField(
        label="Reasoning",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=limit_of(Recommendation, "reasoning"),
        help_text="For the committee: shown on the case page and in the meeting's papers, never "
        "to the User.",
        error_messages={"required": "Give the reasoning for your recommendation."},
    )


class PublishPapersForm(forms.Form):
    """Publish (or re-issue) a meeting's papers; `expected_version` is the latest version the
    page showed, so a publisher who missed another's version is told rather than re-issuing."""

    changes = CleanCharField(
        label="What changed since the last version",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(MeetingPapers, "changes"),
        required=False,
        help_text="Needed for a re-issue: members are told in the email.",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PanelReportForm(forms.Form):
    """The period of a report to the Panel generated on demand: a period that has begun."""

    # Date inputs read and show ISO dates: the period offered must reach the browser as one.
    period_start = SensibleDateField(
        label="First day of the period", widget=ISO_DATE_WIDGET, error_messages=DATE_ERRORS
    )
    period_end = SensibleDateField(
        label="Last day of the period",
        widget=ISO_DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="Included in the report. Today at the latest.",
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        today = timezone.localdate()
        if end is not None and end > today:
            self.add_error(
                "period_end",
                f"The period cannot end in the future: choose {today:%d/%m/%Y} or an earlier day.",
            )
        if start is not None and end is not None and start >= end:
            self.add_error(
                "period_end",
                f"The last day must come after the first day ({start:%d/%m/%Y}).",
            )
        return cleaned


# --- Referral to the SEC Panel, and appeals ---------------------------------------------------


class ReferralForm(IdsOfItsOwn, forms.Form):
    """Refer a case to the SEC Panel: only the grounds that apply to it are offered."""

    id_prefix = "referral"

    ground = forms.ChoiceField(
        label="Ground for the referral",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose the ground on which the case is referred.",
            "invalid_choice": "That ground does not apply to this case: choose one offered.",
        },
    )
    reason = CleanCharField(
        label="Reason for the referral",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(PanelReferral, "reason"),
        help_text="What the Panel should consider. The User is told of the referral, with this.",
        error_messages={"required": "Please give the reason for the referral: the Panel reads it."},
    )

    def __init__(self, *args, grounds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [(g, ReferralGround(g).label) for g in grounds]


class ReferralOutcomeForm(IdsOfItsOwn, forms.Form):
    id_prefix = "referral_outcome"

    outcome = CleanCharField(
        label="The Panel's outcome",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limit_of(PanelReferral, "outcome"),
        help_text="As the Panel's minutes record it. The User is emailed this.",
        error_messages={"required": "Please write the Panel's outcome."},
    )
    panel_meeting_date = SensibleDateField(
        label="Panel meeting date", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class AppealForm(forms.Form):
    grounds = CleanCharField(
        label="Your reasons for the appeal",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=limit_of(Appeal, "grounds"),
        help_text="Why the decision should change: what the SSC did not consider, or got wrong.",
        error_messages={"required": "Please give your reasons for the appeal."},
    )


def appeal_document_forms(data=None, files=None) -> list[AttachmentForm]:
    """Supporting documents for an appeal: up to three, none required."""
    return document_forms(data, files, first_required=False)


class AppealOutcomeForm(IdsOfItsOwn, forms.Form):
    id_prefix = "appeal_outcome"

    upheld = forms.TypedChoiceField(
        label="The Panel's outcome",
        choices=[
            ("True", "Upheld: the case returns to the SSC to reconsider"),
            ("False", "Dismissed: the decision stands"),
        ],
        coerce=lambda value: str(value) == "True",
        widget=forms.RadioSelect,
        error_messages={"required": "Please say whether the Panel upheld or dismissed the appeal."},
    )
    reasons = CleanCharField(
        label="The Panel's reasons",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limit_of(Appeal, "outcome_reasons"),
        help_text="The User is emailed these.",
        error_messages={"required": "Please give the Panel's reasons for the outcome."},
    )
    panel_meeting_date = SensibleDateField(
        label="Panel meeting date", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class WithdrawAppealForm(IdsOfItsOwn, forms.Form):
    id_prefix = "withdraw_appeal"

    reason = CleanCharField(
        label="Why are you withdrawing the appeal?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limit_of(Appeal, "withdrawal_reason"),
        error_messages={"required": "Please say why the appeal is withdrawn."},
    )


class OpenWrittenProcedureForm(CaseDecisionForm):
    """The proposal put to the members by correspondence: the decide form without a meeting."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "written_%s")
        super().__init__(*args, **kwargs)
        del self.fields["meeting"]
        del self.fields["next"]
        # Dissent is the replies' to give, not the proposal's.
        del self.fields["dissent"]
        self.fields["outcome"].label = "Proposed outcome"
        self.fields["rationale"].label = "Proposed rationale"
        self.fields["rationale"].help_text = (
            "The reasons put to the members. If the procedure carries, they are the decision's "
            "rationale and are sent to the User in the decision letter."
        )


class WrittenProcedureReplyForm(forms.Form):
    answer = forms.ChoiceField(
        label="Your reply",
        choices=WrittenProcedureReply.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose agree, disagree or abstain."},
    )
    comment = CleanCharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(WrittenProcedureReply, "comment"),
        required=False,
        help_text="Optional. Seen by SECAS and the other members, never by the User.",
    )


class WithdrawWrittenProcedureForm(forms.Form):
    reason = CleanCharField(
        label="Reason for withdrawing",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limit_of(WrittenProcedure, "close_reason") - 200,
        error_messages={"required": "Please say why the written procedure is withdrawn."},
    )
