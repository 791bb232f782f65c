"""The daily reminder run, with frozen dates: every kind, every step, once each, catching up."""

import datetime
import html

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment, Reminder
from assessments.reminders import send_reminders
from notifications import services as intake
from notifications.services import build_email
from sscportal.mail.models import OutboundEmail
from sscportal.mail.services import render_deferred_email
from tests import factories

MONDAY = datetime.date(2027, 3, 1)
K = Reminder.Kind


def at(day: datetime.date):
    """Freeze the clock at 09:00 London time on a day."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_default_timezone()),
        tick=False,
    )


def reminders(kind=None):
    rows = Reminder.objects.all() if kind is None else Reminder.objects.filter(kind=kind)
    return sorted(rows.values_list("kind", "step", "milestone"))


def emails(kind=None):
    """The reminder emails written, each rendered as delivery renders it."""
    rows = OutboundEmail.objects.filter(kind__startswith="reminder_")
    if kind is not None:
        rows = rows.filter(kind=f"reminder_{kind}")
    rows = list(rows)
    for row in rows:
        render_deferred_email(row)
    return rows


@pytest.fixture
def annual_review(organisation, submitter):
    return Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        cycle_year=2,
        due_date=MONDAY + datetime.timedelta(days=100),
        scope="Annual review",
    )


@pytest.mark.parametrize(
    ("days_before", "step"), [(95, None), (90, 90), (60, 90), (30, 30), (10, 30), (7, 7), (1, 7)]
)
def test_annual_review_reminders_go_at_90_30_and_7_days(annual_review, days_before, step):
    with at(annual_review.due_date - datetime.timedelta(days=days_before)):
        send_reminders()
    expected = [] if step is None else [(K.ANNUAL_REVIEW, step, annual_review.due_date)]
    assert reminders(K.ANNUAL_REVIEW) == expected


def test_an_annual_review_reminder_asks_for_undeclared_systems(annual_review, submitter):
    with at(annual_review.due_date - datetime.timedelta(days=30)):
        send_reminders()
    (email,) = emails(K.ANNUAL_REVIEW)
    assert submitter.email in email.to
    assert annual_review.organisation.contact_email in email.to
    assert "annual review" in email.subject
    assert "notify it now" in email.body_text
    assert f"/organisations/{annual_review.organisation_id}/" in email.body_text


def test_each_step_is_sent_once_however_often_the_job_runs(annual_review):
    day = annual_review.due_date - datetime.timedelta(days=30)
    with at(day):
        first = send_reminders()
        second = send_reminders()
    with at(day + datetime.timedelta(days=1)):
        third = send_reminders()
    assert first["sent"] >= 1
    assert second["sent"] == third["sent"] == 0
    assert len(emails(K.ANNUAL_REVIEW)) == 1


def test_a_missed_window_catches_up_with_the_nearest_step_only(annual_review):
    # Nothing ran at 90 days; the first run after that finds 20 days left.
    with at(annual_review.due_date - datetime.timedelta(days=20)):
        send_reminders()
    assert reminders(K.ANNUAL_REVIEW) == [(K.ANNUAL_REVIEW, 30, annual_review.due_date)]
    with at(annual_review.due_date - datetime.timedelta(days=5)):
        send_reminders()
    assert [step for _, step, _ in reminders(K.ANNUAL_REVIEW)] == [7, 30]


def test_the_database_refuses_a_second_reminder_for_the_same_milestone(annual_review):
    from django.db import IntegrityError, transaction

    with at(annual_review.due_date - datetime.timedelta(days=30)):
        send_reminders()
    row = Reminder.objects.get(kind=K.ANNUAL_REVIEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            kind=row.kind,
            target=row.target,
            milestone=row.milestone,
            step=row.step,
            run_id=row.run_id,
        )


@pytest.fixture
def chair(db):
    return factories.ssc_chair(full_name="Margaret Chair")


def submit_for_go_live(organisation, preparer, submitter, go_live):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, planned_go_live_date=go_live
    )
    with at(MONDAY - datetime.timedelta(days=40)):
        return intake.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )


@pytest.mark.parametrize(("working_days", "step"), [(11, None), (10, 10), (6, 10), (5, 5), (1, 5)])
def test_go_live_reminders_at_10_and_5_working_days_without_a_decision(
    organisation, preparer, submitter, chair, settings, working_days, step
):
    from notifications.workdays import add_working_days

    go_live = add_working_days(MONDAY, working_days)
    case = submit_for_go_live(organisation, preparer, submitter, go_live)
    with at(MONDAY):
        send_reminders()
    expected = [] if step is None else [(K.GO_LIVE, step, go_live)]
    assert reminders(K.GO_LIVE) == expected
    if step:
        to_user, to_committee = sorted(
            emails(K.GO_LIVE), key=lambda e: settings.SECAS_MAILBOX in e.to
        )
        # Separate emails: neither side sees the other's addresses.
        assert submitter.email in to_user.to
        assert settings.SECAS_MAILBOX not in to_user.to
        assert set(to_committee.to) == {settings.SECAS_MAILBOX, chair.email}
        assert case.reference in to_user.body_text


def test_no_go_live_reminder_once_decided(
    organisation, preparer, submitter, secas, ssc_member, meeting
):
    from assessments.services import decide, start_review

    case = submit_for_go_live(
        organisation, preparer, submitter, MONDAY + datetime.timedelta(days=3)
    )
    start_review(notification=case, by=secas, rapporteur=ssc_member, meeting=meeting)
    decide(
        notification=case,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Assessed provider.",
        meeting=meeting,
    )
    with at(MONDAY):
        send_reminders()
    assert reminders(K.GO_LIVE) == []


def test_information_reminders_before_and_after_the_due_date(
    under_review, ssc_member, submitter, settings
):
    question = intake.request_information(
        notification=under_review,
        by=ssc_member,
        question="Who holds the keys?",
        response_due_date=MONDAY + datetime.timedelta(days=2),
    )
    with at(MONDAY - datetime.timedelta(days=3)):
        send_reminders()
    assert reminders(K.INFORMATION_DUE) == []
    with at(MONDAY):
        send_reminders()
    assert reminders(K.INFORMATION_DUE) == [(K.INFORMATION_DUE, 2, question.response_due_date)]
    (due,) = emails(K.INFORMATION_DUE)
    assert submitter.email in due.to
    assert settings.SECAS_MAILBOX not in due.to
    with at(MONDAY + datetime.timedelta(days=3)):
        send_reminders()
        send_reminders()
    to_user, to_secas = sorted(
        emails(K.INFORMATION_OVERDUE), key=lambda e: settings.SECAS_MAILBOX in e.to
    )
    assert submitter.email in to_user.to
    assert to_secas.to == [settings.SECAS_MAILBOX]
    assert "has not arrived" in to_secas.body_text
    assert len(reminders(K.INFORMATION_OVERDUE)) == 1


def test_no_chasing_once_the_question_is_answered(under_review, ssc_member, submitter):
    intake.request_information(
        notification=under_review,
        by=ssc_member,
        question="Keys?",
        response_due_date=MONDAY + datetime.timedelta(days=1),
    )
    intake.provide_information(notification=under_review, by=submitter, response="Ours.")
    with at(MONDAY + datetime.timedelta(days=5)):
        send_reminders()
    assert reminders(K.INFORMATION_OVERDUE) == reminders(K.INFORMATION_DUE) == []


@pytest.mark.parametrize(("days_before", "step"), [(31, None), (30, 30), (8, 30), (7, 7)])
def test_g8_13_assessment_reminders_before_the_due_date(organisation, submitted, days_before, step):
    due = MONDAY + datetime.timedelta(days=days_before)
    Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        notification=submitted,
        due_date=due,
    )
    with at(MONDAY):
        send_reminders()
    expected = [] if step is None else [(K.ASSESSMENT_DUE, step, due)]
    assert reminders(K.ASSESSMENT_DUE) == expected


def test_an_overdue_assessment_is_chased_once_with_secas(organisation, settings):
    due = MONDAY - datetime.timedelta(days=1)
    Assessment.objects.create(organisation=organisation, kind="fusa", cycle_year=1, due_date=due)
    with at(MONDAY):
        send_reminders()
    with at(MONDAY + datetime.timedelta(days=7)):
        send_reminders()
    assert len(reminders(K.ASSESSMENT_OVERDUE)) == 1
    to_secas = [e for e in emails(K.ASSESSMENT_OVERDUE) if settings.SECAS_MAILBOX in e.to]
    assert len(to_secas) == 1
    assert "1 day overdue" in to_secas[0].body_text
    assert "and not complete" in to_secas[0].body_text


@pytest.mark.parametrize("kind", ["", "vusa"])
def test_an_assessment_reminder_names_its_type_even_when_none_was_recorded(
    organisation, submitter, kind
):
    # G8.13 assessments recorded before the type was asked have none: say so, never a blank.
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=MONDAY,
    )
    with at(MONDAY + datetime.timedelta(days=1)):
        send_reminders()
    sent = emails(K.ASSESSMENT_OVERDUE)
    assert sent
    for email in sent:
        assert f"{organisation.name} – {assessment.get_kind_display()}: " in email.subject
        assert assessment.get_kind_display() in email.body_text


def test_secas_is_told_when_triage_is_late(organisation, preparer, submitter, settings):
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    with at(datetime.date(2027, 2, 22)):  # a Monday: five working days later is the next Monday
        case = intake.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )
    with at(MONDAY):
        send_reminders()
    assert reminders(K.TRIAGE_LATE) == []
    with at(MONDAY + datetime.timedelta(days=1)):
        send_reminders()
    (email,) = emails(K.TRIAGE_LATE)
    assert email.to == [settings.SECAS_MAILBOX]
    assert case.reference in email.body_text


def test_the_decision_clock_pauses_while_the_user_answers(
    organisation, preparer, submitter, secas, ssc_member
):
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    start = datetime.date(2027, 1, 4)
    with at(start):
        case = intake.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )
        meeting = factories.SSCMeetingFactory(date=start)
        from assessments.services import start_review

        start_review(notification=case, by=secas, rapporteur=ssc_member, meeting=meeting)
        intake.request_information(notification=case, by=ssc_member, question="More detail?")
    with at(start + datetime.timedelta(days=14)):  # ten working days paused
        intake.provide_information(notification=case, by=submitter, response="Here it is.")
    # 21 working days since submission, of which 10 were paused: not late yet.
    from notifications.workdays import add_working_days

    with at(add_working_days(start, 21)):
        send_reminders()
    assert reminders(K.DECISION_LATE) == []
    with at(add_working_days(start, 31)):
        send_reminders()
    assert len(reminders(K.DECISION_LATE)) == 1


def test_the_weekly_digest_goes_to_secas_once_a_week(submitted, settings):
    for day in range(7):
        with at(MONDAY + datetime.timedelta(days=day)):
            send_reminders()
    with at(MONDAY + datetime.timedelta(days=7)):
        send_reminders()
    digests = emails(K.WEEKLY_DIGEST)
    assert len(digests) == 2
    assert digests[0].to == [settings.SECAS_MAILBOX]
    assert "Notifications awaiting a decision: 1" in digests[0].body_text


def test_the_command_runs_the_job_and_can_catch_up_a_given_day(annual_review, capsys):
    seven_days_before = annual_review.due_date - datetime.timedelta(days=7)
    with at(seven_days_before + datetime.timedelta(days=3)):
        call_command("send_reminders", "--today", seven_days_before.isoformat())
        assert "sent now" in capsys.readouterr().out
        assert reminders(K.ANNUAL_REVIEW) == [(K.ANNUAL_REVIEW, 7, annual_review.due_date)]
        call_command("send_reminders", "--today", seven_days_before.isoformat())
        assert "0 sent now" in capsys.readouterr().out


def test_the_command_will_not_run_ahead_of_today(annual_review):
    from django.core.management.base import CommandError

    with at(MONDAY), pytest.raises(CommandError, match="not run ahead of today"):
        call_command("send_reminders", "--today", (MONDAY + datetime.timedelta(days=1)).isoformat())
    assert Reminder.objects.count() == 0


def test_the_command_explains_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today takes a date like 2027-03-31"):
        call_command("send_reminders", "--today", "tomorrow")


def test_reminder_emails_are_delivered_through_the_outbox(
    annual_review, django_capture_on_commit_callbacks
):
    from django.core import mail

    with (
        at(annual_review.due_date - datetime.timedelta(days=7)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_reminders()
    assert any("annual review" in message.subject for message in mail.outbox)
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


def go_live_alert_to_committee(organisation, preparer, submitter, settings):
    """Run the reminders for a case going live in 5 working days; the committee's email."""
    from notifications.workdays import add_working_days

    submit_for_go_live(organisation, preparer, submitter, add_working_days(MONDAY, 5))
    with at(MONDAY):
        send_reminders()
    return next(e for e in emails(K.GO_LIVE) if settings.SECAS_MAILBOX in e.to)


