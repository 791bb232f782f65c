from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from users import services
from users.forms import InviteForm, MembershipForm
from users.models import Membership, Organisation


def _administered_organisation(user, pk) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk, is_active=True)
    if not user.can_administer(organisation):
        raise Http404("No such organisation.")
    return organisation


class StaffListView(LoginRequiredMixin, TemplateView):
    template_name = "users/staff_list.html"

    def get(self, request, pk, invite_form=None):
        organisation = _administered_organisation(request.user, pk)
        memberships = organisation.memberships.select_related("user").order_by(
            "-is_active", "user__full_name"
        )
        return self.render_to_response(
            {
                "organisation": organisation,
                "rows": [
                    {
                        "membership": membership,
                        "form": MembershipForm(
                            initial={
                                "role": membership.role,
                                "is_active": "true" if membership.is_active else "false",
                            },
                            prefix=f"m{membership.pk}",
                        ),
                    }
                    for membership in memberships
                ],
                "invite_form": invite_form or InviteForm(),
            }
        )


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
        _send_and_report(request, membership)
        return redirect("users:staff", pk=pk)


def _send_and_report(request, membership) -> None:
    role = membership.get_role_display()
    try:
        services.send_invitation(membership=membership, by=request.user)
    except OSError:
        messages.warning(
            request,
            f"{membership.user.email} was added as {role}, but the invitation email could not "
            "be sent just now. Use “Resend invitation” in a few minutes.",
        )
        return
    messages.success(request, f"Invitation sent to {membership.user.email} as {role}.")


class ResendInvitationView(LoginRequiredMixin, View):
    def post(self, request, pk, membership_pk):
        organisation = _administered_organisation(request.user, pk)
        membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
        try:
            services.resend_invitation(membership=membership, by=request.user)
        except services.StaffChangeRefused as refusal:
            messages.error(request, str(refusal))
        except OSError:
            messages.warning(
                request, "The invitation email could not be sent just now. Try again later."
            )
        else:
            messages.success(request, f"Invitation sent again to {membership.user.email}.")
        return redirect("users:staff", pk=pk)


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
        messages.success(
            request, f"{updated.user} is now {updated.get_role_display().lower()} ({state})."
        )
        return redirect("users:staff", pk=pk)
