"""Pages that bring intake and the SSC's records together: the organisation home, the SSC's
dashboard, case pages, meetings, and the documents generated from decisions."""

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from assessments import documents, forms, services, written
from assessments import selectors as ssc
from assessments.filters import CaseQueueFilter
from assessments.models import Assessment, Decision, SSCMeeting, WrittenProcedure
from assessments.papers import awaiting_recommendation
from assessments.remediation import StepPlan
from assessments.triage import facts_for, suggest
from assessments.views.papers_context import papers_context, recommendation_context
from assessments.views.referral_panel import case_referrals_context
from notifications import selectors
from notifications import services as intake
from notifications.forms import RequestInformationForm
from notifications.models import (
    Notification,
    NotificationState,
    UserSystem,
)
from notifications.services import TransitionRefused, in_sentence
from notifications.workdays import working_days_since
from sscportal.http import safe_next_url
from sscportal.pagination import CappedPaginator, page_number_of
from users import services as register
from users.models import Organisation, SecurityEvent
from users.policy import allows
from users.security import record_event

NOTIFICATIONS_PER_PAGE = 20
SYSTEMS_PER_PAGE = 20
ASSESSMENTS_PER_PAGE = 10
# What the organisation home's list shows: the wide text columns stay in the database.
HOME_COLUMNS = (
    "reference",
    "state",
    "system_name",
    "planned_go_live_date",
    "is_late",
    "updated_at",
)


def query_without(request, name: str) -> str:
    """The page's query string without one parameter, for links that set it again."""
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


class OrganisationHomeView(LoginRequiredMixin, TemplateView):
    """A User's home: its systems and their assurance, its notifications, what waits on it."""

    template_name = "assessments/organisation_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"], is_active=True)
        if not allows(user, "assessments.view_organisation_home", organisation):
            raise Http404("No such organisation.")
        latest_assurance = ssc.latest_assurance(organisation)
        systems_page = Paginator(
            UserSystem.objects.filter(organisation=organisation)
            .select_related("provider")
            .order_by("-is_first_system", "name", "pk"),
            SYSTEMS_PER_PAGE,
        ).get_page(self.request.GET.get("systems_page"))
        # The record in force for each system shown, and its open follow-up.
        in_force = ssc.assurance_in_force(systems_page.object_list)
        notifications = (
            Notification.objects.filter(organisation=organisation)
            .only(*HOME_COLUMNS)
            .order_by("-updated_at", "-pk")
        )
        state_filter = self.request.GET.get("state", "")
        if state_filter in NotificationState.values:
            notifications = notifications.filter(state=state_filter)
        else:
            state_filter = ""
        counts = dict(
            Notification.objects.filter(organisation=organisation)
            .values_list("state")
            .annotate(total=Count("id"))
            .order_by()
        )
        page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            organisation=organisation,
            # Shown to the person, not asked: what they may do is the policy's answer.
            membership=user.membership_for(organisation),
            can_manage_staff=allows(user, "users.administer_organisation", organisation),
            secas_mailbox=settings.SECAS_MAILBOX,
            latest_assurance=latest_assurance,
            next_annual_review_date=ssc.next_annual_review_due(organisation),
            systems=[
                {"system": system, "in_force": in_force[system.pk]}
                for system in systems_page.object_list
            ],
            follow_ups=ssc.open_follow_ups_of([organisation.pk], timezone.localdate()).get(
                organisation.pk, []
            ),
            systems_page=systems_page,
            systems_query=query_without(self.request, "systems_page"),
            page=page,
            state_filter=state_filter,
            query_string=query_without(self.request, "page"),
            state_counts=[
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in NotificationState.choices
                if counts.get(value)
            ],
            waiting=selectors.waiting_on_organisation(organisation),
            self_assessments=list(ssc.self_assessments_to_submit(organisation)[:10]),
            responses_due=list(ssc.responses_to_send(organisation)[:10]),
            assessments_page=Paginator(
                ssc.organisation_assessments(organisation), ASSESSMENTS_PER_PAGE
            ).get_page(self.request.GET.get("assessments_page")),
            assessments_query=query_without(self.request, "assessments_page"),
            open_steps=list(
                ssc.open_steps_of(organisation)[: ssc.OPEN_STEPS_SHOWN]  # capped: a home page
            ),
            today=timezone.localdate(),
        )
        return context


CASES_PER_PAGE = 25
OUTCOMES_PER_PAGE = 10
WRITTEN_PROCEDURES_PER_PAGE = 10