def test_the_deputy_is_told_when_the_chair_has_a_conflict_with_the_organisation(
    organisation, preparer, submitter, settings
):
    chair = factories.ssc_user(full_name="Conflicted Chair")
    chair.conflicts_of_interest.create(organisation=organisation, reason="Employer")
    deputy = factories.ssc_user(full_name="Dana Deputy")
    factories.record_offices(chair=chair, deputy=deputy)
    email = go_live_alert_to_committee(organisation, preparer, submitter, settings)
    assert set(email.to) == {settings.SECAS_MAILBOX, deputy.email}
    assert (
        "Sent to the deputy chair, Dana Deputy, as the chair, Conflicted Chair, has a conflict "
        f"of interest with {organisation.name}." in email.body_text
    )


def test_a_chair_who_has_left_the_ssc_is_not_told_and_the_deputy_acts(
    organisation, preparer, submitter, settings
):
    former = factories.ssc_user(full_name="Former Chair")
    deputy = factories.ssc_user(full_name="Dana Deputy")
    factories.record_offices(chair=former, deputy=deputy)
    former.groups.clear()  # left the SSC after being recorded
    email = go_live_alert_to_committee(organisation, preparer, submitter, settings)
    assert set(email.to) == {settings.SECAS_MAILBOX, deputy.email}
    assert "Former Chair, is no longer an active SSC member" in email.body_text


