from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordResetConfirmView
from django.db.models import Case, F, When
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import TemplateView
from django_otp.plugins.otp_static.models import StaticToken

from sscportal.exports import streaming_csv
from sscportal.http import safe_next_url
from sscportal.pagination import CappedPaginator
from users import security, services
from users.filters import AuditTrailFilter
from users.forms import InviteForm, MembershipForm, TwoFactorCodeForm
from users.models import Membership, Organisation, SecurityEvent, normalise_email
from users.policy import allows


def _administered_organisation(user, pk) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk, is_active=True)
    if not allows(user, "users.administer_organisation", organisation):
        raise Http404("No such organisation.")
    return organisation


class StaffListView(LoginRequiredMixin, TemplateView):
    template_name = "users/staff_list.html"

    def get(self, request, pk, invite_form=None):
        organisation = _administered_organisation(request.user, pk)
        # Until someone accepts, the admin sees only what they typed: not the account's name,
        # spelling or even where it sorts.
        memberships = (
            organisation.memberships.select_related("user")
            .annotate(
                shown_name=Case(
                    When(invitation=Membership.Invitation.ACCEPTED, then=F("user__full_name")),
                    default=F("invited_name"),
                )
            )
            .order_by("-is_active", "invitation", "shown_name", "pk")
        )
        return self.render_to_response(
            {
                "organisation": organisation,
                "rows": [_staff_row(membership) for membership in memberships],
                "invite_form": invite_form or InviteForm(),
            }
        )


def _staff_row(membership: Membership) -> dict:
    accepted = membership.invitation == Membership.Invitation.ACCEPTED
    return {
        "membership": membership,
        "name": membership.shown_name,
        "email": membership.user.email if accepted else normalise_email(membership.user.email),
        "form": MembershipForm(
            initial={"role": membership.role, "is_active": membership.is_active},
            prefix=f"m{membership.pk}",
        )
        if accepted
        else None,
    }


class InviteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        organisation = _administered_organisation(request.user, pk)
        form = InviteForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The invitation has not been sent: please correct the form.")
            return StaffListView(request=request).get(request, pk, invite_form=form)
        try:
            membership = services.invite_member(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except services.StaffChangeRefused as refusal:
            messages.error(request, str(refusal))
            return StaffListView(request=request).get(request, pk, invite_form=form)
        # One answer whoever the address belongs to: it reveals nothing about accounts.
        email = normalise_email(form.cleaned_data["email"])
        messages.success(
            request,
            f"Invitation to {email} as {membership.get_role_display()} recorded; the email is "
            f"on its way. They join {organisation.name} when they accept it.",
        )
        return redirect("users:staff", pk=pk)


class ResendInvitationView(LoginRequiredMixin, View):
    def post(self, request, pk, membership_pk):
        organisation = _administered_organisation(request.user, pk)
        membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
        try:
            services.resend_invitation(membership=membership, by=request.user)
        except services.StaffChangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            email = normalise_email(membership.user.email)
            messages.success(request, f"A new invitation email to {email} is on its way.")
        return redirect("users:staff", pk=pk)


class WithdrawInvitationView(LoginRequiredMixin, View):
    def post(self, request, pk, membership_pk):
        organisation = _administered_organisation(request.user, pk)
        membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
        try:
            withdrawn = services.withdraw_invitation(membership=membership, by=request.user)
        except services.StaffChangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            email = normalise_email(withdrawn.user.email)
            messages.success(
                request, f"Invitation to {email} withdrawn: it can no longer be accepted."
            )
        return redirect("users:staff", pk=pk)


# --- Invitations, as the invited person sees them ------------------------------------------------


class InvitationsView(LoginRequiredMixin, TemplateView):
    """The invitations waiting for this person's answer."""

    template_name = "users/invitations.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitations"] = Membership.objects.pending_for(self.request.user).order_by(
            "invited_at"
        )
        return context


