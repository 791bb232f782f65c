"""Approved subject to steps: the remediation plan, from the completion to the plan closed."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import remediation, services
from assessments.models import (
    Assessment,
    AssessmentReason,
    AssuranceRecord,
    LatestAssurance,
    RemediationPlan,
    Reminder,
    StepEvidenceDownload,
    StepState,
)
from assessments.reminders import find_due, send_reminders
from notifications.models import AssuranceStatus, UserSystem
from notifications.services import TransitionRefused
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments.journey import checked_upload
from tests.uploads import PDF_BYTES, upload

SUBJECT_TO_STEPS = AssuranceStatus.APPROVED_SUBJECT_TO_STEPS


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def a_step(description="Rotate the signing keys.", due=30):
    return remediation.StepPlan(description, "Kim Owner", "kim@example.org", in_days(due))


@pytest.fixture
def ready(organisation, secas):
    """An assessment with its response in, ready for the SSC's status; one system in scope."""
    system = UserSystem.objects.create(organisation=organisation, name="Head end")
    assessment = Assessment.objects.create(
        # Year 2: not an initial FUSA, whose status the Panel would set.
        organisation=organisation,
        kind="vusa",
        cycle_year=2,
        due_date=in_days(60),
    )
    assessment.systems_in_scope.add(system)
    services.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="CIO LLP",
        fieldwork_start_date=in_days(-40),
        fieldwork_end_date=in_days(-30),
    )
    services.start_fieldwork(assessment=assessment, by=secas, started_on=in_days(-40))
    services.record_report(
        assessment=assessment,
        by=secas,
        received_on=in_days(-20),
        fieldwork_ended_on=in_days(-30),
        response_due_date=in_days(-5),
        documents=[checked_upload("report.pdf")],
    )
    services.record_response(
        assessment=assessment,
        by=secas,
        received_on=in_days(-6),
        documents=[checked_upload("response.pdf")],
    )
    services.propose_outcome(
        assessment=assessment, by=secas, status=SUBJECT_TO_STEPS, rationale="Two gaps to close."
    )
    assessment.refresh_from_db()
    return assessment


def decide(assessment, status=SUBJECT_TO_STEPS, steps=None):
    """An SSC member decides the proposed outcome at a quorate meeting held today."""
    member = factories.ssc_user(full_name="Deciding Member")
    return services.decide_assessment_outcome(
        assessment=assessment,
        by=member,
        meeting=factories.SSCMeetingFactory(attendees=[member]),
        status=status,
        rationale="Decided on the report.",
        steps=steps,
    )


@pytest.fixture
def plan(ready):
    decide(ready, steps=[a_step(), a_step("Retest the firewall.", due=60)])
    return RemediationPlan.objects.get(assessment=ready)


def evidence_for(step, by):
    file = upload("evidence.pdf", PDF_BYTES)
    file.safe_name = "evidence.pdf"
    from notifications.filetypes import sniff

    return remediation.add_step_evidence(
        step=step, by=by, upload=file, kind=sniff(file), tlp="amber"
    )


def done(step, by):
    evidence_for(step, by)
    return remediation.mark_step_done(step=step, by=by, note="Keys rotated on 1 March.")


# --- Services --------------------------------------------------------------------------------


def test_approved_subject_to_steps_needs_at_least_one_step(ready, secas):
    with pytest.raises(TransitionRefused, match="at least one step"):
        decide(ready, steps=[])
    ready.refresh_from_db()
    assert ready.is_open
    assert not AssuranceRecord.objects.exists()


def test_steps_come_only_with_approved_subject_to_steps(ready, secas):
    with pytest.raises(TransitionRefused, match="Only “Approved subject to steps”"):
        decide(ready, status="approved", steps=[a_step()])


def test_a_step_due_today_or_earlier_is_refused(ready, secas):
    with pytest.raises(TransitionRefused, match="Step 1's due date must be after today"):
        decide(ready, steps=[a_step(due=0)])


def test_completion_opens_the_plan_with_its_steps(plan, ready):
    email = OutboundEmail.objects.filter(kind="assessment_decision_letter").first()
    assert "1. Rotate the signing keys. – owner: Kim Owner" in email.body_text
    assert plan.record.status == SUBJECT_TO_STEPS
    assert plan.record.assessment == ready
    steps = list(plan.steps.all())
    assert [(s.position, s.description, s.state) for s in steps] == [
        (1, "Rotate the signing keys.", StepState.OPEN),
        (2, "Retest the firewall.", StepState.OPEN),
    ]
    assert not plan.is_closed