def test_when_both_are_conflicted_secas_alone_is_told_that_no_chair_could_be(
    organisation, preparer, submitter, settings
):
    chair, deputy = factories.ssc_user(), factories.ssc_user()
    for person in (chair, deputy):
        person.conflicts_of_interest.create(organisation=organisation, reason="Consultant")
    factories.record_offices(chair=chair, deputy=deputy)
    email = go_live_alert_to_committee(organisation, preparer, submitter, settings)
    assert email.to == [settings.SECAS_MAILBOX]
    assert "No SSC chair could be told:" in email.body_text
    assert f"the deputy chair, {deputy}, has a conflict of interest" in email.body_text
    assert "/secas/chair/" in email.body_text
    assert "SECAS: record a chair or deputy who can act on this case" in email.body_text


def test_with_no_chair_recorded_the_go_live_alert_says_so_to_secas(
    organisation, preparer, submitter, settings
):
    factories.record_offices()
    email = go_live_alert_to_committee(organisation, preparer, submitter, settings)
    assert email.to == [settings.SECAS_MAILBOX]
    assert (
        "No SSC chair could be told: no chair is recorded, and no deputy chair is recorded."
        in email.body_text
    )


def test_the_weekly_digest_says_loudly_when_nobody_can_act_as_chair(submitted, settings):
    factories.record_offices()
    with at(MONDAY):
        send_reminders()
    (digest,) = emails(K.WEEKLY_DIGEST)
    assert "SSC chair: Nobody can act as SSC chair: no chair is recorded" in digest.body_text
    assert "/secas/chair/" in digest.body_text