class CommitteeMixin(LoginRequiredMixin):
    """SSC members and SECAS staff only; everyone else gets 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ssc.require_committee_side(request.user)
        return super().dispatch(request, *args, **kwargs)


class DashboardView(CommitteeMixin, TemplateView):
    """The queue of notifications with filters, counts per state and the person's own cases."""

    template_name = "assessments/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # Filters only narrow the cases the person may see: the queue starts from the selector.
        queue = CaseQueueFilter(
            self.request.GET or None, queryset=ssc.case_queue(user), request=self.request
        )
        if queue.was_refused:
            messages.error(
                self.request,
                "The filters were not applied: please correct the one marked below. "
                "Showing live cases, soonest go-live first.",
            )
        number = self.request.GET.get("page")
        page = CappedPaginator(queue.qs, CASES_PER_PAGE, page_number=number).get_page(number)
        # Per-row work is for the rows of this page only (working days, the next meeting).
        deferred = ssc.deferred_to_dates(case.pk for case in page.object_list)
        today = timezone.localdate()
        awaiting = set(
            awaiting_recommendation(
                Notification.objects.filter(pk__in=[case.pk for case in page.object_list]), today
            ).values_list("pk", flat=True)
        )
        written_status = written.open_status_by_case(page.object_list)
        rows = [
            {
                "case": case,
                "age": working_days_since(case.submitted_at) if case.submitted_at else None,
                "meeting": next(
                    (item.meeting for item in case.upcoming_agenda_items),
                    None,
                ),
                # Only while undecided: a decided case's clock has stopped.
                "deferred_to": deferred.get(case.pk) if case.is_undecided else None,
                "awaiting_recommendation": case.pk in awaiting,
                "written": written_status.get(case.pk, ""),
            }
            for case in page.object_list
        ]
        outcomes = ssc.outcomes_awaiting_decision(user)
        awaiting = Paginator(written.awaiting_reply(user), WRITTEN_PROCEDURES_PER_PAGE).get_page(
            self.request.GET.get("written_page")
        )
        context.update(
            written_page=awaiting,
            written_rows=written.status_lines(awaiting.object_list),
            written_query=query_without(self.request, "written_page"),
            outcomes_page=Paginator(outcomes, OUTCOMES_PER_PAGE).get_page(
                self.request.GET.get("outcomes_page")
            ),
            outcomes_query=query_without(self.request, "outcomes_page"),
            form=queue.form,
            page=page,
            rows=rows,
            state_counts=ssc.state_counts(user),
            my_open_cases=ssc.cases_visible_to(user).undecided().filter(rapporteur=user).count(),
            query_string=query_without(self.request, "page"),
            organisation_search_url=reverse("assessments:organisation_names"),
        )
        return context


AT_RISK_PER_PAGE = 25


class AtRiskView(CommitteeMixin, TemplateView):
    """The organisations at risk, as SECAS's list shows them, for the committee: an SSC member's
    list leaves out the organisations they are conflicted with."""

    template_name = "assessments/at_risk.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        number = page_number_of(self.request.GET.get("page"))
        page = Paginator(ssc.organisations_at_risk_for(user, today), AT_RISK_PER_PAGE).get_page(
            number
        )
        context.update(
            page=page,
            rows=ssc.risk_reasons(page.object_list, today),
            hides_conflicts=not allows(user, "assessments.view_secas_pages"),
            query_string=query_without(self.request, "page"),
        )
        return context


class OrganisationNamesView(CommitteeMixin, View):
    """Names for the queue's organisation filter as the person types (JSON, at most 10)."""

    def get(self, request):
        names = ssc.organisation_names(request.user, request.GET.get("q", "")[:200])
        response = JsonResponse({"names": names})
        response["Cache-Control"] = "private, no-store"
        return response


class CaseView(CommitteeMixin, TemplateView):
    """One case for the SSC and SECAS: submission, context, triage indicators, actions."""

    template_name = "assessments/case_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = kwargs.get("case") or ssc.get_case(user, self.kwargs["pk"])
        organisation = case.organisation
        assurance = ssc.latest_assurance(organisation)
        upcoming = ssc.next_meeting()
        next_review = ssc.next_annual_review_due(organisation)
        outlook = ssc.size_outlook(case)
        suggestion = suggest(
            facts_for(
                case,
                organisation_assurance=assurance,
                next_annual_review_date=next_review,
                next_meeting_date=upcoming.date if upcoming else None,
                system_ever_assessed=ssc.system_ever_assessed(case),
                size_outlook=outlook,
            )
        )
        available = {t.name for t in case.get_available_user_state_transitions(user)}
        decision = (
            Decision.objects.filter(notification=case)
            .select_related("decided_by", "minuted_by", "meeting", "written_procedure")
            .first()
        )
        deferrals = ssc.deferrals_of(case)
        can_defer = decision is None and may_defer_case(case, user)
        chairs_action = ssc.chairs_action_window(case)
        context.update(
            case=case,
            notification=case,
            organisation=organisation,
            assurance=assurance,
            eligibility=ssc.eligibility(organisation),
            next_annual_review_date=next_review,
            last_assessment=Assessment.objects.completed()
            .filter(organisation=organisation)
            .order_by("-completed_at")
            .first(),
            systems=ssc.organisation_systems(organisation),
            case_system_in_force=ssc.assurance_in_force([case.user_system])[case.user_system_id]
            if case.user_system_id
            else None,
            system_cases=ssc.system_notifications(case.user_system, user)
            if case.user_system_id
            else [],
            suggestion=suggestion,
            decision=decision,
            assessment=Assessment.objects.filter(notification=case).first(),
            agenda_items=case.agenda_items.to_decide().select_related("meeting"),
            timeline=with_deferrals(selectors.timeline_for(case, viewer=user), deferrals),
            deferrals=deferrals,
            # The decision clock notes a deferral while the case waits for its decision.
            deferred_to=deferrals[-1].to_meeting if deferrals and case.is_undecided else None,
            can_defer=can_defer,
            deferral_form=(
                kwargs.get("deferral_form") or forms.DeferralForm(case=case) if can_defer else None
            ),
            can_triage="start_review" in available,
            can_request_information="request_information" in available,
            can_decide=may_decide_case(case, user),
            members_present=list(decision.members_present.order_by("full_name", "email"))
            if decision
            else [],
            chairs_action=chairs_action,
            can_take_chairs_action=chairs_action.is_open
            and allows(user, "assessments.take_chairs_action", case),
            can_minute=case.state == NotificationState.UNDER_REVIEW
            and allows(user, "notifications.minute_decision", case),
            **written_procedure_context(user, case, kwargs),
            triage_form=kwargs.get("triage_form") or forms.TriageForm(organisation=organisation),
            information_form=kwargs.get("information_form") or RequestInformationForm(),
            decision_form=kwargs.get("decision_form") or forms.CaseDecisionForm(),
            can_confirm_non_compliance=allows(user, "notifications.confirm_non_compliance", case)
            and case.has_known_non_compliances is None
            and bool(case.known_non_compliances.strip()),
            non_compliance_form=kwargs.get("non_compliance_form")
            or forms.ConfirmNonComplianceForm(),
            can_view_communications=allows(user, "notifications.view_communications_log", case),
            **size_and_srp_context(user, case, outlook, kwargs),
            **recommendation_context(user, case, kwargs),
            age=working_days_since(case.submitted_at) if case.submitted_at else None,
            **case_referrals_context(user, notification=case, form=kwargs.get("referral_form")),
        )
        return context