class AnswerInvitationView(LoginRequiredMixin, View):
    accept = True

    def post(self, request, pk):
        membership = get_object_or_404(Membership.objects.pending_for(request.user), pk=pk)
        answer = services.accept_invitation if self.accept else services.decline_invitation
        try:
            answered = answer(membership=membership, by=request.user)
        except services.InvitationRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("users:invitations")
        organisation = answered.organisation.name
        if self.accept:
            messages.success(
                request, f"You are now {answered.get_role_display()} at {organisation}."
            )
            return redirect("organisation_home", pk=answered.organisation_id)
        messages.success(request, f"You declined the invitation to join {organisation}.")
        return redirect("users:invitations")


class MembershipUpdateView(LoginRequiredMixin, View):
    def post(self, request, pk, membership_pk):
        organisation = _administered_organisation(request.user, pk)
        membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
        form = MembershipForm(request.POST, prefix=f"m{membership.pk}")
        if not form.is_valid():
            messages.error(request, "Nothing was changed: choose a role and an access level.")
            return redirect("users:staff", pk=pk)
        try:
            updated = services.change_membership(
                membership=membership, by=request.user, **form.cleaned_data
            )
        except services.StaffChangeRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("users:staff", pk=pk)
        state = "active" if updated.is_active else "deactivated"
        messages.success(request, f"{updated.user} is now {updated.get_role_display()} ({state}).")
        return redirect("users:staff", pk=pk)


# --- Two-factor sign-in -----------------------------------------------------------------------


def _next_url(request) -> str:
    return safe_next_url(request, reverse("home"))


