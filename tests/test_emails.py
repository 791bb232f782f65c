"""Every email the portal writes, from one scenario that runs the whole lifecycle and every kind
of reminder: each template is rendered, each row greets the person it is addressed to, links the
page that person uses, and never lower-cases a label such as "G8.13" or "CIO"."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test.signals import template_rendered
from django.utils import timezone

from assessments import appeals, papers, remediation, written
from assessments import services as committee
from assessments.models import Assessment, Reminder
from assessments.panel_report import generate_scheduled_report
from assessments.remediation import StepPlan
from assessments.reminders import send_reminders
from assessments.selectors import is_initial_fusa
from notifications import services as intake
from notifications.filetypes import sniff
from notifications.models import Notification
from notifications.workdays import add_working_days
from sscportal.mail.models import OutboundEmail
from sscportal.mail.tasks import deliver_pending_emails
from tests import factories
from tests.assessments.test_lifecycle import checked_upload
from tests.uploads import PDF_BYTES, upload
from users.models import SECAS_STAFF_GROUP, SSC_MEMBERS_GROUP, Membership, User

LABELS = ("G8.13", "CIO", "SSC", "SECAS", "FUSA", "VUSA", "USSA")
# The users app sends these itself, straight after its own changes commit, not via the outbox.
NOT_OUTBOX = ("staff_invitation",)
EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
START = datetime.date(2027, 1, 4)  # a Monday
RUN = datetime.date(2027, 3, 1)  # the Monday of the reminder run


def at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_default_timezone()),
        tick=False,
    )


def submit(organisation, preparer, submitter, **content):
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer, **content)
    return intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)


def decided(assessment, secas, *, status, steps=None):
    """SECAS proposes; an SSC member decides at a quorate meeting held today."""
    committee.propose_outcome(
        assessment=assessment, by=secas, status=status, rationale="As the report shows."
    )
    if is_initial_fusa(assessment):
        # The Panel sets an initial FUSA's status: SECAS records it.
        return committee.decide_assessment_outcome(
            assessment=assessment,
            by=secas,
            panel_meeting_date=timezone.localdate(),
            status=status,
            rationale="The Panel agrees with SECAS.",
            steps=steps,
        )
    member = factories.ssc_user(full_name="Dana Decider")
    return committee.decide_assessment_outcome(
        assessment=assessment,
        by=member,
        meeting=factories.SSCMeetingFactory(attendees=[member]),
        status=status,
        rationale="The SSC agrees with SECAS.",
        steps=steps,
    )


def take_to_the_end(assessment, secas, *, status, submitter=None, steps=None):
    if assessment.is_self_assessment:
        # The User submits its self-assessment; the CIO's review is recorded; the User uploads
        # its response on the portal; then the outcome.
        assessment = committee.submit_self_assessment(
            assessment=assessment, by=submitter, files=[checked_upload("self-assessment.pdf")]
        )
        assessment = committee.record_cio_review(
            assessment=assessment,
            by=secas,
            cio_name="Assure CIO Ltd",
            reviewed_on=START + datetime.timedelta(days=4),
            response_due_date=START + datetime.timedelta(days=20),
            documents=[checked_upload("cio-review.pdf")],
        )
        committee.submit_response(
            assessment=assessment, by=submitter, documents=[checked_upload("response.pdf")]
        )
        return decided(assessment, secas, status=status, steps=steps)
    assessment = committee.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="Assure CIO Ltd",
        fieldwork_start_date=START,
        fieldwork_end_date=START + datetime.timedelta(days=4),
    )
    committee.start_fieldwork(assessment=assessment, by=secas, started_on=START)
    committee.record_report(
        assessment=assessment,
        by=secas,
        received_on=START + datetime.timedelta(days=5),
        fieldwork_ended_on=START + datetime.timedelta(days=4),
        response_due_date=START + datetime.timedelta(days=20),
        documents=[checked_upload("report.pdf")],
    )
    committee.record_response(
        assessment=assessment,
        by=secas,
        received_on=START + datetime.timedelta(days=6),
        documents=[checked_upload("response.pdf")],
    )
    return decided(assessment, secas, status=status, steps=steps)


@pytest.fixture
def rendered():
    names = set()

    def record(sender, template, context, **kwargs):
        names.add(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


@pytest.fixture
def everything(rendered, organisation, other_organisation, preparer, submitter, org_admin):
    """Every outbox email and every reminder kind."""
    secas = factories.secas_user(full_name="Sam Patel")
    rapporteur = factories.ssc_user(full_name="Chris Member")
    chair = factories.ssc_chair(full_name="Margaret Chair")
    other_people = factories.MembershipFactory(
        organisation=other_organisation, role=Membership.Role.SUBMITTER
    ).user

    with at(START):
        meeting = factories.SSCMeetingFactory(date=START)
        # Assessment required, questions and messages both ways, then the assessment to the end.
        required = submit(organisation, preparer, submitter)
        committee.start_review(
            notification=required, by=secas, rapporteur=rapporteur, meeting=meeting
        )
        intake.request_information(notification=required, by=rapporteur, question="Keys?")
        intake.post_message(notification=required, by=submitter, body="Sending the report.")
        intake.post_message(notification=required, by=secas, body="Thank you.")
        intake.provide_information(notification=required, by=submitter, response="Our HSM.")
        committee.decide(
            notification=required,
            by=rapporteur,
            outcome="assessment_required",
            rationale="Never assessed.",
            meeting=meeting,
            assessment_kind="ussa",
            assessment_due_date=START + datetime.timedelta(days=90),
        )
        take_to_the_end(required.assessment, secas, status="deferred", submitter=submitter)
        # The User appeals the Deferred outcome; the Panel upholds it.
        appeal = appeals.lodge_appeal(
            by=submitter,
            grounds="Our response answered every finding.",
            documents=[checked_upload("appeal.pdf")],
            assessment_decision=required.assessment.decision,
        )
        appeals.start_consideration(appeal=appeal, by=secas)
        appeals.record_appeal_outcome(
            appeal=appeal,
            by=secas,
            upheld=True,
            reasons="The SSC should read the response again.",
            panel_meeting_date=START,
        )
        # No assessment needed; a late notice; a withdrawal; an annual review completed.
        decided = submit(organisation, preparer, submitter)
        committee.start_review(
            notification=decided, by=secas, rapporteur=rapporteur, meeting=meeting
        )
        committee.decide(
            notification=decided,
            by=rapporteur,
            outcome="no_assessment",
            rationale="Assessed with its SRP.",
            meeting=meeting,
        )
        # Chair's action: the go-live comes before the next meeting; the chair decides alone.
        next_meeting = factories.SSCMeetingFactory(date=START + datetime.timedelta(days=14))
        urgent = submit(organisation, preparer, submitter, planned_go_live_date=START + one() * 7)
        committee.start_review(
            notification=urgent, by=secas, rapporteur=rapporteur, meeting=next_meeting
        )
        committee.decide(
            notification=urgent,
            by=chair,
            route="chairs_action",
            outcome="no_assessment",
            rationale="Assessed with its SRP; it goes live before the meeting.",
            meeting=next_meeting,
        )
        late = submit(organisation, preparer, submitter, planned_go_live_date=START)
        # A late notice referred to the SEC Panel, and the Panel's outcome.
        referral = appeals.refer_to_panel(
            by=secas, notification=late, ground="late_notice", reason="Live on the day of notice."
        )
        appeals.record_referral_outcome(
            referral=referral,
            by=secas,
            outcome="Noted; a reminder of G8.",
            panel_meeting_date=START,
        )
        withdrawn = submit(organisation, preparer, submitter)
        committee.start_review(
            notification=withdrawn, by=secas, rapporteur=rapporteur, meeting=meeting
        )
        intake.withdraw_notification(notification=withdrawn, by=submitter, reason="Cancelled.")
        review = Assessment.objects.create(
            organisation=other_organisation, kind="fusa", cycle_year=1, due_date=RUN
        )
        take_to_the_end(review, secas, status="approved")
        # Approved subject to steps: one step due soon and one overdue on the reminder run.
        stepped = Assessment.objects.create(
            organisation=other_organisation, kind="vusa", cycle_year=2, due_date=RUN
        )
        take_to_the_end(
            stepped,
            secas,
            status="approved_subject_to_steps",
            steps=[
                StepPlan("Rotate the keys.", "Kim Owner", "kim@example.org", RUN + one() * 3),
                StepPlan("Patch the head end.", "Kim Owner", "kim@example.org", RUN - one()),
            ],
        )
        # The first step done with evidence, and sent back by SECAS.
        first = stepped.remediation_plan.steps.get(position=1)
        evidence = upload("evidence.pdf", PDF_BYTES)
        evidence.safe_name = "evidence.pdf"
        remediation.add_step_evidence(
            step=first, by=other_people, upload=evidence, kind=sniff(evidence), tlp="amber"
        )
        remediation.mark_step_done(step=first, by=other_people, note="Keys rotated.")
        remediation.send_back_step(step=first, by=secas, reason="Show the new key's fingerprint.")

        # What the reminder run on RUN finds due.
        submit(  # go-live near, undecided; triage and decision late
            other_organisation,
            other_people,
            other_people,
            planned_go_live_date=add_working_days(RUN, 5),
        )
        soon, overdue = (
            submit(organisation, preparer, submitter, planned_go_live_date=RUN + delta)
            for delta in (datetime.timedelta(days=200), datetime.timedelta(days=201))
        )
        for case in (soon, overdue):
            committee.start_review(
                notification=case, by=secas, rapporteur=rapporteur, meeting=meeting
            )
        # Deferred to a meeting after its go-live: the committee and the User are told.
        deferred = submit(
            organisation, preparer, submitter, planned_go_live_date=START + one() * 10
        )
        committee.start_review(
            notification=deferred, by=secas, rapporteur=rapporteur, meeting=meeting
        )
        committee.defer_case(
            notification=deferred,
            by=rapporteur,
            from_meeting=meeting,
            to_meeting=factories.SSCMeetingFactory(date=START + one() * 21),
            reason="The CIO's note on key separation is not in yet.",
        )
        g8_13 = submit(organisation, preparer, submitter)
        committee.start_review(notification=g8_13, by=secas, rapporteur=rapporteur, meeting=meeting)
        committee.decide(
            notification=g8_13,
            by=rapporteur,
            outcome="assessment_required",
            assessment_kind="fusa",
            rationale="Never assessed.",
            meeting=meeting,
            assessment_due_date=RUN + datetime.timedelta(days=7),
        )
        committee.schedule_assessment(
            assessment=g8_13.assessment,
            by=secas,
            cio_name="Assure CIO Ltd",
            fieldwork_start_date=RUN,
            fieldwork_end_date=RUN + datetime.timedelta(days=3),
        )
        # A meeting just after the run: its papers published and re-issued; its case has no
        # recommendation yet, so the rapporteur is reminded.
        upcoming = factories.SSCMeetingFactory(date=add_working_days(RUN, 2))
        on_agenda = submit(organisation, preparer, submitter, planned_go_live_date=RUN + one() * 90)
        committee.start_review(
            notification=on_agenda, by=secas, rapporteur=rapporteur, meeting=upcoming
        )
        papers.publish_papers(meeting=upcoming, by=secas)
        papers.publish_papers(meeting=upcoming, by=secas, changes="The SRP's answer is added.")
        # A written procedure that nobody answers: the run on RUN finds it closed, not carried.
        unanswered = submit(organisation, preparer, submitter)
        committee.start_review(
            notification=unanswered, by=secas, rapporteur=rapporteur, meeting=meeting
        )
        written.open_written_procedure(
            notification=unanswered, by=secas, outcome="no_assessment", rationale="By its SRP."
        )
    # One closing 2 SEC working days after RUN: its members are reminded to reply.
    with at(add_working_days(RUN, -3)):
        # Also the next ordinary meeting, which the unanswered one's case goes to.
        later = factories.SSCMeetingFactory(date=RUN + datetime.timedelta(days=14))
        closing = submit(organisation, preparer, submitter)
        committee.start_review(notification=closing, by=secas, rapporteur=rapporteur, meeting=later)
        written.open_written_procedure(
            notification=closing, by=secas, outcome="no_assessment", rationale="By its SRP."
        )
    with at(RUN - datetime.timedelta(days=20)):
        intake.request_information(
            notification=soon, by=rapporteur, question="Pen test?", response_due_date=RUN + one()
        )
        intake.request_information(
            notification=overdue, by=rapporteur, question="Scope?", response_due_date=RUN - one()
        )
    third = factories.OrganisationFactory(name="Fenland Gas Ltd")
    Assessment.objects.create(
        organisation=third, kind="vusa", cycle_year=2, due_date=RUN + datetime.timedelta(days=30)
    )
    Assessment.objects.create(
        organisation=third, kind="fusa", cycle_year=1, due_date=RUN - datetime.timedelta(days=3)
    )
    for kind, due in (("ussa", RUN + datetime.timedelta(days=3)), ("vusa", RUN - one())):
        waiting = Assessment.objects.create(
            organisation=factories.OrganisationFactory(),
            kind=kind,
            cycle_year=2,
            due_date=RUN + datetime.timedelta(days=60),
            response_due_date=due,
        )
        Assessment.objects.filter(pk=waiting.pk).update(state="report_received")
    with at(RUN):
        send_reminders()
        # The first run after a quarter ends reports it to the Panel.
        generate_scheduled_report()
        # Reminder bodies are rendered when delivered: check what was sent, a batch at a time.
        due = sent = 0
        while (batch := deliver_pending_emails())["due"]:
            due, sent = due + batch["due"], sent + batch["sent"]
    assert due == sent == OutboundEmail.objects.count()
    return list(OutboundEmail.objects.select_related("notification_link__notification"))


def one():
    return datetime.timedelta(days=1)


def readable_text(text: str) -> str:
    """The words of an email, without markup, addresses or links (where "ssc" is expected)."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", " ", text)