def with_deferrals(timeline: list[dict], deferrals) -> list[dict]:
    """The committee's timeline with each deferral, its reason included, in its place."""
    entries = timeline + [
        {
            "at": deferral.deferred_at,
            "kind": "deferral",
            "title": f"Deferred to the meeting of {deferral.to_meeting.date:%d/%m/%Y}",
            "actor": str(deferral.deferred_by),
            "body": f"From the meeting of {deferral.from_meeting.date:%d/%m/%Y}. "
            f"Reason: {deferral.reason}",
        }
        for deferral in deferrals
    ]
    return sorted(entries, key=lambda entry: entry["at"])


def may_defer_case(case, user) -> bool:
    """May this person defer the case now: the rule, an undecided case under review, and an
    agenda it still waits on."""
    return (
        case.state in services.DEFERRABLE_STATES
        and allows(user, "assessments.defer_case", case)
        and case.agenda_items.to_decide().exists()
    )


def written_procedure_context(user, case, kwargs) -> dict:
    """The case page's written procedure panel: the open one's clock, SECAS's form to open one."""
    procedure = written.open_procedure_for(case)
    under_review = case.state == NotificationState.UNDER_REVIEW
    return {
        "written_procedure": procedure,
        "written_procedure_status": written.status_line(procedure) if procedure else "",
        "past_written_procedures": case.written_procedures.exclude(
            state=WrittenProcedure.State.OPEN
        ).order_by("-opened_at")[:5],
        "can_open_written_procedure": under_review
        and procedure is None
        and allows(user, "assessments.open_written_procedure", case),
        "written_procedure_form": kwargs.get("written_procedure_form")
        or forms.OpenWrittenProcedureForm(),
        "written_procedure_working_days": settings.WRITTEN_PROCEDURE_WORKING_DAYS,
    }


def size_and_srp_context(user, case, outlook, kwargs) -> dict:
    """The case page's size and SRP-coverage panel (templates/assessments/_size_and_srp.html)."""
    srp_system = case.user_system if case.provider_id and case.user_system_id else None
    return {
        "size_outlook": outlook,
        "can_record_size": allows(user, "users.record_smart_metering_systems", case.organisation),
        "size_form": kwargs.get("size_form") or forms.SmartMeteringSystemsForm(),
        "srp_system": srp_system,
        "can_confirm_srp_coverage": srp_system is not None
        and allows(user, "notifications.confirm_srp_coverage", srp_system),
        "srp_coverage_form": kwargs.get("srp_coverage_form") or forms.SrpCoverageForm(),
    }


class CaseActionView(CommitteeMixin, View):
    """Steps on a case, posted; refusals (including "someone decided first") become messages."""

    def post(self, request, pk):
        self.case = ssc.get_case(request.user, pk)
        case_url = reverse_case(pk)
        try:
            response = self.act(request)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(safe_next_url(request, case_url))
        return response or redirect(safe_next_url(request, case_url))

    def render_case(self, **forms_with_errors):
        view = CaseView(request=self.request, kwargs={"pk": self.case.pk})
        context = view.get_context_data(case=self.case, pk=self.case.pk, **forms_with_errors)
        return view.render_to_response(context)


def reverse_case(pk) -> str:
    return reverse("assessments:case", args=[pk])