def test_the_weekly_digest_names_a_case_nobody_can_act_as_chair_on(submitted, settings):
    chair = factories.ssc_user(full_name="Cass Chair")
    chair.conflicts_of_interest.create(organisation=submitted.organisation, reason="Employer")
    factories.record_offices(chair=chair)
    with at(MONDAY):
        send_reminders()
    (digest,) = emails(K.WEEKLY_DIGEST)
    assert "Nobody can act as SSC chair on 1 open case" in digest.body_text
    assert f"For example {submitted.reference}: the chair, Cass Chair, has a conflict" in (
        digest.body_text
    )


def test_the_weekly_digest_is_quiet_about_the_chair_when_one_can_act(submitted, chair):
    with at(MONDAY):
        send_reminders()
    (digest,) = emails(K.WEEKLY_DIGEST)
    assert "SSC chair" not in digest.body_text


def test_an_organisation_known_only_from_its_history_is_reminded(organisation, submitter):
    from assessments.models import AssuranceRecord

    AssuranceRecord.objects.create(
        organisation=organisation,
        status="approved",
        kind="fusa",
        cycle_year=1,
        fieldwork_end_date=MONDAY - datetime.timedelta(days=365 - 20),
        effective_date=MONDAY - datetime.timedelta(days=300),
    )
    with at(MONDAY):
        send_reminders()
    assert reminders(K.ANNUAL_REVIEW) == [
        (K.ANNUAL_REVIEW, 30, MONDAY + datetime.timedelta(days=20))
    ]


