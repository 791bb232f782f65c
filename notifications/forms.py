from datetime import date
from pathlib import PurePath

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import get_valid_filename

from notifications import filetypes
from notifications.models import (
    Attachment,
    DeliveryModel,
    InformationRequest,
    Message,
    Notification,
    SharedResourceProvider,
    TLPMarking,
)
from notifications.services import roles_not_held_message
from sscportal.formfields import CleanCharField, limit_of, yes_no_field
from sscportal.history import REASON_LENGTH
from users.models import UserRole

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The reason is kept in the transition log, whose column has no limit of its own.
WITHDRAWAL_REASON_LIMIT = 2000
DATE_ERROR = "Enter a real date, for example 27/03/2027."
# Smart metering User Systems did not exist before this; earlier dates are typing mistakes.
EARLIEST_DATE = date(2015, 1, 1)


def within_ten_years(value):
    """Dates on cases, meetings and assessments fall within ten years of today, either way."""
    today = timezone.localdate()
    if value and not (today - relativedelta(years=10) <= value <= today + relativedelta(years=10)):
        raise forms.ValidationError("Enter a date within ten years of today.")


class SensibleDateField(forms.DateField):
    default_validators = [within_ten_years]


class OutlineSubmit(Submit):
    """A secondary submit button: Submit's own classes would paint its text the fill colour."""

    field_classes = "btn btn-outline-primary"


class ProviderChoiceField(forms.ModelChoiceField):
    """Each SRP is offered with its latest assessment, so the User sees it when choosing."""

    def label_from_instance(self, provider):
        if provider.latest_assessment_date:
            return (
                f"{provider.name} – last assessed {provider.latest_assessment_date:%d/%m/%Y}, "
                f"{provider.get_latest_assessment_outcome_display() or 'outcome not recorded'}"
            )
        return f"{provider.name} – not yet assessed"


class HeldRolesField(forms.ModelMultipleChoiceField):
    """The User Roles an organisation holds; any other role is refused saying what to do."""

    organisation = None

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError as error:
            if error.code != "invalid_choice" or self.organisation is None:
                raise
            asked = [v for v in value if str(v).isdigit()]
            not_held = UserRole.objects.filter(pk__in=asked).exclude(
                pk__in=self.queryset.values("pk")
            )
            if not not_held:
                raise
            raise forms.ValidationError(
                roles_not_held_message(self.organisation, not_held), code="not_held"
            ) from error