class TriageView(CaseActionView):
    def act(self, request):
        form = forms.TriageForm(request.POST, organisation=self.case.organisation)
        if not form.is_valid():
            messages.error(request, "The review has not started: please correct the form.")
            return self.render_case(triage_form=form)
        case = services.start_review(notification=self.case, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"Review of {case.reference} started: {case.rapporteur} is rapporteur, for the "
            f"meeting of {form.cleaned_data['meeting'].date:%d/%m/%Y}.",
        )


class RequestInformationView(CaseActionView):
    def act(self, request):
        form = RequestInformationForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The question has not been sent: please correct the form.")
            return self.render_case(information_form=form)
        information_request = intake.request_information(
            notification=self.case, by=request.user, **form.cleaned_data
        )
        messages.success(
            request,
            f"Question sent to {self.case.organisation}; answer due by "
            f"{information_request.response_due_date:%d/%m/%Y}.",
        )


class ConfirmNonComplianceView(CaseActionView):
    def act(self, request):
        form = forms.ConfirmNonComplianceForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing has been recorded: please choose an answer.")
            return self.render_case(non_compliance_form=form)
        case = intake.confirm_non_compliance_answer(
            notification=self.case, by=request.user, **form.cleaned_data
        )
        answer = "declare" if case.has_known_non_compliances else "do not declare"
        messages.success(
            request,
            f"Recorded: the details on {case.reference} {answer} a known non-compliance. "
            "The triage suggestion now reflects it.",
        )


class RecordSizeView(CaseActionView):
    def act(self, request):
        form = forms.SmartMeteringSystemsForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The count has not been recorded: please correct the form.")
            return self.render_case(size_form=form)
        try:
            organisation = register.record_smart_metering_systems(
                organisation=self.case.organisation, by=request.user, **form.cleaned_data
            )
        except register.RegisterChangeRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_case(size_form=form)
        messages.success(request, f"Recorded for {organisation.name}: {organisation.size_summary}.")


class ConfirmSrpCoverageView(CaseActionView):
    def act(self, request):
        form = forms.SrpCoverageForm(request.POST)
        system = self.case.user_system
        if system is None or not self.case.provider_id:
            raise TransitionRefused(f"{self.case.reference} has no SRP-provided User System.")
        if not form.is_valid():
            messages.error(request, "Nothing has been recorded: please correct the form.")
            return self.render_case(srp_coverage_form=form)
        system = intake.confirm_srp_coverage(system=system, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"Recorded for {system.name}: {system.get_srp_coverage_display()}. The triage "
            "suggestion now reflects it.",
        )


class AgendaItemPageMixin:
    """GET of an agenda item's own action page, reached from ?meeting=<id>: refused in words
    (back to the meeting) when the link has gone stale; a bare link opens the case page,
    which has the form too."""

    def get(self, request, pk):
        self.case = ssc.get_case(request.user, pk)
        meeting = meeting_asked_for(request)
        if meeting is None:
            return redirect(reverse_case(pk))
        back = reverse("assessments:meeting", args=[meeting.pk])
        if refusal := self.refusal_for(meeting):
            messages.error(request, refusal)
            return redirect(back)
        return self.render_page(self.blank_form(meeting, back), meeting)

    def refusal_for(self, meeting) -> str:
        raise NotImplementedError

    def blank_form(self, meeting, back):
        raise NotImplementedError

    def render_page(self, form, meeting):
        raise NotImplementedError