def test_a_step_is_marked_done_only_with_evidence(plan, submitter):
    step = plan.steps.first()
    with pytest.raises(TransitionRefused, match="upload the evidence"):
        remediation.mark_step_done(step=step, by=submitter, note="Done.")
    done(step, submitter)
    step.refresh_from_db()
    assert step.state == StepState.DONE
    log = StateLog.objects.for_(step).get()
    assert (log.by, log.transition, log.description) == (
        submitter,
        "mark_done",
        "Keys rotated on 1 March.",
    )


def test_a_preparer_or_another_organisation_cannot_mark_a_step_done(
    plan, preparer, other_submitter
):
    step = plan.steps.first()
    for person in (preparer, other_submitter):
        with pytest.raises(TransitionRefused, match="Only a submitter"):
            evidence_for(step, person)


def test_accepting_a_step_not_yet_done_is_refused_in_plain_words(plan, secas):
    step = plan.steps.first()
    with pytest.raises(TransitionRefused, match="“Accept the step” is not possible"):
        remediation.accept_step(step=step, by=secas)


def test_only_secas_accepts_a_step(plan, submitter):
    step = plan.steps.first()
    done(step, submitter)
    with pytest.raises(TransitionRefused, match="You do not have permission"):
        remediation.accept_step(step=step, by=submitter)


