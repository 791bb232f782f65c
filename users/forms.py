from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from sscportal.formfields import CleanCharField, strip_invisible, yes_no_field
from users.models import CommitteeOffices, Membership, User
from users.policy import allows
from users.selectors import office_candidates
from users.services import ChairChangeRefused, check_committee_offices

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
FULL_NAME_MAX_LENGTH = User._meta.get_field("full_name").max_length
EMAIL_TOO_LONG = (
    "An email address has at most %(limit_value)d characters; this one has %(show_value)d."
)


class EmailUsernameField(UsernameField):
    """The address typed to sign in, without invisible characters pasted along with it."""

    def to_python(self, value):
        value = super().to_python(value)
        return strip_invisible(value) if isinstance(value, str) else value


class _EmailSignIn(forms.Form):
    """Sign-in by email for both sign-in pages.

    Django's AuthenticationForm shows a length limit but never enforces it, so an over-long
    address reached django-axes' 255-character column (a 500 on PostgreSQL). Here the limit is
    enforced, and such an attempt still counts as a failed sign-in.
    """

    username = EmailUsernameField(
        label="Email address",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autofocus": True}),
        error_messages={"max_length": EMAIL_TOO_LONG},
    )

    def clean(self):
        password = self.cleaned_data.get("password")
        if self.has_error("username", "max_length") and password:
            # No account has such an address, but the attempt is counted (and may lock out).
            typed = str(self.data.get("username", "")).strip()
            authenticate(self.request, username=typed, password=password)
            return self.cleaned_data
        return super().clean()


class SignInForm(_EmailSignIn, AuthenticationForm):
    """The portal's sign-in page (/accounts/login/)."""


class AdminSignInForm(_EmailSignIn, AdminAuthenticationForm):
    """The admin site's sign-in page (/admin/login/): staff accounts only."""

    def confirm_login_allowed(self, user):
        # The policy decides who uses the admin site (Django's own check reads is_staff).
        AuthenticationForm.confirm_login_allowed(self, user)
        if not allows(user, "users.use_admin_site"):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class InviteForm(forms.Form):
    full_name = CleanCharField(
        label="Full name",
        max_length=FULL_NAME_MAX_LENGTH,
        error_messages={"required": "Please enter the person's full name."},
    )
    email = forms.EmailField(
        label="Work email address",
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "required": "Please enter the person's email address.",
            "invalid": "Enter an email address like name@example.org.",
            "max_length": EMAIL_TOO_LONG,
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
    is_active = yes_no_field("Access", yes="Active", no="Deactivated", required=True)


class TwoFactorCodeForm(forms.Form):
    token = CleanCharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Please enter the code."},
    )


LEFT_THE_SSC = "no longer an active SSC member"


class CommitteeOfficesForm(forms.ModelForm):
    """Who is the SSC chair and who the deputy: active SSC members (the page and the admin)."""

    acting_user = None  # the person saving: the admin sets it on the class, the page passes it

    class Meta:
        model = CommitteeOffices
        fields = ["chair", "deputy"]
        help_texts = {
            "chair": "The SSC's Independent Chair: told of go-lives due before a decision.",
            "deputy": "Acts as chair on a case where the chair cannot, such as one where the "
            "chair has a conflict of interest.",
        }

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if acting_user is not None:
            self.acting_user = acting_user
        candidates = office_candidates()
        # Someone recorded who has since left stays listed, saying so, until SECAS replaces them.
        recorded = [pk for pk in (self.instance.chair_id, self.instance.deputy_id) if pk]
        choices = User.objects.filter(
            Q(pk__in=candidates.values("pk")) | Q(pk__in=recorded)
        ).annotate(is_candidate=Exists(candidates.filter(pk=OuterRef("pk"))))
        for name in ("chair", "deputy"):
            field = self.fields[name]
            field.queryset = choices.order_by("full_name", "email")
            field.empty_label = "Nobody: leave it empty"
            field.label_from_instance = lambda person: (
                str(person)
                if getattr(person, "is_candidate", True)
                else f"{person} ({LEFT_THE_SSC})"
            )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_committee_offices(
                    chair=cleaned.get("chair"), deputy=cleaned.get("deputy"), by=self.acting_user
                )
            except ChairChangeRefused as refusal:
                self.add_error(refusal.field, str(refusal))
        return cleaned
