"""Remediation plans: the steps that come with "Approved subject to steps", until all are accepted.

A plan is opened by one call, `create_remediation_plan`, from wherever the status is set (today
SECAS completing an assessment); the User marks each step done with evidence, SECAS accepts it
or sends it back with a reason, and when the last step is accepted the plan closes and a new
"Approved" record joins the assurance history, so the status in force reads Approved.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from assessments.models import (
    AssuranceRecord,
    LatestAssurance,
    RemediationPlan,
    RemediationStep,
    StepEvidence,
    StepEvidenceDownload,
    StepState,
)
from notifications.models import AssuranceStatus, stored_file_fields
from notifications.recipients import portal_link, recipients_for
from notifications.services import (
    TransitionRefused,
    in_sentence,
    perform_transition,
    queue_email,
)
from users.models import SecurityEvent, User
from users.policy import allows
from users.security import record_event

PLAN_COMPLETED_NOTE = "Remediation plan completed: every step accepted by SECAS."


@dataclass(frozen=True)
class StepPlan:
    """One step as the decision sets it."""

    description: str
    owner_name: str
    owner_email: str
    due_date: date


def create_remediation_plan(
    *, record: AssuranceRecord, steps: list[StepPlan], by: User
) -> RemediationPlan:
    """Open the plan for an "Approved subject to steps" record; called inside its transaction."""
    if record.status != AssuranceStatus.APPROVED_SUBJECT_TO_STEPS:
        raise TransitionRefused("Only “Approved subject to steps” comes with a remediation plan.")
    if record.assessment is None:
        raise TransitionRefused("A remediation plan follows an assessment recorded on the portal.")
    if not steps:
        raise TransitionRefused(
            "“Approved subject to steps” needs at least one step, with an owner and a due date."
        )
    today = timezone.localdate()
    for number, step in enumerate(steps, start=1):
        if not step.description.strip() or not step.owner_name.strip():
            raise TransitionRefused(f"Step {number} needs a description and an owner.")
        if step.due_date <= today:
            raise TransitionRefused(f"Step {number}'s due date must be after today.")
    plan = RemediationPlan.objects.create(
        assessment=record.assessment,
        organisation=record.organisation,
        record=record,
        created_by=by,
    )
    RemediationStep.objects.bulk_create(
        RemediationStep(
            plan=plan,
            position=number,
            description=step.description.strip(),
            owner_name=step.owner_name.strip(),
            owner_email=step.owner_email.strip(),
            due_date=step.due_date,
        )
        for number, step in enumerate(steps, start=1)
    )
    return plan


def lock_step(step: RemediationStep) -> RemediationStep:
    return (
        RemediationStep.objects.select_for_update(of=("self",))
        .select_related("plan__organisation")
        .get(pk=step.pk)
    )


def mark_step_done(*, step: RemediationStep, by: User, note: str) -> RemediationStep:
    """The User says the step is done; its evidence must be uploaded first."""
    note = (note or "").strip()
    if not note:
        raise TransitionRefused("Please say briefly what was done.")
    with transaction.atomic():
        locked = lock_step(step)
        if locked.is_with_the_user and not locked.evidence.exists():
            raise TransitionRefused(
                "Please upload the evidence that the step is done before marking it done."
            )
        perform_transition(locked, "mark_done", by=by, note=note, description=note)
    return locked


def accept_step(*, step: RemediationStep, by: User) -> RemediationStep:
    """SECAS accepts a step; the last one accepted closes the plan."""
    with transaction.atomic():
        locked = lock_step(step)
        perform_transition(locked, "accept", by=by, description="Accepted by SECAS")
        plan = RemediationPlan.objects.select_for_update().get(pk=locked.plan_id)
        if not plan.is_closed and not plan.steps.exclude(state=StepState.ACCEPTED).exists():
            close_plan(plan=plan, by=by)
    return locked


def send_back_step(*, step: RemediationStep, by: User, reason: str) -> RemediationStep:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("Please say why the step is sent back, so the User can act on it.")
    with transaction.atomic():
        locked = lock_step(step)
        perform_transition(locked, "send_back", by=by, reason=reason, description=reason)
        organisation = locked.plan.organisation
        queue_email(
            kind="remediation_step_sent_back",
            to=recipients_for("remediation_step_sent_back", organisation=organisation),
            template="remediation_step_sent_back",
            context={
                "step": locked,
                "organisation": organisation,
                "step_url": portal_link("assessments:remediation_step", locked.pk),
            },
            organisation=organisation,
        )
    return locked


def plan_still_in_force(plan: RemediationPlan) -> bool:
    """Whether the plan's "subject to steps" record is still the status in force: a later
    outcome (another assessment, a correction) replaces it, and the plan then changes nothing."""
    subject_to_steps = plan.record
    systems = list(subject_to_steps.systems.values_list("pk", flat=True))
    if systems:
        return LatestAssurance.objects.filter(
            user_system__in=systems, record=subject_to_steps
        ).exists()
    latest = (
        AssuranceRecord.objects.filter(organisation=plan.organisation)
        .order_by("-effective_date", "-recorded_at", "-pk")
        .first()
    )
    return latest is not None and latest.pk == subject_to_steps.pk


def close_plan(*, plan: RemediationPlan, by: User) -> AssuranceRecord | None:
    """Every step accepted: the status in force becomes Approved, as a new history record,
    unless a later outcome has replaced the plan's; then the plan just closes."""
    subject_to_steps = plan.record
    if not plan_still_in_force(plan):
        plan.closed_at = timezone.now()
        plan.save(update_fields=["closed_at"])
        return None
    record = AssuranceRecord.objects.create(
        organisation=plan.organisation,
        status=AssuranceStatus.APPROVED,
        kind=subject_to_steps.kind,
        # The same assessment's outcome: an ad-hoc one that did not count still does not.
        reason=subject_to_steps.reason,
        counts_as_annual_review=subject_to_steps.counts_as_annual_review,
        cycle_year=subject_to_steps.cycle_year,
        # Same fieldwork: closing the plan does not restart the annual-review clock.
        fieldwork_end_date=subject_to_steps.fieldwork_end_date,
        effective_date=timezone.localdate(),
        notes=PLAN_COMPLETED_NOTE,
    )
    systems = list(subject_to_steps.systems.values_list("pk", flat=True))
    record.systems.set(systems)
    LatestAssurance.objects.refresh(systems)
    plan.closing_record = record
    plan.closed_at = timezone.now()
    plan.save(update_fields=["closing_record", "closed_at"])
    record_event(
        SecurityEvent.Kind.DECISION,
        actor=by,
        organisation=plan.organisation,
        summary=f"{by} accepted the last remediation step: {plan.organisation} is Approved",
    )
    return record