def test_an_inactive_organisation_is_not_reminded(annual_review):
    organisation = annual_review.organisation
    organisation.is_active = False
    organisation.save()
    with at(annual_review.due_date - datetime.timedelta(days=7)):
        send_reminders()
    assert reminders(K.ANNUAL_REVIEW) == []


@pytest.mark.parametrize(
    ("kind", "state"), [("fusa", "report_received"), ("ussa", "cio_review_recorded")]
)
def test_the_users_response_to_an_assessment_report_is_chased(
    organisation, submitter, settings, kind, state
):
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=MONDAY + datetime.timedelta(days=60),
        response_due_date=MONDAY + datetime.timedelta(days=5),
    )
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    with at(MONDAY):
        send_reminders()
    (before,) = [e for e in emails(K.ASSESSMENT_DUE) if "response" in e.subject]
    assert submitter.email in before.to
    with at(MONDAY + datetime.timedelta(days=6)):
        send_reminders()
    overdue = [e for e in emails(K.ASSESSMENT_OVERDUE) if "response" in e.subject]
    assert {tuple(e.to) for e in overdue} >= {(settings.SECAS_MAILBOX,)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(organisation, submitter):
    import threading

    from django.db import connections

    for offset in range(20):
        Assessment.objects.create(
            organisation=factories.OrganisationFactory(),
            kind="vusa",
            cycle_year=2,
            due_date=timezone.localdate() + datetime.timedelta(days=5 + offset),
        )
    start = threading.Barrier(3)
    results = []

    def run():
        try:
            start.wait(timeout=10)
            results.append(send_reminders())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result["sent"] for result in results) == Reminder.objects.count()
    assert Reminder.objects.filter(kind=K.ANNUAL_REVIEW).count() == 20
    assert OutboundEmail.objects.filter(kind="reminder_annual_review").count() == 20


# Go-live dates and the days on which each step is due, worked out by hand from the SEC
# calendar: N working days remain on the day when the working days after it, up to and
# including the go-live (or the last working day before a weekend or bank-holiday go-live),
# number N.
GO_LIVE_STEP_DAYS = {
    "on a Saturday": (
        datetime.date(2027, 3, 13),
        {10: datetime.date(2027, 2, 26), 5: datetime.date(2027, 3, 5)},
    ),
    "on a Sunday": (
        datetime.date(2027, 2, 21),
        {10: datetime.date(2027, 2, 5), 5: datetime.date(2027, 2, 12)},
    ),
    "on the August bank holiday Monday": (
        datetime.date(2025, 8, 25),
        {10: datetime.date(2025, 8, 8), 5: datetime.date(2025, 8, 15)},
    ),
    "on Boxing Day, after Christmas Day": (
        datetime.date(2025, 12, 26),
        {10: datetime.date(2025, 12, 10), 5: datetime.date(2025, 12, 17)},
    ),
    "on a normal Wednesday": (
        datetime.date(2027, 3, 17),
        {10: datetime.date(2027, 3, 3), 5: datetime.date(2027, 3, 10)},
    ),
    "on the Tuesday after a bank holiday": (
        datetime.date(2025, 8, 26),
        {10: datetime.date(2025, 8, 11), 5: datetime.date(2025, 8, 18)},
    ),
}


