"""SECAS's assessment tracking over the API: the outstanding lists and the assessment's steps.

The same selectors, forms, services and policy as SECAS's pages (`/secas/assessments/…`,
`/secas/awaiting/`, `/secas/annual-reviews/`): SECAS only, everyone else 404 as on the pages.
Input is checked by the page's own form (422 with its messages); a step the service refuses
is 409 with the service's words.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict

from api.idempotency import run_once
from api.paging import Page, PageQuery, page_of
from api.problems import Problem, form_errors
from assessments import forms, services
from assessments import selectors as ssc
from assessments.models import (
    OPEN_ASSESSMENT_STATES,
    AnnualReviewFlagChange,
    Assessment,
    AssessmentDecision,
    AssessmentKind,
    OutcomeProposal,
    RemediationStep,
)
from assessments.remediation import StepPlan
from assessments.views.secas import NEXT_STEP_FORMS
from notifications.models import UNDECIDED_STATES, AssuranceStatus, Attachment, TLPMarking
from sscportal.formfields import limit_of
from users.policy import allows

router = Router(tags=["Assessments"])

OpenStage = Literal[OPEN_ASSESSMENT_STATES]  # type: ignore[valid-type]
AwaitingState = Literal[tuple(UNDECIDED_STATES)]  # type: ignore[valid-type]
FollowUpKind = Literal[("", *AssessmentKind.values)]  # type: ignore[valid-type]


def require_secas(user) -> None:
    """SECAS's pages answer 404 to everyone else (assessments.views.secas.SecasMixin)."""
    if not allows(user, "assessments.view_secas_pages"):
        raise Http404


def person_name(user) -> str | None:
    return None if user is None else (user.full_name or user.email)


def visible_assessment(user, assessment_id: int) -> Assessment:
    require_secas(user)
    return get_object_or_404(
        ssc.assessments_visible_to(user).select_related("organisation", "notification"),
        pk=assessment_id,
    )


# --- Lists -----------------------------------------------------------------------------------


class AssessmentSummary(Schema):
    id: int
    organisation_id: int
    organisation: str
    kind: str
    kind_label: str
    reason: str
    reason_label: str
    state: str
    state_label: str
    due_date: date
    overdue: bool
    cio_name: str
    notification_reference: str | None


