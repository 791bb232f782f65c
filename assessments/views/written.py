"""The written procedure's pages: SECAS opens it from the case page, members reply on its page."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from assessments import forms, written
from assessments.models import Decision, WrittenProcedure
from assessments.views.committee import CaseActionView, CommitteeMixin, reverse_case
from notifications.services import TransitionRefused
from users.policy import allows


def procedure_url(procedure: WrittenProcedure) -> str:
    return reverse("assessments:written_procedure", args=[procedure.pk])


class OpenWrittenProcedureView(CaseActionView):
    """SECAS puts a proposed outcome to the members, from the case page."""

    def act(self, request):
        form = forms.OpenWrittenProcedureForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, "No written procedure has been opened: please correct the form."
            )
            return self.render_case(written_procedure_form=form)
        data = dict(form.cleaned_data)
        if data["outcome"] != Decision.Outcome.ASSESSMENT_REQUIRED:
            for key in ("assessment_kind", "assessment_scope", "assessment_due_date"):
                data.pop(key)
        try:
            procedure = written.open_written_procedure(
                notification=self.case, by=request.user, **data
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_case(written_procedure_form=form)
        messages.success(
            request,
            f"Written procedure opened on {self.case.reference}: the members without a conflict "
            f"have been emailed, and replies close at the end of "
            f"{procedure.closes_on:%d/%m/%Y}.",
        )
        return redirect(procedure_url(procedure))


class WrittenProcedureView(CommitteeMixin, TemplateView):
    """The proposal, the count of replies, and the member's reply form (or SECAS's actions)."""

    template_name = "assessments/written_procedure.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        procedure = kwargs.get("procedure") or written.get_written_procedure(
            user, self.kwargs["pk"]
        )
        today = timezone.localdate()
        taking_replies = procedure.is_open and today <= procedure.closes_on
        replies = list(procedure.replies.select_related("member"))
        mine = next((reply for reply in replies if reply.member_id == user.pk), None)
        manages = allows(user, "assessments.open_written_procedure", procedure)
        context.update(
            procedure=procedure,
            case=procedure.notification,
            status=written.status_line(procedure),
            tally=written.tally(procedure),
            replies=replies,
            my_reply=mine,
            stale=None if taking_replies else written.stale_message(procedure),
            can_reply=taking_replies
            and mine is None
            and allows(user, "assessments.reply_written_procedure", procedure),
            reply_form=kwargs.get("reply_form") or forms.WrittenProcedureReplyForm(),
            can_withdraw=manages and procedure.is_open,
            withdraw_form=kwargs.get("withdraw_form") or forms.WithdrawWrittenProcedureForm(),
            can_settle=manages and procedure.is_open and today > procedure.closes_on,
        )
        return context


class ProcedureActionView(CommitteeMixin, View):
    """POST-only steps on a procedure; refusals (a stale page included) become messages."""

    def post(self, request, pk):
        self.procedure = written.get_written_procedure(request.user, pk)
        try:
            response = self.act(request)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(procedure_url(self.procedure))
        return response or redirect(procedure_url(self.procedure))

    def render_page(self, **forms_with_errors):
        view = WrittenProcedureView(request=self.request, kwargs={"pk": self.procedure.pk})
        context = view.get_context_data(procedure=self.procedure, **forms_with_errors)
        return view.render_to_response(context)


class ReplyView(ProcedureActionView):
    def act(self, request):
        form = forms.WrittenProcedureReplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Your reply has not been recorded: please correct the form.")
            return self.render_page(reply_form=form)
        reply = written.reply_to_written_procedure(
            procedure=self.procedure, by=request.user, **form.cleaned_data
        )
        procedure = WrittenProcedure.objects.get(pk=self.procedure.pk)
        messages.success(request, f"Your reply is recorded: {reply.get_answer_display()}.")
        if procedure.state == WrittenProcedure.State.CARRIED:
            messages.success(
                request,
                f"With your reply the written procedure carried: the decision on "
                f"{procedure.notification.reference} is recorded and the User has been sent the "
                "decision letter.",
            )


class WithdrawView(ProcedureActionView):
    def act(self, request):
        form = forms.WithdrawWrittenProcedureForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The written procedure is still open: please give a reason.")
            return self.render_page(withdraw_form=form)
        procedure = written.withdraw_written_procedure(
            procedure=self.procedure, by=request.user, **form.cleaned_data
        )
        messages.success(
            request,
            f"The written procedure on {procedure.notification.reference} is withdrawn; the "
            "replies stay on record.",
        )
        return redirect(reverse_case(procedure.notification_id))


class SettleView(ProcedureActionView):
    """SECAS settles a procedure whose time has run out without waiting for the daily run."""

    def act(self, request):
        if not allows(request.user, "assessments.open_written_procedure", self.procedure):
            raise TransitionRefused("Only SECAS staff can close a written procedure.")
        procedure = written.settle_written_procedure(procedure=self.procedure)
        if procedure.is_open:
            messages.info(
                request,
                f"The written procedure is still open: replies are taken until the end of "
                f"{procedure.closes_on:%d/%m/%Y}.",
            )
        elif procedure.state == WrittenProcedure.State.CARRIED:
            messages.success(request, "The written procedure carried: the decision is recorded.")
        else:
            messages.success(request, written.stale_message(procedure))