@pytest.mark.parametrize("when", GO_LIVE_STEP_DAYS)
def test_each_go_live_step_is_sent_once_on_the_day_that_many_working_days_remain(
    organisation, preparer, submitter, settings, when
):
    go_live, step_days = GO_LIVE_STEP_DAYS[when]
    with at(go_live - datetime.timedelta(days=60)):
        draft = factories.NotificationFactory(
            organisation=organisation, created_by=preparer, planned_go_live_date=go_live
        )
        intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    day = go_live - datetime.timedelta(days=25)
    while day <= go_live:
        with at(day):
            send_reminders()
        day += datetime.timedelta(days=1)

    sent_on = {
        row.step: timezone.localtime(row.sent_at).date()
        for row in Reminder.objects.filter(kind=K.GO_LIVE)
    }
    assert sent_on == step_days
    for step, step_day in step_days.items():
        on_the_day = [
            email
            for email in emails(K.GO_LIVE)
            if timezone.localtime(email.created_at).date() == step_day
        ]
        # One email to the User, one to SECAS and the chair: each says the number of the step.
        assert len(on_the_day) == 2
        for email in on_the_day:
            assert f"in {step} SEC working days" in email.subject
            assert f"in {step} SEC working days" in email.body_text
    assert len(emails(K.GO_LIVE)) == 4


def test_a_go_live_reminder_caught_up_late_says_how_many_working_days_really_remain(
    organisation, preparer, submitter
):
    from notifications.workdays import add_working_days

    # Nobody ran the job on the 10-day mark: the run 8 working days before sends that step.
    go_live = add_working_days(MONDAY, 8)
    submit_for_go_live(organisation, preparer, submitter, go_live)
    with at(MONDAY):
        send_reminders()
    assert reminders(K.GO_LIVE) == [(K.GO_LIVE, 10, go_live)]
    assert all("in 8 SEC working days" in e.body_text for e in emails(K.GO_LIVE))


@pytest.mark.parametrize(
    ("due_in_days", "says"),
    [
        (30, "due in 30 days"),
        (7, "due in 7 days"),
        (1, "due in 1 day,"),
        (0, "due today"),
        (-1, "1 day overdue"),
        (-3, "3 days overdue"),
    ],
)
def test_each_assessment_reminder_says_how_long_remains(organisation, submitted, due_in_days, says):
    due = MONDAY + datetime.timedelta(days=due_in_days)
    Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        notification=submitted,
        due_date=due,
    )
    with at(MONDAY):
        send_reminders()
    kind = K.ASSESSMENT_OVERDUE if due_in_days < 0 else K.ASSESSMENT_DUE
    sent = emails(kind)
    assert sent
    for email in sent:
        assert says in email.subject
        assert says in email.body_text


def test_the_30_and_7_day_assessment_reminders_differ(organisation, submitted):
    due = MONDAY + datetime.timedelta(days=30)
    Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        notification=submitted,
        due_date=due,
    )
    with at(MONDAY):
        send_reminders()
    with at(due - datetime.timedelta(days=7)):
        send_reminders()
    to_user = [e for e in emails(K.ASSESSMENT_DUE) if organisation.contact_email in e.to]
    first, second = sorted(to_user, key=lambda e: e.created_at)
    assert "in 30 days" in first.body_text
    assert "in 7 days" in second.body_text
    assert first.subject != second.subject


@pytest.mark.parametrize(
    ("due_in_days", "says"),
    [(5, "due in 5 days"), (0, "due today"), (-2, "2 days overdue")],
)
def test_the_report_response_reminder_says_how_long_remains(organisation, due_in_days, says):
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=MONDAY + datetime.timedelta(days=60),
        response_due_date=MONDAY + datetime.timedelta(days=due_in_days),
    )
    Assessment.objects.filter(pk=assessment.pk).update(state="report_received")
    with at(MONDAY):
        send_reminders()
    sent = [e for e in emails() if "response" in e.subject]
    assert sent
    for email in sent:
        assert says in email.body_text


def test_the_information_reminders_say_how_long_remains(under_review, ssc_member):
    intake.request_information(
        notification=under_review,
        by=ssc_member,
        question="Who holds the keys?",
        response_due_date=MONDAY + datetime.timedelta(days=2),  # a Wednesday
    )
    with at(MONDAY):
        send_reminders()
    (due,) = emails(K.INFORMATION_DUE)
    assert "in 2 SEC working days" in due.body_text
    with at(MONDAY + datetime.timedelta(days=5)):
        send_reminders()
    assert all("3 days overdue" in e.body_text for e in emails(K.INFORMATION_OVERDUE))


# Rendering at delivery: the scan writes subjects and plain values, delivery writes the bodies