def assessment_summary(assessment: Assessment, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    return {
        "id": assessment.pk,
        "organisation_id": assessment.organisation_id,
        "organisation": assessment.organisation.name,
        "kind": assessment.kind,
        "kind_label": assessment.get_kind_display(),
        "reason": assessment.reason,
        "reason_label": assessment.get_reason_display(),
        "state": assessment.state,
        "state_label": assessment.get_state_display(),
        "due_date": assessment.due_date,
        "overdue": assessment.is_overdue_on(today),
        "cio_name": assessment.cio_name,
        "notification_reference": assessment.notification.reference
        if assessment.notification
        else None,
    }


class AssessmentFilters(PageQuery):
    stage: OpenStage | None = Field(
        None, description="One stage (state) of the open assessments; all of them when absent."
    )


@router.get("/assessments", response=Page[AssessmentSummary], summary="Outstanding assessments")
def list_assessments(request, filters: Query[AssessmentFilters]):
    """Open assessments, the earliest due (most overdue) first, as SECAS's list shows them.
    SECAS only."""
    require_secas(request.user)
    today = timezone.localdate()
    assessments = ssc.outstanding_assessments(stage=filters.stage or "")
    return page_of(assessments, filters, lambda item: assessment_summary(item, today))


class AnnualReviewItem(Schema):
    id: int
    organisation_id: int
    organisation: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    due_date: date
    overdue: bool
    days_to_due: int = Field(description="Negative once overdue.")
    later_systems: list[str] = Field(description="Systems in scope besides the first.")


@router.get("/annual-reviews", response=Page[AnnualReviewItem], summary="Annual reviews ahead")
def list_annual_reviews(request, filters: Query[PageQuery]):
    """Open annual reviews due within the next 12 months, the earliest first, as SECAS's list
    shows them. SECAS only."""
    require_secas(request.user)
    today = timezone.localdate()

    def row(review):
        return {
            "id": review.pk,
            "organisation_id": review.organisation_id,
            "organisation": review.organisation.name,
            "kind": review.kind,
            "kind_label": review.get_kind_display(),
            "state": review.state,
            "state_label": review.get_state_display(),
            "due_date": review.due_date,
            "overdue": review.is_overdue_on(today),
            "days_to_due": (review.due_date - today).days,
            "later_systems": [system.name for system in review.later_systems],
        }

    return page_of(ssc.annual_reviews_ahead(today), filters, row)


class AwaitingItem(Schema):
    id: int
    reference: str
    organisation: str
    state: str
    state_label: str
    is_late: bool
    submitted_at: datetime | None
    review_started_at: datetime | None
    age_working_days: int
    stage: str = Field(description="Triage or Decision: the clock that runs.")
    working_days: int = Field(description="Working days on that clock (paused while asked).")
    limit_working_days: int
    service_level: str = Field(description="On track, due soon, late or paused.")
    deferred_to: date | None


class AwaitingFilters(PageQuery):
    state: AwaitingState | None = Field(  # type: ignore[valid-type]
        None, description="One of the undecided states; all of them when absent."
    )


@router.get("/awaiting", response=Page[AwaitingItem], summary="Awaiting triage or decision")
def list_awaiting(request, filters: Query[AwaitingFilters]):
    """Cases awaiting triage or a decision, oldest submission first, with their service-level
    clock, as SECAS's list shows them. SECAS only."""
    require_secas(request.user)
    cases = ssc.awaiting_ssc()
    if filters.state:
        cases = cases.filter(state=filters.state)
    page = page_of(cases, filters, lambda case: case)
    rows = ssc.with_service_levels(page["items"], timezone.localdate())
    page["items"] = [
        {
            "id": row["case"].pk,
            "reference": row["case"].reference,
            "organisation": row["case"].organisation.name,
            "state": row["case"].state,
            "state_label": row["case"].get_state_display(),
            "is_late": row["case"].is_late,
            "submitted_at": row["case"].submitted_at,
            "review_started_at": row["case"].review_started_at,
            "age_working_days": row["age"],
            "stage": row["stage"],
            "working_days": row["running"],
            "limit_working_days": row["limit"],
            "service_level": str(row["status"]),
            "deferred_to": row["deferred_to"],
        }
        for row in rows
    ]
    return page


# --- One assessment --------------------------------------------------------------------------


class NextStep(Schema):
    name: str
    label: str


class Proposal(Schema):
    id: int
    status: str
    status_label: str
    rationale: str
    proposed_by: str | None
    proposed_at: datetime


class AssessmentOutcome(Schema):
    status: str
    status_label: str
    rationale: str
    decided_by: str | None
    decided_at: datetime
    meeting_date: date | None
    panel_meeting_date: date | None


class HistoryEntry(Schema):
    at: datetime
    state: str
    by: str | None
    description: str


class AssessmentDetail(AssessmentSummary):
    scope: str
    counts_as_annual_review: bool
    cycle_year: int | None
    follows_id: int | None
    fieldwork_start_date: date | None
    fieldwork_end_date: date | None
    report_received_date: date | None
    response_due_date: date | None
    response_received_date: date | None
    assurance_status: str
    completed_at: datetime | None
    next_step: NextStep | None = Field(
        description="The step SECAS may record next (its operation is under this assessment)."
    )
    proposal: Proposal | None = Field(description="The proposal before the committee.")
    decision: AssessmentOutcome | None
    systems_in_scope: list[str]
    more_systems_in_scope: int
    history: list[HistoryEntry]


def assessment_detail(user, assessment: Assessment) -> dict:
    """What SECAS's page of the assessment shows, from the page's selectors."""
    available = [
        transition
        for transition in assessment.get_available_user_state_transitions(user)  # type: ignore[attr-defined]
        if transition.name in NEXT_STEP_FORMS
    ]
    proposal = ssc.standing_proposal(assessment)
    decision = ssc.decision_of(assessment)
    scope = ssc.systems_in_scope(assessment)
    return {
        **assessment_summary(assessment),
        "scope": assessment.scope,
        "counts_as_annual_review": assessment.counts_as_annual_review,
        "cycle_year": assessment.cycle_year,
        "follows_id": assessment.follows_id,
        "fieldwork_start_date": assessment.fieldwork_start_date,
        "fieldwork_end_date": assessment.fieldwork_end_date,
        "report_received_date": assessment.report_received_date,
        "response_due_date": assessment.response_due_date,
        "response_received_date": assessment.response_received_date,
        "assurance_status": assessment.assurance_status,
        "completed_at": assessment.completed_at,
        "next_step": {"name": available[0].name, "label": available[0].custom.get("label", "")}
        if available
        else None,
        "proposal": {
            "id": proposal.pk,
            "status": proposal.status,
            "status_label": proposal.get_status_display(),
            "rationale": proposal.rationale,
            "proposed_by": person_name(proposal.proposed_by),
            "proposed_at": proposal.proposed_at,
        }
        if proposal and assessment.awaits_the_committee
        else None,
        "decision": {
            "status": decision.status,
            "status_label": decision.get_status_display(),
            "rationale": decision.rationale,
            "decided_by": person_name(decision.decided_by),
            "decided_at": decision.decided_at,
            "meeting_date": decision.meeting.date if decision.meeting else None,
            "panel_meeting_date": decision.panel_meeting_date,
        }
        if decision
        else None,
        "systems_in_scope": scope["systems"],
        "more_systems_in_scope": scope["more_systems"],
        "history": [
            {
                "at": entry["timestamp"],
                "state": entry["state"],
                "by": person_name(entry["by"]),
                "description": entry["description"] or "",
            }
            for entry in ssc.assessment_history(assessment)
        ],
    }


@router.get("/assessments/{assessment_id}", response=AssessmentDetail, summary="Read an assessment")
def read_assessment(request, assessment_id: int):
    """One assessment as SECAS's page shows it: where it stands, the next step, the proposal
    before the committee, the decision and the history. SECAS only."""
    return assessment_detail(request.user, visible_assessment(request.user, assessment_id))


# --- Steps -----------------------------------------------------------------------------------


class StepBody(Schema):
    model_config = ConfigDict(extra="forbid")


class ScheduleIn(StepBody):
    cio_name: str = Field(max_length=limit_of(Assessment, "cio_name"), description="User CIO.")
    fieldwork_start_date: date
    fieldwork_end_date: date


class StartFieldworkIn(StepBody):
    started_on: date


class ProposeOutcomeIn(StepBody):
    status: AssuranceStatus
    rationale: str = Field(max_length=limit_of(OutcomeProposal, "rationale"))
    replaces: int | None = Field(
        None,
        ge=1,
        description="To replace the proposal that stands: its id (as read on the assessment).",
    )


class WithdrawProposalIn(StepBody):
    reason: str = Field(max_length=limit_of(OutcomeProposal, "withdrawal_reason"))


class RemediationStepIn(StepBody):
    description: str = Field(max_length=limit_of(RemediationStep, "description"))
    owner_name: str = Field(max_length=limit_of(RemediationStep, "owner_name"))
    owner_email: str = Field(max_length=254)
    due_date: date


class PanelDecisionIn(StepBody):
    panel_meeting_date: date
    status: AssuranceStatus
    rationale: str = Field(max_length=limit_of(AssessmentDecision, "rationale"))
    proposal_seen: int | None = Field(
        None, ge=1, description="The proposal read (refused if SECAS has replaced it since)."
    )
    follow_up_kind: FollowUpKind = Field(
        "", description="Deferred or Rejected only; empty for the default."
    )
    follow_up_due_date: date | None = Field(None, description="Deferred or Rejected only.")
    steps: list[RemediationStepIn] = Field(
        [], max_length=20, description="For Approved subject to steps: at least one."
    )


class CountsAsAnnualReviewIn(StepBody):
    counts_as_annual_review: bool
    reason: str = Field(max_length=limit_of(AnnualReviewFlagChange, "reason"))


def form_data(body: Schema, *, leave_out=(), by_alias=False) -> dict:
    """The body as the page's form receives it: strings, dates in ISO, absent for none."""
    data = {}
    for name, value in body.model_dump(exclude=set(leave_out), by_alias=by_alias).items():
        if value is None:
            continue
        data[name] = value.isoformat() if isinstance(value, date) else str(value)
    return data


def checked(form) -> dict:
    if not form.is_valid():
        raise Problem(
            422, "Nothing was recorded: please correct the form.", errors=form_errors(form)
        )
    return form.cleaned_data


def record_step(request, response, assessment_id: int, step: str, form, *, replay=True, **extra):
    """Validate with the page's form, then record the step through the page's service."""
    user = request.user
    assessment = visible_assessment(user, assessment_id)
    cleaned = checked(form)

    def act():
        services_by_step: dict[str, Callable[..., object]] = {
            "schedule": services.schedule_assessment,
            "start_fieldwork": services.start_fieldwork,
            "propose_outcome": services.propose_outcome,
            "withdraw_proposal": services.withdraw_proposal,
            "record_panel_decision": services.decide_assessment_outcome,
            "counts_as_annual_review": services.change_counts_as_annual_review,
            "receive_report": services.record_report,
            "record_cio_review": services.record_cio_review,
            "receive_response": services.record_response,
        }
        services_by_step[step](assessment=assessment, by=user, **cleaned, **extra)
        assessment.refresh_from_db()
        return 200, assessment_detail(user, assessment)

    # ninja 1.7 deprecates returning a (status, body) tuple: Status says the same.
    return Status(*(run_once(request, response, act) if replay else act()))


@router.post(
    "/assessments/{assessment_id}/schedule",
    response={200: AssessmentDetail},
    summary="Schedule (CIO booked)",
)
def schedule(request, assessment_id: int, body: ScheduleIn, response: HttpResponse):
    """Record that the User CIO is booked, with the planned fieldwork dates (FUSA and VUSA).
    SECAS only; refused (409) unless the assessment is Required."""
    form = forms.ScheduleForm(form_data(body))
    return record_step(request, response, assessment_id, "schedule", form)


@router.post(
    "/assessments/{assessment_id}/start-fieldwork",
    response={200: AssessmentDetail},
    summary="Start fieldwork",
)
def start_fieldwork(request, assessment_id: int, body: StartFieldworkIn, response: HttpResponse):
    """Record that the CIO's fieldwork started. SECAS only; refused (409) unless Scheduled."""
    form = forms.StartFieldworkForm(form_data(body))
    return record_step(request, response, assessment_id, "start_fieldwork", form)


@router.post(
    "/assessments/{assessment_id}/proposal",
    response={200: AssessmentDetail},
    summary="Propose the outcome to the SSC",
)
def propose_outcome(request, assessment_id: int, body: ProposeOutcomeIn, response: HttpResponse):
    """Propose the assurance status, with reasons, once the User's response is in; the SSC
    then decides. To replace the proposal that stands, send its id as `replaces`. SECAS only."""
    form = forms.ProposeOutcomeForm(form_data(body))
    return record_step(request, response, assessment_id, "propose_outcome", form)


@router.post(
    "/assessments/{assessment_id}/proposal/withdraw",
    response={200: AssessmentDetail},
    summary="Withdraw the proposed outcome",
)
def withdraw_proposal(
    request, assessment_id: int, body: WithdrawProposalIn, response: HttpResponse
):
    """Take the proposal back before the committee decides, saying why. SECAS only."""
    form = forms.WithdrawProposalForm(form_data(body))
    return record_step(request, response, assessment_id, "withdraw_proposal", form)


def steps_formset(rows: list[RemediationStepIn]):
    """The remediation steps as the page's formset receives them."""
    data = {
        "steps-TOTAL_FORMS": str(len(rows)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
    }
    for number, row in enumerate(rows):
        for name, value in form_data(row).items():
            data[f"steps-{number}-{name}"] = value
    return forms.RemediationStepFormSet(data, prefix="steps")


def formset_errors(formset) -> list[dict]:
    errors = [
        {"field": f"steps.{number}.{field}", "message": str(message)}
        for number, form in enumerate(formset.forms)
        for field, messages in form.errors.items()
        for message in messages
    ]
    return errors + [
        {"field": "steps", "message": str(message)} for message in formset.non_form_errors()
    ]


@router.post(
    "/assessments/{assessment_id}/panel-decision",
    response={200: AssessmentDetail},
    summary="Record the Panel's decision",
)
def record_panel_decision(
    request, assessment_id: int, body: PanelDecisionIn, response: HttpResponse
):
    """After an initial FUSA the SEC Panel sets the status: record what it decided, with the
    Panel meeting's date and its reasons (and the steps, for Approved subject to steps). The
    assessment completes and the User is sent the decision letter. SECAS only."""
    visible_assessment(request.user, assessment_id)
    form = forms.PanelDecisionForm(form_data(body, leave_out=("steps",)))
    formset = steps_formset(body.steps)
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    if not (form_ok and formset_ok):
        errors = (form_errors(form) if not form_ok else []) + formset_errors(formset)
        raise Problem(422, "Nothing was recorded: please correct the form.", errors=errors)
    steps = [StepPlan(**row.cleaned_data) for row in formset if row.cleaned_data]
    return record_step(request, response, assessment_id, "record_panel_decision", form, steps=steps)


@router.post(
    "/assessments/{assessment_id}/counts-as-annual-review",
    response={200: AssessmentDetail},
    summary="Change whether it counts as the annual review",
)
def counts_as_annual_review(
    request, assessment_id: int, body: CountsAsAnnualReviewIn, response: HttpResponse
):
    """Change whether an ad-hoc or follow-up assessment counts as the annual review, saying
    why (logged). SECAS only; refused (409) for an annual review or a completed assessment."""
    data = form_data(body)
    form = forms.CountsAsAnnualReviewForm(data)
    return record_step(request, response, assessment_id, "counts_as_annual_review", form)


# --- Steps taken with their documents (multipart/form-data, as the page posts them) ----------

DESCRIPTION_LIMIT = limit_of(Attachment, "description")


class DocumentSlots(Schema):
    """Up to three files, each with its TLP marking and an optional description: the page's
    upload slots, named as the page names them (`file1-file`, `file1-tlp`, …)."""

    file1_tlp: TLPMarking = Field(TLPMarking.AMBER, alias="file1-tlp")
    file1_description: str = Field("", alias="file1-description", max_length=DESCRIPTION_LIMIT)
    file2_tlp: TLPMarking = Field(TLPMarking.AMBER, alias="file2-tlp")
    file2_description: str = Field("", alias="file2-description", max_length=DESCRIPTION_LIMIT)
    file3_tlp: TLPMarking = Field(TLPMarking.AMBER, alias="file3-tlp")
    file3_description: str = Field("", alias="file3-description", max_length=DESCRIPTION_LIMIT)


class ReportIn(DocumentSlots):
    received_on: date
    fieldwork_ended_on: date
    response_due_date: date


class CioReviewIn(DocumentSlots):
    cio_name: str = Field(max_length=limit_of(Assessment, "cio_name"))
    reviewed_on: date
    response_due_date: date


class ResponseIn(DocumentSlots):
    received_on: date


def record_with_documents(
    request, response, assessment_id: int, step: str, form_class, body: DocumentSlots
):
    """The step's form and the page's upload forms, each checked (type by content, size, safe
    name), all their errors at once; then the page's service with the checked documents.

    Not replayed by Idempotency-Key (a multipart body is read once, as it streams in): a
    repeated step is refused by the service instead, and nothing is stored twice."""
    visible_assessment(request.user, assessment_id)
    # The fields as read (each slot's TLP defaults to amber, as the page's choice does).
    data = form_data(body, by_alias=True)
    form = form_class(data)
    uploads = forms.document_forms(data, request.FILES)
    results = [form.is_valid(), *[upload.is_valid() for upload in uploads]]
    if not all(results):
        errors = form_errors(form) + [
            {"field": f"{upload.prefix}-{field}", "message": str(message)}
            for upload in uploads
            for field, messages in upload.errors.items()
            for message in messages
        ]
        raise Problem(422, "Nothing was recorded: please correct the form.", errors=errors)
    return record_step(
        request,
        response,
        assessment_id,
        step,
        form,
        replay=False,
        documents=forms.checked_documents(uploads),
    )


FILE_HELP = "PDF, PNG, JPEG, DOCX, XLSX, ODT or plain text; the first file is required."
FirstFile = Annotated[UploadedFile, File(..., alias="file1-file", description=FILE_HELP)]
MoreFile2 = Annotated[UploadedFile | None, File(None, alias="file2-file")]
MoreFile3 = Annotated[UploadedFile | None, File(None, alias="file3-file")]


@router.post(
    "/assessments/{assessment_id}/report",
    response={200: AssessmentDetail},
    summary="Record the report as received",
)
def receive_report(
    request,
    assessment_id: int,
    response: HttpResponse,
    body: Form[ReportIn],
    file1: FirstFile,
    file2: MoreFile2 = None,
    file3: MoreFile3 = None,
):
    """The CIO's report is in (FUSA and VUSA), uploaded with its documents; the User's response
    is due by the date the SSC set, and the User is told. `multipart/form-data`. SECAS only;
    refused (409) unless fieldwork is under way."""
    return record_with_documents(
        request, response, assessment_id, "receive_report", forms.RecordReportForm, body
    )


@router.post(
    "/assessments/{assessment_id}/cio-review",
    response={200: AssessmentDetail},
    summary="Record the CIO's review",
)
def record_cio_review(
    request,
    assessment_id: int,
    response: HttpResponse,
    body: Form[CioReviewIn],
    file1: FirstFile,
    file2: MoreFile2 = None,
    file3: MoreFile3 = None,
):
    """The CIO's review of a self-assessment (USSA), with its documents; the User's response is
    due by the date the SSC set, and the User is told. `multipart/form-data`. SECAS only;
    refused (409) unless the self-assessment was submitted."""
    return record_with_documents(
        request, response, assessment_id, "record_cio_review", forms.RecordCioReviewForm, body
    )


@router.post(
    "/assessments/{assessment_id}/response",
    response={200: AssessmentDetail},
    summary="Record the User's response as received",
)
def receive_response(
    request,
    assessment_id: int,
    response: HttpResponse,
    body: Form[ResponseIn],
    file1: FirstFile,
    file2: MoreFile2 = None,
    file3: MoreFile3 = None,
):
    """A response the User sent outside the portal, with its document. `multipart/form-data`.
    SECAS only; refused (409) unless the report (or the CIO's review) is in."""
    return record_with_documents(
        request, response, assessment_id, "receive_response", forms.RecordResponseForm, body
    )