def miswritten_labels(text: str) -> list[str]:
    found = []
    for label in LABELS:
        pattern = rf"(?<![\w.]){re.escape(label)}(?!\w)"
        found += [m.group() for m in re.finditer(pattern, text, re.IGNORECASE)]
    return [word for word in found if word not in LABELS]


def test_every_email_template_and_every_reminder_kind_is_in_the_scenario(everything, rendered):
    trios = {
        re.sub(r"(_subject)?\.(txt|html)$", "", path.name)
        for path in EMAIL_TEMPLATES.iterdir()
        if not path.name.startswith(("_", *NOT_OUTBOX))
    }
    for name in trios:
        for part in (f"{name}_subject.txt", f"{name}.txt", f"{name}.html"):
            assert (EMAIL_TEMPLATES / part).exists(), f"{name} is not a trio: {part} is missing"
            assert f"emails/{part}" in rendered, f"the scenario never renders emails/{part}"
    reminder_kinds = {e.kind.removeprefix("reminder_") for e in everything if "reminder_" in e.kind}
    assert reminder_kinds == set(Reminder.Kind.values)


def test_no_email_lower_cases_a_label(everything):
    written = [(e.subject, e.body_text, e.body_html) for e in everything]
    for email in written:
        for part in email:
            assert miswritten_labels(readable_text(part)) == [], part
    # The scenario does carry the labels that used to be lower-cased.
    subjects_and_bodies = " ".join(" ".join(email) for email in written)
    assert "Assessment required under G8.13" in subjects_and_bodies
    assert "Scheduled (CIO booked)" in subjects_and_bodies