class DecideView(AgendaItemPageMixin, CaseActionView):
    """One decision form: on the case page, and on a page of its own that each item of a
    meeting's agenda links to; shown again, with what was typed, when refused."""

    def refusal_for(self, meeting):
        return services.decision_refusal(
            notification=self.case, by=self.request.user, meeting=meeting
        )

    def blank_form(self, meeting, back):
        return forms.CaseDecisionForm(meeting=meeting, initial={"next": back})

    def act(self, request):
        meeting = meeting_page_of(self.request)
        form = forms.CaseDecisionForm(request.POST, meeting=meeting)
        if not form.is_valid():
            messages.error(request, "No decision has been recorded: please correct the form.")
            return self.render_again(form, meeting)
        try:
            decision = services.decide(
                notification=self.case, by=request.user, **form.decision_data()
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            self.case.refresh_from_db()
            if meeting is not None and services.decision_refusal(
                notification=self.case, by=request.user, meeting=meeting
            ):
                # Decided or deferred meanwhile: the meeting's page shows what happened.
                return redirect(reverse("assessments:meeting", args=[meeting.pk]))
            # What was typed stays on the page, with the reason beside it.
            return self.render_again(form, meeting)
        messages.success(
            request,
            f"Decision recorded on {self.case.reference}: {decision.get_outcome_display()}. "
            "The decision letter has been sent to the User.",
        )

    def render_again(self, form, meeting):
        if meeting is None:
            return self.render_case(decision_form=form)
        return self.render_page(form, meeting)

    def render_page(self, form, meeting):
        quorum = (
            meeting.quorum_for(self.case.organisation)
            if meeting.kind != SSCMeeting.Kind.WRITTEN
            else None
        )
        return render(
            self.request,
            "assessments/decide.html",
            {"case": self.case, "form": form, "meeting": meeting, "quorum": quorum},
        )


class DeferView(AgendaItemPageMixin, CaseActionView):
    """Defer a case to a later meeting: from the case page's form, or from a page of its own
    that each item of a meeting's agenda links to; shown again, with what was typed, when
    refused."""

    def refusal_for(self, meeting):
        return services.deferral_refusal(
            notification=self.case, by=self.request.user, from_meeting=meeting
        )

    def blank_form(self, meeting, back):
        return forms.DeferralForm(case=self.case, meeting=meeting, initial={"next": back})

    def act(self, request):
        meeting = meeting_page_of(request)
        form = forms.DeferralForm(request.POST, case=self.case, meeting=meeting)
        if not form.is_valid():
            messages.error(request, "The case has not been deferred: please correct the form.")
            return self.render_again(form, meeting)
        try:
            deferral = services.defer_case(
                notification=self.case,
                by=request.user,
                from_meeting=form.cleaned_data["from_meeting"],
                to_meeting=form.cleaned_data["to_meeting"],
                reason=form.cleaned_data["reason"],
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_again(form, meeting)
        told = (
            " The decision now comes after the planned go-live: the User has been told by email "
            "not to employ the system before it."
            if deferral.is_after_go_live
            else ""
        )
        messages.success(
            request,
            f"{self.case.reference} deferred to the meeting of "
            f"{deferral.to_meeting.date:%d/%m/%Y}; SECAS and the rapporteur have been told.{told}",
        )

    def render_again(self, form, meeting):
        self.case.refresh_from_db()
        if meeting is None:
            return self.render_case(deferral_form=form)
        return self.render_page(form, meeting)

    def render_page(self, form, meeting):
        return render(
            self.request,
            "assessments/defer.html",
            {"case": self.case, "form": form, "meeting": meeting},
        )


def meeting_asked_for(request) -> SSCMeeting | None:
    """The meeting the link's ?meeting= names; None when it names none (any other value)."""
    number = request.GET.get("meeting", "")
    if not (number.isascii() and number.isdigit() and len(number) < 10):
        return None
    return SSCMeeting.objects.filter(pk=int(number)).first()


def meeting_page_of(request) -> SSCMeeting | None:
    """The meeting whose page a form was posted from, if it was posted from one."""
    try:
        match = resolve(request.POST.get("next", ""))
    except Resolver404:
        return None
    if match.view_name != "assessments:meeting":
        return None
    return SSCMeeting.objects.filter(pk=match.kwargs["pk"]).first()


class DecisionPageMixin(CommitteeMixin):
    """A page of its own for one way of deciding a case; refusals are shown on it, with what was
    typed, unless the case has been decided meanwhile (then the case page says by whom)."""

    template_name: str

    def load_case(self):
        self.case = ssc.get_case(self.request.user, self.kwargs["pk"])

    def refused(self, refusal, **context):
        messages.error(self.request, str(refusal))
        self.case.refresh_from_db()
        if self.case.state != NotificationState.UNDER_REVIEW:
            return redirect(reverse_case(self.case.pk))
        return self.render_to_response(self.get_context_data(**context))

    def decided(self, decision):
        messages.success(
            self.request,
            f"Decision recorded on {self.case.reference}: {decision.get_outcome_display()}. "
            f"{decision.committee_sentence}. The decision letter has been sent to the User.",
        )
        return redirect(reverse_case(self.case.pk))


class ChairsActionView(DecisionPageMixin, TemplateView):
    """The acting chair decides a case alone when its go-live comes before the next meeting that
    could decide it; the decision is reported to that meeting."""

    template_name = "assessments/chairs_action.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ssc.require_committee_side(request.user)
            self.load_case()
            if not allows(request.user, "assessments.take_chairs_action", self.case):
                raise Http404("Only the acting chair decides by chair's action.")
            self.window = ssc.chairs_action_window(self.case)
            if not self.window.is_open:
                messages.error(request, self.closed_message())
                return redirect(reverse_case(self.case.pk))
        return super().dispatch(request, *args, **kwargs)

    def closed_message(self) -> str:
        if self.case.state != NotificationState.UNDER_REVIEW:
            return services.who_decided_first(self.case) or (
                f"{self.case.reference} is {in_sentence(self.case.get_state_display())}: "
                "chair's action is only for a case under review and not yet decided."
            )
        meeting = cast(SSCMeeting, self.window.meeting)
        return (
            f"Chair's action is not open on {self.case.reference}: its planned go-live "
            f"({self.case.planned_go_live_date:%d/%m/%Y}) is not before the meeting of "
            f"{meeting.date:%d/%m/%Y}, which can decide it."
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.window.meeting
        context.update(
            case=self.case,
            meeting=meeting,
            no_meeting_message=services.NO_MEETING_FOR_CHAIRS_ACTION,
            form=kwargs.get("form")
            or (forms.ChairsActionForm(initial={"meeting": meeting.pk}) if meeting else None),
        )
        return context

    def post(self, request, pk):
        form = forms.ChairsActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "No decision has been recorded: please correct the form.")
            return self.render_to_response(self.get_context_data(form=form))
        try:
            decision = services.decide(
                notification=self.case,
                by=request.user,
                route=Decision.Route.CHAIRS_ACTION,
                **form.decision_data(),
            )
        except TransitionRefused as refusal:
            return self.refused(refusal, form=form)
        return self.decided(decision)


class MinuteDecisionView(DecisionPageMixin, TemplateView):
    """SECAS records the committee's decision from the minutes: first the meeting, then the
    members present (from its attendees without a conflict), the outcome, rationale, dissent."""

    template_name = "assessments/minute_decision.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ssc.require_committee_side(request.user)
            self.load_case()
            if not allows(request.user, "notifications.minute_decision", self.case):
                raise Http404("Only SECAS minutes the committee's decisions.")
            if self.case.state != NotificationState.UNDER_REVIEW:
                messages.error(
                    request,
                    services.who_decided_first(self.case)
                    or f"{self.case.reference} is {in_sentence(self.case.get_state_display())}: "
                    "there is no decision to minute.",
                )
                return redirect(reverse_case(self.case.pk))
        return super().dispatch(request, *args, **kwargs)

    def chosen_meeting(self, data) -> SSCMeeting | None:
        chooser = forms.MinuteMeetingForm(data)
        return chooser.cleaned_data["meeting"] if chooser.is_valid() else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = kwargs.get("meeting")
        form = kwargs.get("form")
        voting = meeting.voting_attendees(self.case.organisation) if meeting else []
        if meeting is not None and form is None:
            form = forms.MinutedDecisionForm(meeting=meeting, organisation=self.case.organisation)
        context.update(
            case=self.case,
            meeting=meeting,
            chooser=kwargs.get("chooser") or forms.MinuteMeetingForm(),
            form=form,
            quorum=meeting.quorum_for(self.case.organisation) if meeting else None,
            not_counted=[person for person in meeting.attendees.all() if person not in voting]
            if meeting
            else [],
        )
        return context

    def get(self, request, pk):
        if "meeting" not in request.GET:
            return self.render_to_response(self.get_context_data())
        chooser = forms.MinuteMeetingForm(request.GET)
        if not chooser.is_valid():
            messages.error(request, "Please choose a meeting held in the last 6 months.")
            return self.render_to_response(self.get_context_data(chooser=chooser))
        return self.render_to_response(
            self.get_context_data(meeting=chooser.cleaned_data["meeting"], chooser=chooser)
        )

    def post(self, request, pk):
        chooser = forms.MinuteMeetingForm(request.POST)
        if not chooser.is_valid():
            messages.error(request, "Please choose a meeting held in the last 6 months.")
            return self.render_to_response(self.get_context_data(chooser=chooser))
        meeting = chooser.cleaned_data["meeting"]
        form = forms.MinutedDecisionForm(
            request.POST, meeting=meeting, organisation=self.case.organisation
        )
        context = {"meeting": meeting, "chooser": chooser, "form": form}
        if not form.is_valid():
            messages.error(request, "No decision has been recorded: please correct the form.")
            return self.render_to_response(self.get_context_data(**context))
        try:
            decision = services.decide(
                notification=self.case, by=request.user, minuted=True, **form.decision_data()
            )
        except TransitionRefused as refusal:
            return self.refused(refusal, **context)
        return self.decided(decision)


class DecisionLetterView(LoginRequiredMixin, View):
    """The decision letter as a PDF, for the organisation and the committee side."""

    def get(self, request, pk):
        notification = selectors.get_visible_notification(request.user, pk)
        decision = (
            Decision.objects.filter(notification=notification)
            .select_related("decided_by", "meeting", "notification__organisation")
            .first()
        )
        if decision is None:
            raise Http404("No decision yet.")
        annual_review = None
        if decision.outcome == Decision.Outcome.NO_ASSESSMENT:
            annual_review = ssc.annual_review_covering(notification)
        pdf = documents.decision_letter_pdf(
            decision,
            assessment=Assessment.objects.filter(notification=notification).first(),
            annual_review=annual_review,
        )
        record_event(
            SecurityEvent.Kind.DOWNLOAD,
            actor=request.user,
            request=request,
            organisation=notification.organisation,
            summary=f"{request.user} downloaded the decision letter of {notification.reference}",
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{notification.reference}-decision-letter.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- Assessment outcomes: SECAS proposes, the SSC decides -----------------------------------------


class CommitteeAssessmentView(CommitteeMixin, TemplateView):
    """An assessment as the committee sees it: what was assessed, SECAS's proposal, the history,
    and, for a member who may decide, the decision form."""

    template_name = "assessments/committee_assessment.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assessment = kwargs.get("assessment") or ssc.get_committee_assessment(
            user, self.kwargs["pk"]
        )
        proposal = ssc.standing_proposal(assessment)
        is_initial_fusa = ssc.is_initial_fusa(assessment)
        # The Panel sets an initial FUSA's status; SECAS records it on its own page.
        can_decide = (
            assessment.awaits_the_committee
            and proposal is not None
            and not is_initial_fusa
            and allows(user, "assessments.decide_outcome", assessment)
        )
        initial = {"status": proposal.status, "proposal_seen": proposal.pk} if proposal else {}
        meeting = self.request.GET.get("meeting", "")
        if meeting.isascii() and meeting.isdigit() and len(meeting) < 10:
            # Opened from a meeting's page: that meeting is the likely one.
            initial["meeting"] = int(meeting)
        decision = ssc.decision_of(assessment)
        context.update(
            assessment=assessment,
            organisation=assessment.organisation,
            proposal=proposal,
            withdrawn_proposals=ssc.withdrawn_proposals(assessment),
            decision=decision,
            is_initial_fusa=is_initial_fusa,
            can_decide=can_decide,
            decision_form=(
                forms.with_current_proposal(kwargs.get("decision_form"), "proposal_seen", proposal)
                or forms.OutcomeDecisionForm(initial=initial)
            )
            if can_decide
            else None,
            steps_formset=(
                kwargs.get("steps_formset") or forms.RemediationStepFormSet(prefix="steps")
            )
            if can_decide
            else None,
            plan=ssc.remediation_plan_of(assessment) if decision else None,
            history=ssc.assessment_history(assessment),
            today=timezone.localdate(),
            **ssc.systems_in_scope(assessment),
            **case_referrals_context(user, assessment=assessment, form=kwargs.get("referral_form")),
        )
        return context


class DecideOutcomeView(CommitteeMixin, View):
    """The SSC's decision on a proposed outcome; shown again, with what was typed, if refused."""

    def post(self, request, pk):
        assessment = ssc.get_committee_assessment(request.user, pk)
        form = forms.OutcomeDecisionForm(request.POST)
        formset = forms.RemediationStepFormSet(request.POST, prefix="steps")
        # A form without the steps' rows (none were offered) is read as having none.
        has_rows = "steps-TOTAL_FORMS" in request.POST
        if not form.is_valid() or (has_rows and not formset.is_valid()):
            messages.error(request, "No decision has been recorded: please correct the form.")
            return self.render_again(assessment, form, formset if has_rows else None)
        steps = (
            [StepPlan(**row.cleaned_data) for row in formset if row.cleaned_data]
            if has_rows
            else []
        )
        try:
            decision = services.decide_assessment_outcome(
                assessment=assessment, by=request.user, steps=steps or None, **form.cleaned_data
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            assessment.refresh_from_db()
            return self.render_again(assessment, form, formset if has_rows else None)
        messages.success(
            request,
            f"Decision recorded: {decision.get_status_display()}. The decision letter has been "
            f"sent to {assessment.organisation}.",
        )
        return redirect("assessments:committee_assessment", pk=pk)

    def render_again(self, assessment, form, formset):
        view = CommitteeAssessmentView(request=self.request, kwargs={"pk": assessment.pk})
        context = view.get_context_data(
            assessment=assessment, decision_form=form, steps_formset=formset
        )
        return view.render_to_response(context)


class AssessmentDecisionLetterView(LoginRequiredMixin, View):
    """The letter of an assessment's decision as a PDF: the organisation's people, SECAS, and
    SSC members without a conflict."""

    def get(self, request, pk):
        decision = ssc.get_decided_assessment_for_letter(request.user, pk)
        organisation = decision.assessment.organisation
        pdf = documents.assessment_decision_letter_pdf(decision)
        record_event(
            SecurityEvent.Kind.DOWNLOAD,
            actor=request.user,
            request=request,
            organisation=organisation,
            summary=f"{request.user} downloaded the decision letter of {decision.assessment}",
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"assessment-{decision.assessment_id}-decision-letter.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- Meetings ------------------------------------------------------------------------------------


class MeetingListView(CommitteeMixin, TemplateView):
    template_name = "assessments/meeting_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(ssc.meetings_overview(), 20).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            today=timezone.localdate(),
            form=kwargs.get("form") or forms.MeetingForm(),
            can_manage=allows(self.request.user, "assessments.manage_meetings"),
        )
        return context

    def post(self, request):
        form = forms.MeetingForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The meeting has not been created: please correct the form.")
            return self.render_to_response(self.get_context_data(form=form))
        try:
            meeting = services.create_meeting(by=request.user, **form.cleaned_data)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("assessments:meetings")
        messages.success(request, f"Meeting of {meeting.date:%d/%m/%Y} created.")
        return redirect("assessments:meeting", pk=meeting.pk)


class MeetingView(CommitteeMixin, TemplateView):
    template_name = "assessments/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        meeting = get_object_or_404(SSCMeeting, pk=self.kwargs["pk"])
        items = list(ssc.agenda(meeting, user))
        decisions = {d.notification_id: d for d in ssc.meeting_page_decisions(meeting, user)}
        # Loaded once: every item's quorum asks the same people the same questions.
        attendees = ssc.meeting_attendees(meeting)
        decidable = meeting.date <= timezone.localdate()
        can_manage = allows(user, "assessments.manage_meetings")
        rows = []
        for item in items:
            case = item.notification
            waiting = item.deferral_id is None and case.pk not in decisions
            can_decide = waiting and decidable and may_decide_case(case, user)
            can_defer = (
                waiting
                and case.state in services.DEFERRABLE_STATES
                and allows(user, "assessments.defer_case", case)
            )
            rows.append(
                {
                    "item": item,
                    # Links to the decision's and the deferral's own pages: a form per item
                    # cost more than the rest of the page (issue 10).
                    "can_defer": can_defer,
                    "decision": decisions.get(case.pk),
                    "can_decide": can_decide,
                    "quorum": meeting.quorum_for(case.organisation)
                    if can_decide and meeting.kind != SSCMeeting.Kind.WRITTEN
                    else None,
                }
            )
        outcomes = ssc.assessment_decisions_at(meeting, user)
        awaiting = ssc.outcomes_awaiting_decision(user)
        context.update(
            chairs_actions=list(ssc.chairs_actions_to_note(meeting, user)[: ssc.OUTCOMES_SHOWN]),
            outcomes=list(outcomes[: ssc.OUTCOMES_SHOWN]),
            outcome_count=outcomes.count(),
            awaiting_outcomes=list(awaiting[: ssc.OUTCOMES_SHOWN]),
            awaiting_outcome_count=awaiting.count(),
            decidable=decidable,
            meeting=meeting,
            attendees=attendees,
            former_members=ssc.former_members_recorded(meeting) if attendees else set(),
            former_member_note=forms.FORMER_MEMBER_NOTE,
            quorum=meeting.quorum_for(),
            conflicts=meeting.conflicts.select_related("member", "organisation"),
            items=rows,
            hidden_items=ssc.hidden_items_count(meeting, shown=len(items)),
            decision_count=len(decisions),
            can_manage=can_manage,
            attendance_form=forms.AttendanceForm(initial={"attendees": attendees}, meeting=meeting)
            if can_manage
            else None,
            conflict_form=kwargs.get("conflict_form")
            or (forms.MeetingConflictForm(meeting=meeting) if can_manage else None),
            **papers_context(user, meeting, kwargs),
        )
        return context


def may_decide_case(case, user) -> bool:
    """May this person take either decision on the case now? The case page and each meeting
    page ask this; the decide service's transition asks the same rule (notifications.decide)."""
    # Not the transitions' permission: SECAS holds that one to minute, not to decide in the room.
    return case.state == NotificationState.UNDER_REVIEW and allows(
        user, "notifications.decide", case
    )


class MeetingActionView(CommitteeMixin, View):
    def post(self, request, pk):
        meeting = get_object_or_404(SSCMeeting, pk=pk)
        try:
            self.act(request, meeting)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("assessments:meeting", pk=pk)


class AttendanceView(MeetingActionView):
    def act(self, request, meeting):
        form = forms.AttendanceForm(request.POST, meeting=meeting)
        if not form.is_valid():
            messages.error(request, "Attendance not saved: choose SSC members only.")
            return
        services.set_attendees(meeting=meeting, by=request.user, **form.cleaned_data)
        quorum = meeting.quorum_for()
        state = "quorate" if quorum.is_quorate else f"not quorate (quorum {quorum.needed})"
        messages.success(
            request,
            f"Attendance saved: {quorum.voting} SSC member{pluralize(quorum.voting)} attending, "
            f"{state}. Members with a "
            "conflict of interest on a case do not count towards its quorum.",
        )


class MeetingConflictView(MeetingActionView):
    def act(self, request, meeting):
        form = forms.MeetingConflictForm(request.POST, meeting=meeting)
        if not form.is_valid():
            messages.error(request, "Conflict not recorded: choose a member and an organisation.")
            return
        conflict = services.declare_meeting_conflict(
            meeting=meeting, by=request.user, **form.cleaned_data
        )
        messages.success(
            request,
            f"Recorded: {conflict.member} declared a conflict with {conflict.organisation}. "
            "They can no longer see or decide its cases.",
        )


class MinutesView(CommitteeMixin, View):
    def get(self, request, pk, extension):
        if extension not in {"csv", "pdf"}:
            raise Http404("Minutes come as CSV or PDF.")
        meeting = get_object_or_404(SSCMeeting, pk=pk)
        decisions = list(ssc.decisions_at(meeting, request.user))
        outcomes = list(ssc.assessment_decisions_at(meeting, request.user))
        deferrals = list(ssc.deferrals_at(meeting, request.user))
        name = f"ssc-minutes-extract-{meeting.date:%Y-%m-%d}"
        record_event(
            SecurityEvent.Kind.EXPORT,
            actor=request.user,
            request=request,
            summary=f"{request.user} exported the minutes of {meeting} as {extension.upper()}",
        )
        if extension == "csv":
            response = HttpResponse(
                documents.minutes_csv(decisions, outcomes, deferrals),
                content_type="text/csv; charset=utf-8",
            )
        else:
            response = HttpResponse(
                documents.minutes_pdf(meeting, decisions, outcomes, deferrals),
                content_type="application/pdf",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
        response["Cache-Control"] = "private, no-store"
        return response
