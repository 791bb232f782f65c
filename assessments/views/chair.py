"""SECAS's page for the SSC chair and deputy: who holds each office, who acts, and the history."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import TemplateView

from assessments import selectors as ssc
from assessments.views.secas import SecasMixin
from users.forms import CommitteeOfficesForm
from users.models import CommitteeOffices
from users.policy import allows
from users.selectors import chair_for, committee_offices
from users.services import ChairChangeRefused, record_committee_offices

HISTORY_ROWS = 10  # the latest changes; the register history page has them all, paginated


def _holder(person, office: str) -> str:
    return f"{person} is the {office}" if person is not None else f"nobody is the {office}"


class ChairView(SecasMixin, TemplateView):
    """Who is the SSC chair and the deputy chair; SECAS records them here (or in the admin)."""

    template_name = "assessments/chair_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        offices = committee_offices()
        user = self.request.user
        may_record = allows(user, "users.record_chair")
        context.update(
            offices=offices,
            acting=chair_for(offices=offices),
            chair_alert=ssc.chair_alert(offices),
            may_record=may_record,
            form=kwargs.get("form")
            or (CommitteeOfficesForm(instance=offices, acting_user=user) if may_record else None),
            history=list(
                CommitteeOffices.history.filter(id=offices.pk)
                .select_related("history_user", "chair", "deputy")
                .order_by("-history_date", "-history_id")[:HISTORY_ROWS]
            ),
        )
        return context

    def post(self, request):
        # The form is given its own copy: validating a model form writes into its instance.
        form = CommitteeOfficesForm(
            request.POST, instance=committee_offices(), acting_user=request.user
        )
        if not form.is_valid():
            messages.error(request, "Nothing was changed: please correct the form.")
            return self.render_to_response(self.get_context_data(form=form))
        chair, deputy = form.cleaned_data["chair"], form.cleaned_data["deputy"]
        try:
            _, changed = record_committee_offices(chair=chair, deputy=deputy, by=request.user)
        except ChairChangeRefused as refusal:
            # Someone changed a member's access meanwhile: shown again with what was chosen.
            messages.error(request, f"Nothing was changed: {refusal}")
            return self.render_to_response(self.get_context_data(form=form))
        if changed:
            messages.success(
                request,
                f"Recorded: {_holder(chair, 'SSC chair')} and {_holder(deputy, 'deputy chair')}.",
            )
        else:
            messages.info(request, "Nothing to change: the chair and deputy were already these.")
        return redirect("secas:chair")