class VerifiedRequiredMixin(LoginRequiredMixin):
    """Managing a second factor needs a session that has passed it (the middleware agrees)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_verified() and security.has_two_factor(user):
            return redirect(
                f"{reverse('users:two_factor_verify')}?next={reverse('users:two_factor')}"
            )
        return super().dispatch(request, *args, **kwargs)


class TwoFactorView(VerifiedRequiredMixin, TemplateView):
    """Where a person sees whether two-factor sign-in is on, and manages it."""

    template_name = "users/two_factor.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            enabled=security.has_two_factor(user),
            required=security.requires_two_factor(user),
            recovery_codes_left=StaticToken.objects.filter(device__user=user).count(),
        )
        return context


class TwoFactorSetupView(LoginRequiredMixin, TemplateView):
    """Enrolment, only for someone without a confirmed second factor yet."""

    template_name = "users/two_factor_setup.html"

    def get(self, request, form=None):
        if security.has_two_factor(request.user):
            return redirect("users:two_factor")
        device = security.pending_device(request.user) or security.start_enrolment(request.user)
        return self.render_to_response(
            {
                "qr_code": mark_safe(security.qr_code_svg(device)),  # noqa: S308 - our own SVG
                "manual_key": security.manual_key(device),
                "form": form or TwoFactorCodeForm(),
                "required": security.requires_two_factor(request.user),
                "next": _next_url(request),
            }
        )

    def post(self, request):
        if security.has_two_factor(request.user):
            return redirect("users:two_factor")
        form = TwoFactorCodeForm(request.POST)
        device = security.pending_device(request.user)
        if device is None:
            return redirect("users:two_factor_setup")
        if not form.is_valid():
            return self.get(request, form=form)
        codes = security.confirm_enrolment(request, device, form.cleaned_data["token"])
        if codes is None:
            form.add_error(
                "token",
                "That code did not match. Check your phone's clock and enter the newest code.",
            )
            return self.get(request, form=form)
        messages.success(request, "Two-factor sign-in is on.")
        return TemplateResponse(
            request,
            "users/recovery_codes.html",
            {"codes": codes, "next": _next_url(request)},
        )


class TwoFactorVerifyView(LoginRequiredMixin, TemplateView):
    template_name = "users/two_factor_verify.html"

    def get(self, request, form=None):
        if request.user.is_verified():
            return redirect(_next_url(request))
        return self.render_to_response(
            {"form": form or TwoFactorCodeForm(), "next": _next_url(request)}
        )

    def post(self, request):
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid() and security.verify_second_factor(request, form.cleaned_data["token"]):
            return redirect(_next_url(request))
        if form.is_valid():
            form.add_error("token", "That code is not right, or has been used. Try the newest one.")
        return self.get(request, form=form)


class RecoveryCodesView(VerifiedRequiredMixin, View):
    def post(self, request):
        if not security.has_two_factor(request.user):
            return redirect("users:two_factor")
        codes = security.regenerate_recovery_codes(request)
        messages.success(request, "New recovery codes issued; the old ones no longer work.")
        return TemplateResponse(
            request, "users/recovery_codes.html", {"codes": codes, "next": reverse("home")}
        )


class DisableTwoFactorView(VerifiedRequiredMixin, View):
    def post(self, request):
        form = TwoFactorCodeForm(request.POST)
        if security.requires_two_factor(request.user):
            messages.error(request, "Two-factor sign-in is required for your role.")
        elif not form.is_valid() or not security.current_code_matches(
            request.user, form.cleaned_data["token"]
        ):
            messages.error(request, "Enter a current code from your app to switch it off.")
        elif security.disable_two_factor(request):
            messages.success(request, "Two-factor sign-in is off.")
        return redirect("users:two_factor")


# --- The audit trail ----------------------------------------------------------------------------


class AuditTrailView(LoginRequiredMixin, TemplateView):
    """SECAS reads and filters the security audit trail; nothing here can change it."""

    template_name = "users/audit_trail.html"

    def get(self, request, *args, **kwargs):
        if not allows(request.user, "users.view_audit_trail"):
            raise Http404
        trail = AuditTrailFilter(
            request.GET or None,
            queryset=SecurityEvent.objects.select_related("actor", "organisation"),
            request=request,
        )
        events = trail.qs
        if trail.was_refused:
            # Never a file that looks filtered but holds the whole trail.
            messages.error(
                request,
                "The filters were not applied: please correct the one marked below. "
                "Showing every event, newest first."
                + (" Nothing was downloaded." if request.GET.get("format") == "csv" else ""),
            )
        elif request.GET.get("format") == "csv":
            security.record_event(
                SecurityEvent.Kind.EXPORT,
                actor=request.user,
                request=request,
                summary=f"{request.user} exported the audit trail",
            )
            return _audit_csv(events)
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        number = request.GET.get("page")
        # The trail only grows: a page counts a few pages ahead, never the whole table.
        rows = events.select_related(None).only(*AUDIT_PAGE_COLUMNS)
        return self.render_to_response(
            {
                "form": trail.form,
                "page": CappedPaginator(rows, AUDIT_PER_PAGE, page_number=number).get_page(number),
                "query_string": query.urlencode(),
            }
        )


AUDIT_PER_PAGE = 50
AUDIT_PAGE_COLUMNS = ("at", "kind", "actor_email", "summary", "ip_address")


AUDIT_CSV_COLUMNS = ["When (UK time)", "Event", "Person", "Organisation", "Summary", "IP address"]


def _audit_csv(events) -> StreamingHttpResponse:
    # Failed sign-ins carry whatever was typed: streaming_csv defuses every cell.
    rows = (
        (
            f"{timezone.localtime(event.at):%d/%m/%Y %H:%M:%S}",
            event.get_kind_display(),
            event.actor_email,
            event.organisation.name if event.organisation else "",
            event.summary,
            event.ip_address or "",
        )
        for event in events.select_related("organisation").iterator(chunk_size=1000)
    )
    return streaming_csv("audit-trail.csv", AUDIT_CSV_COLUMNS, rows)


class AuditedPasswordResetConfirmView(PasswordResetConfirmView):
    """Setting a password from an invitation or a reset link, noted in the audit trail."""

    success_url = "/accounts/set-password/done/"

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record_event(
            SecurityEvent.Kind.PASSWORD_CHANGED,
            actor=form.user,
            request=self.request,
            actor_email=form.user.email,
            summary=f"{form.user} set a new password from an emailed link",
        )
        return response