class NotificationForm(forms.ModelForm):
    """The notification content. Saving a draft accepts gaps; submission checks completeness."""

    provider = ProviderChoiceField(
        queryset=SharedResourceProvider.objects.filter(is_active=True),
        required=False,
        label="Shared Resource Provider",
        empty_label="Choose from the SRP register",
        help_text="Only if the system is provided by an SRP. Its latest assessment is shown.",
    )
    same_isms_scope = yes_no_field(
        "Is the new system inside the same ISMS scope as your first system?"
    )
    same_controls = yes_no_field("Does it run the same security controls and processes?")
    has_known_non_compliances = yes_no_field(
        "Do you know of any non-compliance with SEC G3–G6?",
        help_text="Answer Yes if any obligation in Sections G3 to G6 is not yet fully met for "
        "this system or the controls it shares.",
    )
    user_roles = HeldRolesField(
        queryset=UserRole.objects.all(),
        required=False,
        label="User Roles",
        widget=forms.CheckboxSelectMultiple,
        help_text="The User Roles in which the new system will send Service Requests.",
    )
    loaded_at = CleanCharField(widget=forms.HiddenInput, required=False, max_length=64)

    class Meta:
        model = Notification
        fields = [
            "contact_name",
            "contact_email",
            "contact_phone",
            "system_name",
            "purpose",
            "user_roles",
            "planned_go_live_date",
            "smets1_meter_count",
            "smets2_meter_count",
            "delivery_model",
            "provider",
            "third_party_name",
            "hosting_description",
            "hosting_location",
            "dcc_connection",
            "separation_from_existing",
            "key_management",
            "shared_with_existing",
            "same_isms_scope",
            "same_controls",
            "risk_assessment_summary",
            "risk_assessment_date",
            "penetration_test_summary",
            "penetration_test_date",
            "has_known_non_compliances",
            "known_non_compliances",
            "change_summary",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "planned_go_live_date": DATE_WIDGET,
            "risk_assessment_date": DATE_WIDGET,
            "penetration_test_date": DATE_WIDGET,
            "delivery_model": forms.RadioSelect,
            "hosting_description": forms.Textarea(attrs={"rows": 3}),
            "dcc_connection": forms.Textarea(attrs={"rows": 3}),
            "separation_from_existing": forms.Textarea(attrs={"rows": 3}),
            "key_management": forms.Textarea(attrs={"rows": 3}),
            "shared_with_existing": forms.Textarea(attrs={"rows": 3}),
            "risk_assessment_summary": forms.Textarea(attrs={"rows": 4}),
            "penetration_test_summary": forms.Textarea(attrs={"rows": 3}),
            "known_non_compliances": forms.Textarea(attrs={"rows": 3}),
            "change_summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "contact_name": "The person the SSC and SECAS should contact about this system.",
            "system_name": "A name you and SECAS will both recognise, e.g. 'Customer app'.",
            "purpose": "What the system will do, for which customers, and what is out of scope.",
            "planned_go_live_date": "When you plan to start employing the system. The SSC needs "
            "notice before this date: at least 20 SEC working days gives it time to decide.",
            "smets1_meter_count": "Needed to submit. An approximate number is fine; 0 if none.",
            "smets2_meter_count": "Needed to submit. An approximate number is fine; 0 if none.",
            "delivery_model": "Who will provide and operate the system.",
            "third_party_name": "Only for systems run by a third party that is not an SRP.",
            "hosting_description": "Where and how it is hosted (e.g. data centre, cloud).",
            "hosting_location": "The country or region of hosting, e.g. 'UK (London)'.",
            "dcc_connection": "How it will connect to the DCC User Gateway.",
            "separation_from_existing": "How it is separated from your existing User System.",
            "key_management": "How User Role signing keys will be generated, held and used.",
            "shared_with_existing": "Infrastructure, staff or services shared with the first "
            "system.",
            "risk_assessment_summary": "The risk assessment carried out under SEC G5.14.",
            "penetration_test_summary": "Scope, tester and headline results, or when planned.",
            "known_non_compliances": "Needed if you answered Yes: which obligations, why, and "
            "your plan and dates to meet them.",
            "change_summary": "For example a new provider, new hosting, a new User Role or a "
            "large rise in the number of meters. The answers below were copied from the "
            "system's last notification: update what the change affects.",
        }
        error_messages = {
            "planned_go_live_date": {"invalid": DATE_ERROR},
            "risk_assessment_date": {"invalid": DATE_ERROR},
            "penetration_test_date": {"invalid": DATE_ERROR},
            "contact_email": {"invalid": "Enter an email address like name@example.org."},
            "smets1_meter_count": {"invalid": "Enter a whole number, e.g. 25000."},
            "smets2_meter_count": {"invalid": "Enter a whole number, e.g. 25000."},
        }

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation or (
            self.instance.organisation if self.instance.organisation_id else None
        )
        self._offer_held_roles()
        self.fields["delivery_model"].choices = DeliveryModel.choices
        self.fields["delivery_model"].required = False
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()
        is_change = self.instance.changes_system_id is not None
        if is_change:
            # A change keeps the register's name for the system it changes.
            self.fields["system_name"].disabled = True
            self.fields["system_name"].help_text = "The system this change is about."
            self.fields["planned_go_live_date"].label = "Planned date of the change"
            self.fields[
                "planned_go_live_date"
            ].help_text = "When the change takes effect. The SSC needs notice before this date."
        else:
            del self.fields["change_summary"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "1. Contact",
                "contact_name",
                "contact_email",
                "contact_phone",
                css_id="section-contact",
            ),
            Fieldset(
                "2. The changed User System" if is_change else "2. The new User System",
                "system_name",
                *(["change_summary"] if is_change else []),
                "purpose",
                "user_roles",
                "planned_go_live_date",
                "smets1_meter_count",
                "smets2_meter_count",
                css_id="section-system",
            ),
            Fieldset(
                "3. Delivery model",
                "delivery_model",
                "provider",
                "third_party_name",
                css_id="section-delivery",
            ),
            Fieldset(
                "4. Architecture",
                "hosting_description",
                "hosting_location",
                "dcc_connection",
                "separation_from_existing",
                "key_management",
                "shared_with_existing",
                css_id="section-architecture",
            ),
            Fieldset(
                "5. Security",
                "same_isms_scope",
                "same_controls",
                "risk_assessment_summary",
                "risk_assessment_date",
                "penetration_test_summary",
                "penetration_test_date",
                "has_known_non_compliances",
                "known_non_compliances",
                css_id="section-security",
            ),
            "loaded_at",
            HTML('<div class="d-flex gap-2 flex-wrap mt-4">'),
            OutlineSubmit("action", "Save draft", css_id="save-draft"),
            Submit("action", "Save and check your answers", css_id="save-and-check"),
            HTML("</div>"),
        )

    def _offer_held_roles(self):
        field = self.fields["user_roles"]
        if self.organisation is None:
            return
        field.organisation = self.organisation
        # A draft's roles stay on show, so one the organisation no longer holds is refused.
        field.queryset = UserRole.objects.filter(
            models.Q(organisations=self.organisation)
            | models.Q(notifications=self.instance.pk or 0)
        ).distinct()
        if not self.organisation.user_roles.exists():
            field.help_text = (
                f"No User Roles are recorded for {self.organisation}, and a notification must "
                "name at least one. Contact SECAS at "
                f"{settings.SECAS_MAILBOX} to have your organisation's User Roles recorded."
            )
        else:
            field.help_text = (
                f"The roles {self.organisation} holds in which the new system will send Service "
                "Requests. For a role not listed, complete the User Entry Process with SECAS "
                "first."
            )

    def clean_user_roles(self):
        roles = self.cleaned_data.get("user_roles")
        if roles and self.organisation is not None:
            held = set(self.organisation.user_roles.values_list("pk", flat=True))
            if not_held := [role for role in roles if role.pk not in held]:
                raise forms.ValidationError(roles_not_held_message(self.organisation, not_held))
        return roles

    def clean_planned_go_live_date(self):
        go_live = self.cleaned_data.get("planned_go_live_date")
        today = timezone.localdate()
        if go_live and not (EARLIEST_DATE <= go_live <= today + relativedelta(years=10)):
            raise forms.ValidationError(
                f"Enter a go-live date between {EARLIEST_DATE:%d/%m/%Y} and "
                f"{today + relativedelta(years=10):%d/%m/%Y}."
            )
        return go_live

    def clean(self):
        cleaned = super().clean()
        model = cleaned.get("delivery_model")
        if model == DeliveryModel.SRP and cleaned.get("third_party_name"):
            self.add_error("third_party_name", "Leave this empty for a system run by an SRP.")
        if model != DeliveryModel.SRP and cleaned.get("provider"):
            self.add_error("provider", "Choose an SRP only if the system is provided by an SRP.")
        if cleaned.get("has_known_non_compliances") is False and cleaned.get(
            "known_non_compliances"
        ):
            self.add_error(
                "known_non_compliances",
                "You answered No to known non-compliances: clear these details, or change the "
                "answer to Yes.",
            )
        return cleaned


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text=f"{filetypes.ACCEPTED_DESCRIPTION}, up to {settings.MAX_UPLOAD_SIZE_MB} MB.",
        error_messages={
            "required": "Please choose a file to upload.",
            "empty": "The file you chose is empty.",
        },
    )
    tlp = forms.ChoiceField(
        label="Protective marking",
        choices=TLPMarking.choices,
        initial=TLPMarking.AMBER,
        help_text="How widely the SSC may share it (Traffic Light Protocol).",
    )
    description = CleanCharField(
        label="Description (optional)",
        max_length=limit_of(Attachment, "description"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MAX_UPLOAD_SIZE_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                f"“{upload.name}” is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{settings.MAX_UPLOAD_SIZE_MB} MB. Please upload a smaller file."
            )
        kind = filetypes.sniff(upload)
        if kind is None:
            raise forms.ValidationError(
                f"“{upload.name}” is not a file type we accept. Please upload a "
                f"{filetypes.ACCEPTED_DESCRIPTION} file."
            )
        extension = PurePath(upload.name).suffix.lower()
        if extension not in kind.extensions:
            raise forms.ValidationError(
                f"“{upload.name}” is named like a {extension or 'file without a type'} file but "
                f"its content is a {kind.label}. Please check you chose the right file."
            )
        upload.kind = kind
        upload.safe_name = get_valid_filename(PurePath(upload.name).name)[:200] or "attachment"
        return upload


class SubmitForm(forms.Form):
    declaration_accepted = forms.BooleanField(
        label="I declare that the content of this notification is accurate and complete.",
        error_messages={"required": "Please confirm the declaration before submitting."},
    )


class WithdrawForm(forms.Form):
    reason = CleanCharField(
        label="Why is the notification being withdrawn?",
        max_length=WITHDRAWAL_REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please give a reason for withdrawing."},
    )


class RequestInformationForm(forms.Form):
    question = CleanCharField(
        label="Question for the User",
        max_length=limit_of(InformationRequest, "question"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Please write the question you want answered."},
    )
    response_due_date = SensibleDateField(
        label="Answer needed by",
        required=False,
        help_text="Leave empty for the standard 10 SEC working days.",
        widget=DATE_WIDGET,
        error_messages={"invalid": DATE_ERROR},
    )


class ProvideInformationForm(forms.Form):
    response = CleanCharField(
        label="Your answer",
        max_length=limit_of(InformationRequest, "response"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Please write your answer before sending it."},
    )


class MessageForm(forms.Form):
    body = CleanCharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limit_of(Message, "body"),
        error_messages={"required": "Please write a message before sending it."},
    )


class GoLiveForm(forms.Form):
    """The day the User began to employ a system (or SECAS's correction of it, with a reason)."""

    prefix = "go_live"  # the retire form on the same page has a reason too

    began_date = SensibleDateField(
        label="Date you began to use the system",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Please enter the date the system began to be used.",
            "invalid": DATE_ERROR,
        },
        help_text="The first day it handled live smart metering data or sent Service Requests.",
    )
    reason = CleanCharField(
        label="Reason for the correction",
        required=False,
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when SECAS corrects a date: it is kept in the register's history.",
    )

    def __init__(self, *args, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if correcting:
            self.fields["began_date"].label = "Date the system began to be used"
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = (
                "Please give the reason for the correction."
            )
        else:
            del self.fields["reason"]


class RetireSystemForm(forms.Form):
    prefix = "retire"
    retired_date = SensibleDateField(
        label="Date the system stopped being used",
        widget=DATE_WIDGET,
        error_messages={"required": "Please enter the date.", "invalid": DATE_ERROR},
    )
    reason = CleanCharField(
        label="Why is it retired?",
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Please say why the system is retired."},
        help_text="For example: replaced by another system, or the service ended.",
    )