@pytest.fixture
def every_audience(organisation, preparer, submitter, chair, annual_review):
    """Reminders to the User and to the committee, with and without a case attached."""
    from notifications.workdays import add_working_days

    case = submit_for_go_live(organisation, preparer, submitter, add_working_days(MONDAY, 5))
    Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        notification=case,
        due_date=MONDAY - datetime.timedelta(days=2),
        scope="Targeted assessment of the new system.",
    )
    return case


def test_the_scan_records_what_each_email_will_say_and_leaves_rendering_to_delivery(
    every_audience,
):
    from assessments.reminders import find_due

    with at(MONDAY):
        headlines = {due.headline for due in find_due(MONDAY)}
        send_reminders()
    written = list(OutboundEmail.objects.filter(kind__startswith="reminder_"))
    assert {e.kind for e in written} >= {"reminder_go_live", "reminder_assessment_overdue"}
    for email in written:
        assert (email.body_text, email.body_html, email.template) == ("", "", "reminder")
        assert set(email.context) == {"due", "url"}
        assert email.context["url"].startswith("http")
        # Until it is sent, the log shows what the reminder is about.
        assert email.subject == email.context["due"]["headline"]
        assert email.subject in headlines


def test_a_reminder_delivered_later_reads_exactly_as_one_rendered_during_the_scan(
    every_audience, django_capture_on_commit_callbacks
):
    from django.core import mail

    from assessments.reminders import find_due

    with at(MONDAY):
        # What the scan rendered before bodies waited for delivery: each Due, straight in.
        rendered_then = {
            (tuple(email.to), email.subject): (email.body_text, email.body_html)
            for due in find_due(MONDAY)
            for audience, url in ((due.to, due.url), (due.committee, due.committee_url or due.url))
            if audience
            for email in [
                build_email(
                    kind=due.kind,
                    to=audience,
                    template="reminder",
                    context={"due": due, "url": url},
                    notification=due.notification,
                )
            ]
        }
        with django_capture_on_commit_callbacks(execute=True):
            send_reminders()
    delivered = {
        (tuple(message.to), message.subject): (message.body, message.alternatives[0][0])
        for message in mail.outbox
        if message.subject.startswith("Reminder: ")
    }
    assert len(delivered) >= 4
    assert delivered == rendered_then
    # The rows keep what was sent, for the communications log and the admin.
    for email in OutboundEmail.objects.filter(kind__startswith="reminder_"):
        assert delivered[(tuple(email.to), email.subject)] == (email.body_text, email.body_html)


def test_the_communications_log_shows_a_reminder_waiting_for_delivery(
    every_audience, client, secas
):
    from django.urls import reverse

    with at(MONDAY):
        send_reminders()
    waiting = OutboundEmail.objects.filter(kind="reminder_go_live", sent_at__isnull=True)
    assert waiting.exists()
    client.force_login(secas)
    page = client.get(reverse("secas:case_communications", args=[every_audience.pk]))
    assert page.status_code == 200
    shown = html.unescape(page.content.decode())
    for email in waiting:
        assert every_audience.reference in email.subject
        assert email.subject in shown


def scan_queries(count: int) -> int:
    """Queries of a scan finding `count` annual reviews and `count` overdue G8.13 assessments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Reminder.objects.all().delete()
    for _ in range(count):
        organisation = factories.OrganisationFactory()
        factories.MembershipFactory(organisation=organisation, role="submitter")
        Assessment.objects.create(
            organisation=organisation,
            kind="vusa",
            cycle_year=2,
            due_date=MONDAY + datetime.timedelta(days=20),
        )
        case = factories.NotificationFactory(organisation=organisation)
        Assessment.objects.create(
            organisation=organisation,
            kind="fusa",
            reason="g8_13",
            counts_as_annual_review=False,
            notification=case,
            due_date=MONDAY - datetime.timedelta(days=3),
            scope="Targeted assessment.",
        )
    with at(MONDAY), CaptureQueriesContext(connection) as queries:
        send_reminders()
    return len(queries)


def test_the_scan_runs_the_same_queries_for_two_reminders_or_twenty(db):
    # No query per row: each scan loads only the columns it reads, so nothing is fetched late.
    few = scan_queries(1)
    many = scan_queries(10)
    assert Reminder.objects.filter(kind=K.ANNUAL_REVIEW).count() == 11
    assert few == many