def test_the_guard_sees_a_lower_cased_label():
    assert miswritten_labels(readable_text("Decision – assessment required under g8.13")) == [
        "g8.13"
    ]
    assert sorted(miswritten_labels(readable_text("scheduled (cio booked), Ssc, secas"))) == [
        "Ssc",
        "cio",
        "secas",
    ]
    # Links and addresses are not words: "/ssc/cases/" and "secas@…" are expected there.
    assert not miswritten_labels(
        readable_text('<a href="http://x/ssc/cases/1/">secas@ssc.local</a>')
    )


def test_no_email_template_lower_cases_what_it_shows():
    for path in EMAIL_TEMPLATES.iterdir():
        assert "|lower" not in path.read_text(), path.name


def test_each_email_greets_the_person_it_is_addressed_to(everything):
    # The scenario's people and named contacts all have addresses of their own.
    names = dict(Notification.objects.values_list("contact_email", "contact_name"))
    names |= dict(User.objects.values_list("email", "full_name"))
    greeted = [e for e in everything if not e.kind.startswith("reminder_")]
    assert greeted
    for email in greeted:
        (address,) = email.to
        name = names.get(address, "")
        greeting = f"Dear {name}," if name else "Hello,"
        assert email.body_text.splitlines()[0] == greeting, (email.kind, address)
        assert f"<p>{greeting}</p>" in email.body_html, (email.kind, address)


def test_each_side_is_sent_to_its_own_page(everything):
    committee_side = {settings.SECAS_MAILBOX} | set(
        User.objects.filter(groups__name__in=[SSC_MEMBERS_GROUP, SECAS_STAFF_GROUP]).values_list(
            "email", flat=True
        )
    )
    for email in everything:
        to_committee = set(email.to) & committee_side
        assert not to_committee or set(email.to) <= committee_side, "one email, both sides"
        link = getattr(email, "notification_link", None)
        case = link.notification if link else None
        # A message is answered where the conversation is, the notification's page, by both sides.
        if to_committee and case is not None and email.kind != "message":
            assert f"/notifications/{case.pk}/" not in email.body_text, email.kind
            assert "/ssc/cases/" in email.body_text or "/secas/" in email.body_text, email.kind
        if not to_committee:
            assert "/ssc/" not in email.body_text, (email.kind, email.to)
            assert "/secas/" not in email.body_text, (email.kind, email.to)