def add_step_evidence(
    *, step: RemediationStep, by: User, upload, kind, tlp: str, description: str = ""
) -> StepEvidence:
    """Store a checked upload (AttachmentForm's checks) as evidence for a step with the User."""
    with transaction.atomic():
        locked = lock_step(step)
        if not allows(by, "assessments.complete_remediation_step", locked):
            raise TransitionRefused(
                "Only a submitter of the organisation can add evidence to its remediation steps."
            )
        if not locked.is_with_the_user:
            raise TransitionRefused(
                f"This step is {in_sentence(locked.get_state_display())}: "
                "no more evidence is needed."
            )
        return StepEvidence.objects.create(
            step=locked,
            uploaded_by=by,
            **stored_file_fields(upload=upload, kind=kind, tlp=tlp, description=description),
        )


def record_evidence_download(
    *, evidence: StepEvidence, by: User, request=None
) -> StepEvidenceDownload:
    record_event(
        SecurityEvent.Kind.DOWNLOAD,
        actor=by,
        request=request,
        organisation=evidence.step.plan.organisation,
        summary=f"{by} downloaded {evidence.original_name} ({evidence.get_tlp_display()}) "
        f"from a remediation step",
    )
    return StepEvidenceDownload.objects.create(evidence=evidence, user=by)