def test_sending_back_needs_a_reason_tells_the_user_and_they_can_do_it_again(
    plan, secas, submitter, django_capture_on_commit_callbacks
):
    step = plan.steps.first()
    done(step, submitter)
    with pytest.raises(TransitionRefused, match="say why"):
        remediation.send_back_step(step=step, by=secas, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        remediation.send_back_step(
            step=step, by=secas, reason="The evidence is for another system."
        )
    sent = OutboundEmail.objects.filter(kind="remediation_step_sent_back")
    assert submitter.email in {address for email in sent for address in email.to}
    assert "The evidence is for another system." in sent.first().body_text
    step.refresh_from_db()
    assert step.state == StepState.SENT_BACK
    assert step.sent_back_reason == "The evidence is for another system."
    done(step, submitter)
    step.refresh_from_db()
    assert step.state == StepState.DONE


def test_two_people_accepting_at_once_accept_once(plan, secas, submitter):
    step = plan.steps.first()
    done(step, submitter)
    stale = plan.steps.get(pk=step.pk)
    other_secas = factories.secas_user()
    remediation.accept_step(step=step, by=secas)
    with pytest.raises(TransitionRefused, match="is not possible"):
        remediation.accept_step(step=stale, by=other_secas)
    assert StateLog.objects.for_(step).filter(transition="accept").count() == 1


def test_the_plan_closes_when_every_step_is_accepted_and_the_status_reads_approved(
    plan, secas, submitter, ready
):
    first, second = plan.steps.all()
    done(first, submitter)
    remediation.accept_step(step=first, by=secas)
    plan.refresh_from_db()
    assert not plan.is_closed
    system = ready.systems_in_scope.get()
    assert LatestAssurance.objects.get(user_system=system).status == SUBJECT_TO_STEPS
    done(second, submitter)
    remediation.accept_step(step=second, by=secas)
    plan.refresh_from_db()
    assert plan.is_closed
    closing = plan.closing_record
    assert closing.status == AssuranceStatus.APPROVED
    assert closing.fieldwork_end_date == plan.record.fieldwork_end_date
    assert closing.notes == remediation.PLAN_COMPLETED_NOTE
    assert LatestAssurance.objects.get(user_system=system).status == AssuranceStatus.APPROVED
    # The history keeps both: subject to steps, then approved.
    assert AssuranceRecord.objects.filter(organisation=ready.organisation).count() == 2


def test_closing_an_ad_hoc_plan_keeps_its_reason_and_does_not_count_as_the_annual_review(
    ready, secas, submitter
):
    Assessment.objects.filter(pk=ready.pk).update(
        reason=AssessmentReason.G8_13, counts_as_annual_review=False
    )
    ready.refresh_from_db()
    decide(ready, steps=[a_step()])
    plan = RemediationPlan.objects.get(assessment=ready)
    step = plan.steps.get()
    done(step, submitter)
    remediation.accept_step(step=step, by=secas)
    plan.refresh_from_db()
    closing = plan.closing_record
    assert closing.reason == AssessmentReason.G8_13
    assert not closing.counts_as_annual_review
    assert not AssuranceRecord.objects.annual().filter(organisation=ready.organisation).exists()


# --- Reminders -------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_before", "step"), [(14, 14), (10, 14), (3, 3)])
def test_step_reminders_go_14_and_3_days_before(plan, days_before, step):
    first = plan.steps.first()
    today = first.due_date - datetime.timedelta(days=days_before)
    found = [d for d in find_due(today) if d.target == f"remediation_step:{first.pk}"]
    assert [(d.kind, d.step) for d in found] == [(Reminder.Kind.REMEDIATION_STEP_DUE, step)]
    assert "kim@example.org" in found[0].to


def test_an_overdue_step_is_reminded_once_to_the_user_and_secas(plan, settings):
    first = plan.steps.first()
    with time_machine.travel(first.due_date + datetime.timedelta(days=2)):
        send_reminders()
        send_reminders()
    sent = Reminder.objects.filter(
        kind=Reminder.Kind.REMEDIATION_STEP_OVERDUE, target=f"remediation_step:{first.pk}"
    )
    assert sent.count() == 1
    assert settings.SECAS_MAILBOX in sent.get().recipients


def test_a_step_done_is_no_longer_reminded(plan, submitter):
    first = plan.steps.first()
    done(first, submitter)
    today = first.due_date + datetime.timedelta(days=1)
    assert not [d for d in find_due(today) if d.target == f"remediation_step:{first.pk}"]


def test_the_weekly_digest_counts_overdue_steps(plan):
    today = plan.steps.first().due_date + datetime.timedelta(days=1)
    digest = next(d for d in find_due(today) if d.kind == Reminder.Kind.WEEKLY_DIGEST)
    assert "Remediation steps overdue (still with the User): 1." in digest.lines


# --- Pages -----------------------------------------------------------------------------------


def test_the_ssc_decides_with_steps_on_the_committee_page(client, ready, ssc_member, meeting):
    client.force_login(ssc_member)
    url = reverse("assessments:decide_outcome", args=[ready.pk])
    form = {
        "meeting": meeting.pk,
        "status": SUBJECT_TO_STEPS,
        "rationale": "Two gaps to close.",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
    }
    response = client.post(url, form, follow=True)
    assert "needs at least one step" in text(response)
    response = client.post(
        url,
        {
            **form,
            "steps-0-description": "Rotate the keys.",
            "steps-0-owner_name": "Kim Owner",
            "steps-0-owner_email": "not an email",
            "steps-0-due_date": in_days(30).isoformat(),
        },
    )
    assert response.status_code == 200
    assert 'value="Kim Owner"' in text(response)
    response = client.post(
        url,
        {
            **form,
            "steps-0-description": "Rotate the keys.",
            "steps-0-owner_name": "Kim Owner",
            "steps-0-owner_email": "kim@example.org",
            "steps-0-due_date": in_days(30).isoformat(),
        },
        follow=True,
    )
    assert "Decision recorded: Approved subject to steps." in text(response)
    client.force_login(factories.secas_user())
    response = client.get(reverse("secas:assessment", args=[ready.pk]))
    page = text(response)
    assert "Remediation plan" in page
    assert "Rotate the keys." in page
    assert f"{in_days(30):%d/%m/%Y}" in page


def test_the_user_shows_a_step_done_and_secas_accepts_it(client, plan, submitter, secas):
    first, second = plan.steps.all()
    client.force_login(submitter)
    home = text(client.get(reverse("organisation_home", args=[plan.organisation_id])))
    assert "Your open remediation steps" in home
    assert "Rotate the signing keys." in home
    step_url = reverse("assessments:remediation_step", args=[first.pk])
    page = text(client.get(step_url))
    assert "Upload evidence" in page
    refused = client.post(
        reverse("assessments:remediation_step_done", args=[first.pk]),
        {"note": "Done."},
        follow=True,
    )
    assert "upload the evidence" in text(refused)
    bad = client.post(
        reverse("assessments:remediation_evidence_upload", args=[first.pk]),
        {"file": upload("evidence.pdf", b"MZ not a pdf at all"), "tlp": "amber"},
        follow=True,
    )
    assert "its content is a plain text" in text(bad)
    client.post(
        reverse("assessments:remediation_evidence_upload", args=[first.pk]),
        {"file": upload("evidence.pdf", PDF_BYTES), "tlp": "green"},
    )
    response = client.post(
        reverse("assessments:remediation_step_done", args=[first.pk]),
        {"note": "Keys rotated."},
        follow=True,
    )
    assert "the step is now done, awaiting SECAS" in text(response)

    client.force_login(secas)
    page = text(client.get(step_url))
    assert "Accept the step" in page
    response = client.post(
        reverse("assessments:remediation_step_send_back", args=[first.pk]),
        {"reason": "Show the new key's fingerprint."},
        follow=True,
    )
    assert "Sent back to the User" in text(response)
    assert "Show the new key&#x27;s fingerprint." in text(response)
    # Out of order: accepting a step sent back is refused with a message, not an error.
    response = client.post(
        reverse("assessments:remediation_step_accept", args=[first.pk]), follow=True
    )
    assert "is not possible" in text(response)

    client.force_login(submitter)
    client.post(
        reverse("assessments:remediation_step_done", args=[first.pk]),
        {"note": "Fingerprint attached."},
    )
    evidence_for(second, submitter)
    client.post(reverse("assessments:remediation_step_done", args=[second.pk]), {"note": "Done."})
    client.force_login(secas)
    response = client.post(
        reverse("assessments:remediation_step_accept", args=[first.pk]), follow=True
    )
    assert "Accepted." in text(response)
    response = client.post(
        reverse("assessments:remediation_step_accept", args=[second.pk]), follow=True
    )
    assert "the plan is closed; the status is Approved" in text(response)
    page = text(client.get(reverse("secas:assessment", args=[plan.assessment_id])))
    assert "every step accepted, and the status in force is Approved" in page


def test_evidence_downloads_are_logged_and_kept_to_the_organisation_and_secas(
    client, plan, submitter, secas, other_submitter, ssc_member
):
    evidence = evidence_for(plan.steps.first(), submitter)
    url = reverse("assessments:remediation_evidence_download", args=[evidence.pk])
    for outsider in (other_submitter, ssc_member):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert (
            client.get(reverse("assessments:remediation_step", args=[evidence.step_id])).status_code
            == 404
        )
    client.force_login(secas)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert StepEvidenceDownload.objects.get().user == secas


def test_overdue_steps_are_on_the_secas_dashboard_with_a_list_and_csv(client, plan, secas):
    with time_machine.travel(plan.steps.first().due_date + datetime.timedelta(days=3)):
        client.force_login(secas)
        dashboard = text(client.get(reverse("secas:dashboard")))
        assert "Overdue remediation steps (1)" in dashboard
        listing = text(client.get(reverse("secas:overdue_steps")))
        assert "Rotate the signing keys." in listing
        rows = list(
            csv.reader(
                io.StringIO(
                    text(client.get(reverse("secas:export", args=["overdue-remediation-steps"])))
                )
            )
        )
    assert rows[0] == ["Organisation", "Step", "Description", "Owner", "Due", "State"]
    assert rows[1][2] == "Rotate the signing keys."
    assert len(rows) == 2


# --- Found by review: a later outcome stands; what was typed is kept ------------------------------


def test_a_plan_closing_after_a_later_outcome_leaves_that_outcome_in_force(
    plan, secas, submitter, ready
):
    system = ready.systems_in_scope.get()
    later = AssuranceRecord(
        organisation=ready.organisation,
        status=AssuranceStatus.REJECTED,
        kind="fusa",
        reason=plan.record.reason,
        counts_as_annual_review=plan.record.counts_as_annual_review,
        cycle_year=plan.record.cycle_year,
        fieldwork_end_date=plan.record.fieldwork_end_date,
        effective_date=timezone.localdate(),
        notes="A later outcome.",
    )
    services.record_assurance_history(record=later, systems=[system], by=secas)
    for step in plan.steps.all():
        done(step, submitter)
        remediation.accept_step(step=step, by=secas)
    plan.refresh_from_db()
    assert plan.is_closed
    assert plan.closing_record is None
    assert LatestAssurance.objects.get(user_system=system).status == AssuranceStatus.REJECTED


def test_a_refused_done_keeps_the_note_that_was_typed(client, plan, submitter):
    first = plan.steps.first()
    client.force_login(submitter)
    response = client.post(
        reverse("assessments:remediation_step_done", args=[first.pk]),
        {"note": "UNIQUE-TYPED-NOTE"},
    )
    page = text(response)
    assert "upload the evidence" in page
    assert "UNIQUE-TYPED-NOTE" in page


def test_a_refused_decision_keeps_the_status_rationale_and_steps_typed(
    client, ready, ssc_member, meeting
):
    client.force_login(ssc_member)
    url = reverse("assessments:decide_outcome", args=[ready.pk])
    response = client.post(
        url,
        {
            "meeting": meeting.pk,
            "status": SUBJECT_TO_STEPS,
            "rationale": "MYNOTES",
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "0",
            "steps-0-description": "Rotate the keys.",
            "steps-0-owner_name": "Kim Owner",
            "steps-0-owner_email": "kim@example.org",
            "steps-0-due_date": timezone.localdate().isoformat(),
        },
    )
    page = text(response)
    assert "after today" in page
    assert "MYNOTES" in page
    assert 'value="Kim Owner"' in page
    assert "Rotate the keys." in page
    ready.refresh_from_db()
    assert not ready.is_completed
