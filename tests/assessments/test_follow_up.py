"""Deferred or Rejected lead to a follow-up assessment (issue 13, part 5): opened with the
outcome, told to the User, the SSC chair and SECAS, read as "Not approved" in the register until
its own outcome replaces it, on the at-risk lists (a member's without their conflicts), and
chased by the reminders like any assessment."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import services
from assessments.follow_up import FollowUpPlan, open_follow_up
from assessments.models import (
    Assessment,
    AssessmentDecision,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    Decision,
    LatestAssurance,
    OutcomeProposal,
    Reminder,
)
from assessments.reminders import (
    AWAITING_THE_COMMITTEE_ACTION,
    FOLLOW_UP_LINE,
    find_due,
    send_reminders,
)
from assessments.selectors import organisations_at_risk
from notifications.models import AssuranceStatus
from notifications.services import TransitionRefused
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments import journey
from tests.html_forms import form_data, postable

A = AssessmentState
TODAY = timezone.localdate


def in_days(days: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=days)


def complete(assessment, by, status, **arguments):
    """The one place these tests record an outcome: SECAS (`by`) proposes it and an SSC member
    decides it at a quorate meeting."""
    return journey.outcome_decided(assessment, by=by, status=status, **arguments)


def awaiting_outcome(case, *, by, ssc_member, meeting, user_by, kind="vusa"):
    """A G8.13 assessment of the case's system, taken up to the User's response."""
    services.decide(
        notification=case,
        by=ssc_member,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        rationale="Never assessed.",
        meeting=meeting,
        assessment_kind=kind,
        assessment_scope="The new export hub and its DCC connection.",
        assessment_due_date=in_days(90),
    )
    assessment = Assessment.objects.get(notification=case)
    return journey.response_received(assessment, by=by, user_by=user_by)


@pytest.fixture
def awaiting(under_review, secas, ssc_member, meeting, submitter):
    return awaiting_outcome(
        under_review, by=secas, ssc_member=ssc_member, meeting=meeting, user_by=submitter
    )


@pytest.fixture
def chair(db):
    return factories.ssc_chair(full_name="Margaret Chair")


@pytest.fixture
def deferred(awaiting, secas):
    """Deferred with the defaults; returns the follow-up it opened."""
    return complete(awaiting, secas, AssuranceStatus.DEFERRED).follow_ups.get()


def outbox(kind) -> dict:
    return {email.to[0]: email for email in OutboundEmail.objects.filter(kind=kind)}


# --- The service: defaults, choices, refusals -------------------------------------------------


def test_deferred_opens_a_follow_up_of_the_same_type_on_the_same_systems(awaiting, secas):
    completed = complete(awaiting, secas, AssuranceStatus.DEFERRED)

    follow_up = completed.follow_ups.get()
    assert (follow_up.kind, follow_up.reason, follow_up.state) == (
        AssessmentKind.VUSA,
        AssessmentReason.FOLLOW_UP,
        A.REQUIRED,
    )
    assert follow_up.follows == completed
    assert follow_up.organisation == completed.organisation
    assert follow_up.counts_as_annual_review is False
    assert follow_up.scope == "The new export hub and its DCC connection."
    assert list(follow_up.systems_in_scope.all()) == [completed.notification.user_system]
    months = django_settings.FOLLOW_UP_ASSESSMENT_MONTHS
    assert follow_up.due_date == TODAY() + relativedelta(months=months)
    assert follow_up.notification is None  # the case stays with the assessment it required


def test_rejected_opens_a_full_assessment_by_default(awaiting, secas):
    follow_up = complete(awaiting, secas, AssuranceStatus.REJECTED).follow_ups.get()
    assert follow_up.kind == AssessmentKind.FUSA


def test_an_assessment_whose_type_was_never_recorded_is_followed_by_a_fusa(awaiting, secas):
    Assessment.objects.filter(pk=awaiting.pk).update(kind="")
    awaiting.refresh_from_db()
    follow_up = complete(awaiting, secas, AssuranceStatus.DEFERRED).follow_ups.get()
    assert follow_up.kind == AssessmentKind.FUSA


def test_the_default_due_date_follows_the_setting(awaiting, secas, settings):
    settings.FOLLOW_UP_ASSESSMENT_MONTHS = 3
    follow_up = complete(awaiting, secas, AssuranceStatus.DEFERRED).follow_ups.get()
    assert follow_up.due_date == TODAY() + relativedelta(months=3)


def test_the_follow_ups_type_due_date_and_scope_can_be_set(awaiting, secas):
    plan = FollowUpPlan(kind="ussa", due_date=in_days(45), scope="  The key ceremony only. ")
    follow_up = complete(awaiting, secas, AssuranceStatus.REJECTED, follow_up=plan).follow_ups.get()
    assert (follow_up.kind, follow_up.due_date, follow_up.scope) == (
        AssessmentKind.USSA,
        in_days(45),
        "The key ceremony only.",
    )


@pytest.mark.parametrize(
    ("status", "plan", "says"),
    [
        ("approved", FollowUpPlan(kind="fusa"), "Only a Deferred or Rejected outcome"),
        ("deferred", FollowUpPlan(due_date=TODAY()), "due date must be after today"),
        ("deferred", FollowUpPlan(due_date=in_days(-1)), "due date must be after today"),
        ("rejected", FollowUpPlan(kind="g8_13"), "FUSA, VUSA or USSA"),
    ],
)
def test_a_follow_up_the_outcome_cannot_take_is_refused_and_nothing_is_recorded(
    awaiting, secas, status, plan, says
):
    with pytest.raises(TransitionRefused, match=says):
        complete(awaiting, secas, status, follow_up=plan)

    awaiting.refresh_from_db()
    assert awaiting.state == A.OUTCOME_PROPOSED  # the proposal stands; nothing was decided
    assert not AssessmentDecision.objects.filter(assessment=awaiting).exists()
    assert not AssuranceRecord.objects.filter(assessment=awaiting).exists()
    assert not Assessment.objects.filter(reason=AssessmentReason.FOLLOW_UP).exists()


def test_an_approval_opens_no_follow_up(awaiting, secas):
    completed = complete(awaiting, secas, AssuranceStatus.APPROVED)
    assert not completed.follow_ups.exists()
    assert not outbox("follow_up_opened_secas")


def test_opening_is_logged_naming_who_and_what_it_follows(deferred):
    log = StateLog.objects.for_(deferred).get()
    decider = AssessmentDecision.objects.get(assessment=deferred.follows).decided_by
    assert (log.transition, log.state, log.by) == ("open_follow_up", A.REQUIRED, decider)
    decided_on = f"{TODAY():%d/%m/%Y}"
    assert log.description == (
        "Opened as the follow-up to the Verification User Security Assessment (VUSA) of "
        f"Northwind Energy Ltd, completed Deferred on {decided_on}; due by "
        f"{deferred.due_date:%d/%m/%Y}"
    )


def test_an_outcome_opens_one_follow_up_only(deferred, secas):
    completed = deferred.follows
    with pytest.raises(TransitionRefused, match="already has its follow-up"):
        open_follow_up(completed=completed, record=completed.assurance_record, by=secas, plan=None)
    assert completed.follow_ups.count() == 1


def test_secas_can_make_a_follow_up_count_as_the_annual_review(deferred, secas):
    services.change_counts_as_annual_review(
        assessment=deferred, by=secas, counts_as_annual_review=True, reason="Stands for it."
    )
    deferred.refresh_from_db()
    assert deferred.counts_as_annual_review is True


# --- Who is told ------------------------------------------------------------------------------


def test_the_user_is_told_the_follow_ups_type_due_date_and_what_to_do(deferred, submitter):
    email = outbox("assessment_decision_letter")[submitter.email]
    due = f"{deferred.due_date:%d/%m/%Y}"
    assert f"follow-up due by {due}" in email.subject
    assert "Assurance status: Deferred" in email.body_text
    assert (
        f"A follow-up Verification User Security Assessment (VUSA) is due by {due}."
        in email.body_text
    )
    assert 'read "Not approved" in the register' in email.body_text
    assert "remediate the findings in the assessment report" in email.body_text
    assert "SECAS will contact you to book the User CIO" in email.body_text


def test_secas_and_the_chair_are_told_each_with_their_own_page(awaiting, secas, chair):
    follow_up = complete(awaiting, secas, AssuranceStatus.REJECTED).follow_ups.get()
    due = f"{follow_up.due_date:%d/%m/%Y}"

    to_secas = outbox("follow_up_opened_secas")[django_settings.SECAS_MAILBOX]
    assert to_secas.subject == (
        f"Northwind Energy Ltd: Rejected – follow-up Full User Security Assessment (FUSA) "
        f"due by {due}"
    )
    assert "book the User CIO" in to_secas.body_text
    assert reverse("secas:assessment", args=[follow_up.pk]) in to_secas.body_text
    system = awaiting.notification.user_system.name
    assert f'read "Not approved" in the register: {system}' in to_secas.body_text

    to_chair = outbox("follow_up_opened_chair")[chair.email]
    assert to_chair.body_text.startswith("Dear Margaret Chair,")
    assert reverse("assessments:at_risk") in to_chair.body_text
    assert reverse("assessments:case", args=[awaiting.notification_id]) in to_chair.body_text
    assert "/secas/" not in to_chair.body_text  # a page the chair could not open
    assert set(outbox("follow_up_opened_chair")) == {chair.email}


def test_a_chair_with_a_conflict_is_not_told(awaiting, secas, chair, organisation):
    chair.conflicts_of_interest.create(organisation=organisation, reason="Former employer")
    complete(awaiting, secas, AssuranceStatus.DEFERRED)
    assert outbox("follow_up_opened_chair") == {}
    assert set(outbox("follow_up_opened_secas")) == {django_settings.SECAS_MAILBOX}


def test_the_deputy_is_told_where_the_chair_has_a_conflict(awaiting, secas, chair, organisation):
    deputy = factories.ssc_user(full_name="Dee Deputy")
    factories.record_offices(chair=chair, deputy=deputy)
    chair.conflicts_of_interest.create(organisation=organisation, reason="Former employer")
    complete(awaiting, secas, AssuranceStatus.DEFERRED)
    assert set(outbox("follow_up_opened_chair")) == {deputy.email}


# --- The register: "Not approved", read from the record in force -----------------------------


def register_pages(case) -> dict[str, str]:
    system, organisation = case.user_system, case.organisation
    return {
        "system": reverse("assessments:system", args=[system.pk]),
        "systems list": reverse("assessments:organisation_systems", args=[organisation.pk]),
        "case": reverse("assessments:case", args=[case.pk]),
        "home": reverse("organisation_home", args=[organisation.pk]),
    }


def page_text(client, person, url) -> str:
    client.force_login(person)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_covered_system_reads_not_approved_on_every_register_page(
    client, awaiting, secas, submitter
):
    case = awaiting.notification
    pages = register_pages(case)
    reader = {"home": submitter}
    for name, url in pages.items():
        assert "Not approved" not in page_text(client, reader.get(name, secas), url), name

    follow_up = complete(awaiting, secas, AssuranceStatus.DEFERRED).follow_ups.get()

    says = (
        f"Verification User Security Assessment (VUSA): Deferred ({TODAY():%d/%m/%Y}); "
        f"follow-up VUSA due by {follow_up.due_date:%d/%m/%Y}"
    )
    for name, url in pages.items():
        text = page_text(client, reader.get(name, secas), url)
        assert '<span class="badge text-bg-danger">Not approved</span> ' + says in text, name
    home = page_text(client, submitter, pages["home"])
    assert (
        f"Follow-up VUSA due by {follow_up.due_date:%d/%m/%Y} (after Deferred on "
        f"{TODAY():%d/%m/%Y})" in home
    )


def test_a_completed_follow_up_makes_its_systems_approved_again(client, deferred, secas, submitter):
    system = deferred.follows.notification.user_system
    assert LatestAssurance.objects.get(user_system=system).status == AssuranceStatus.DEFERRED
    assert list(organisations_at_risk(TODAY())) == [deferred.organisation]

    approved = complete(
        journey.response_received(deferred, by=secas, user_by=submitter),
        secas,
        AssuranceStatus.APPROVED,
    )

    in_force = LatestAssurance.objects.get(user_system=system)
    assert (in_force.record.assessment, in_force.status) == (approved, AssuranceStatus.APPROVED)
    assert not approved.follow_ups.exists()
    assert not organisations_at_risk(TODAY()).exists()
    page = page_text(client, secas, reverse("assessments:system", args=[system.pk]))
    assert "Not approved" not in page
    assert f"Verification User Security Assessment (VUSA): Approved ({TODAY():%d/%m/%Y})" in page


def test_a_correction_approving_the_system_leaves_the_open_follow_up_off_the_risk_list(
    db, organisation, secas
):
    """A first system's deferral is on the list while its follow-up is open and the outcome is
    in force; a later record approving the system takes it off."""
    from notifications.models import UserSystem

    first = UserSystem.objects.create(
        organisation=organisation, name="Main", delivery_model="in_house"
    )
    UserSystem.objects.filter(pk=first.pk).update(is_first_system=True)
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=in_days(30)
    )
    review.systems_in_scope.add(first)
    journey.response_received(review, by=secas)
    follow_up = complete(review, secas, AssuranceStatus.DEFERRED).follow_ups.get()
    [row] = [
        row
        for row in risk_rows()
        if row["organisation"] == organisation  # the first system: listed for its follow-up
    ]
    assert [entry["pk"] for entry in row["follow_ups"]] == [follow_up.pk]

    factories.AssuranceRecordFactory(
        organisation=organisation, status="approved", effective_date=in_days(1), systems=[first]
    )
    assert organisation not in organisations_at_risk(TODAY())


def risk_rows():
    from assessments.selectors import risk_reasons

    return risk_reasons(organisations_at_risk(TODAY()), TODAY())


# --- The at-risk lists ------------------------------------------------------------------------


def test_secas_sees_the_open_follow_up_and_its_due_date_on_the_dashboard_and_the_list(
    client, deferred, secas
):
    due = f"{deferred.due_date:%d/%m/%Y}"
    link = reverse("secas:assessment", args=[deferred.pk])
    for url in (reverse("secas:dashboard"), reverse("secas:organisations_at_risk")):
        text = page_text(client, secas, url)
        assert f'<a href="{link}">Follow-up VUSA due by {due} (after Deferred on ' in text, url


def test_the_committee_list_shows_members_the_follow_up_and_is_linked_from_their_dashboard(
    client, deferred, ssc_member
):
    dashboard = page_text(client, ssc_member, reverse("assessments:dashboard"))
    assert f'href="{reverse("assessments:at_risk")}"' in dashboard

    text = page_text(client, ssc_member, reverse("assessments:at_risk"))
    assert "Northwind Energy Ltd" in text
    assert f"Follow-up VUSA due by {deferred.due_date:%d/%m/%Y}" in text
    assert "/secas/" not in text  # SECAS's pages are not the committee's


def test_a_member_does_not_see_an_organisation_they_are_conflicted_with(
    client, deferred, conflicted_member, other_organisation, secas
):
    Assessment.objects.create(
        organisation=other_organisation, kind="fusa", cycle_year=1, due_date=in_days(-3)
    )

    member_sees = page_text(client, conflicted_member, reverse("assessments:at_risk"))
    secas_sees = page_text(client, secas, reverse("assessments:at_risk"))

    assert "Southdown Power Ltd" in member_sees
    assert "Northwind Energy Ltd" not in member_sees
    assert "Organisations at risk (1)" in member_sees
    assert "declared a conflict of interest" in member_sees
    assert "Northwind Energy Ltd" in secas_sees
    assert "Southdown Power Ltd" in secas_sees


@pytest.mark.parametrize("person", ["preparer", "submitter", "org_admin"])
def test_the_users_own_people_cannot_open_the_committee_list(client, deferred, request, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("assessments:at_risk")).status_code == 404


def test_the_committee_list_is_paged_and_its_queries_do_not_grow(client, db, ssc_member):
    def at_risk(count):
        for _ in range(count):
            organisation = factories.OrganisationFactory()
            overdue = Assessment.objects.create(
                organisation=organisation, kind="fusa", cycle_year=1, due_date=in_days(-5)
            )
            Assessment.objects.create(
                organisation=organisation,
                kind="vusa",
                reason=AssessmentReason.FOLLOW_UP,
                counts_as_annual_review=False,
                follows=overdue,
                due_date=in_days(40),
            )

    url = reverse("assessments:at_risk")
    client.force_login(ssc_member)
    at_risk(3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    at_risk(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    text = response.content.decode()
    assert "Organisations at risk (33)" in text
    assert text.count("Follow-up VUSA due by") == 25
    assert "Page 1 of 2" in text


# --- Reminders chase it like any assessment ---------------------------------------------------


def test_a_follow_up_gets_its_reminders_before_and_after_its_due_date(awaiting, secas, submitter):
    plan = FollowUpPlan(due_date=in_days(20))
    follow_up = complete(awaiting, secas, AssuranceStatus.DEFERRED, follow_up=plan).follow_ups.get()
    target = f"assessment:{follow_up.pk}"

    send_reminders(today=TODAY())
    send_reminders(today=in_days(21))

    sent = sorted(Reminder.objects.filter(target=target).values_list("kind", "step", "milestone"))
    assert sent == [
        (Reminder.Kind.ASSESSMENT_DUE, 30, in_days(20)),
        (Reminder.Kind.ASSESSMENT_OVERDUE, 0, in_days(20)),
    ]
    reminded = Reminder.objects.get(target=target, kind=Reminder.Kind.ASSESSMENT_DUE)
    assert submitter.email in reminded.recipients
    assert django_settings.SECAS_MAILBOX in reminded.recipients
    [due_soon] = [due for due in find_due(TODAY()) if due.target == target]
    assert FOLLOW_UP_LINE in due_soon.lines
    [digest] = [due for due in find_due(TODAY()) if due.kind == Reminder.Kind.WEEKLY_DIGEST]
    assert "Follow-up assessments open after Deferred or Rejected: 1." in digest.lines


# --- Through the SECAS assessment page ----------------------------------------------------------


def test_the_ssc_sets_the_follow_up_on_its_decision_form(client, awaiting, secas):
    proposed = journey.outcome_proposed(awaiting, by=secas, status=AssuranceStatus.REJECTED)
    member = factories.ssc_user(full_name="Deciding Member")
    meeting = factories.SSCMeetingFactory(attendees=[member])
    client.force_login(member)
    url = reverse("assessments:decide_outcome", args=[proposed.pk])
    shown = client.get(reverse("assessments:committee_assessment", args=[proposed.pk]))
    data = form_data(shown.content.decode(), action=url)
    data.update(
        meeting=str(meeting.pk),
        status="rejected",
        rationale="Key management does not meet G4.",
        follow_up_kind="vusa",
        follow_up_due_date=in_days(60).isoformat(),
    )
    response = client.post(url, postable(data), follow=True)

    assert response.status_code == 200
    assert "Decision recorded: Rejected." in response.content.decode()
    follow_up = Assessment.objects.get(follows=awaiting)
    assert (follow_up.kind, follow_up.due_date) == (AssessmentKind.VUSA, in_days(60))
    secas_page = page_text(client, secas, reverse("secas:assessment", args=[awaiting.pk]))
    assert f'href="{reverse("secas:assessment", args=[follow_up.pk])}"' in secas_page
    follow_up_page = page_text(client, secas, reverse("secas:assessment", args=[follow_up.pk]))
    assert f'href="{reverse("secas:assessment", args=[awaiting.pk])}"' in follow_up_page
    assert "completed Rejected on" in follow_up_page


def test_the_decision_form_refuses_a_follow_up_with_an_approval_keeping_what_was_typed(
    client, awaiting, secas
):
    proposed = journey.outcome_proposed(awaiting, by=secas, status=AssuranceStatus.APPROVED)
    member = factories.ssc_user(full_name="Deciding Member")
    meeting = factories.SSCMeetingFactory(attendees=[member])
    client.force_login(member)
    url = reverse("assessments:decide_outcome", args=[proposed.pk])
    due = in_days(60).isoformat()
    response = client.post(
        url,
        {
            "meeting": meeting.pk,
            "status": "approved",
            "rationale": "All met.",
            "follow_up_kind": "fusa",
            "follow_up_due_date": due,
        },
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Only a Deferred or Rejected outcome leads to a follow-up assessment" in text
    assert f'value="{due}"' in text
    awaiting.refresh_from_db()
    assert awaiting.state == A.OUTCOME_PROPOSED


def test_a_default_due_date_already_passed_asks_for_one_in_words(awaiting, secas):
    """Decided at a meeting long ago and recorded now: the default date counted from the
    decision has passed, so the SSC is asked for the date rather than told it typed a bad one."""
    proposed = journey.outcome_proposed(awaiting, by=secas, status=AssuranceStatus.DEFERRED)
    OutcomeProposal.objects.filter(assessment=proposed).update(
        proposed_at=timezone.now() - relativedelta(months=8)
    )
    member = factories.ssc_user(full_name="Deciding Member")
    long_ago = factories.SSCMeetingFactory(
        date=TODAY() - relativedelta(months=7), attendees=[member]
    )

    def decide(**follow_up):
        return services.decide_assessment_outcome(
            assessment=proposed,
            by=member,
            meeting=long_ago,
            status=AssuranceStatus.DEFERRED,
            rationale="Deferred.",
            **follow_up,
        )

    with pytest.raises(TransitionRefused, match=r"default due date, .* has already passed"):
        decide()
    assert not Assessment.objects.filter(follows=proposed).exists()
    decide(follow_up=FollowUpPlan(due_date=in_days(45)))
    assert Assessment.objects.get(follows=proposed).due_date == in_days(45)


def test_an_outcome_awaiting_the_committee_tells_the_user_nothing_more_is_needed(awaiting, secas):
    Assessment.objects.filter(pk=awaiting.pk).update(due_date=in_days(-2))
    journey.outcome_proposed(awaiting, by=secas, status=AssuranceStatus.APPROVED)
    [overdue] = [due for due in find_due(TODAY()) if due.target == f"assessment:{awaiting.pk}"]
    assert overdue.action == AWAITING_THE_COMMITTEE_ACTION
    assert "nothing more is needed from you" in overdue.action
