"""The demo seed: complete, idempotent, driven through the services by named people."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments.demo import scenarios
from assessments.demo.people import ACCOUNTS, DEMO_PASSWORD
from assessments.models import Assessment, AssessmentState, AssuranceRecord
from assessments.selectors import latest_assurance
from notifications.models import (
    AssuranceStatus,
    DeliveryModel,
    EligibilityFinding,
    Notification,
    NotificationState,
    SharedResourceProvider,
)
from notifications.workdays import add_working_days
from users.models import (
    SECAS_STAFF_GROUP,
    SSC_MEMBERS_GROUP,
    ConflictOfInterest,
    Membership,
    Organisation,
    PartyCategory,
    User,
    UserRole,
)
from users.policy import conflicted_with, is_secas, is_ssc_member

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True  # the command refuses to publish its password otherwise
    return seed_demo()


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        seed_demo()

    assert not User.objects.exists()


def test_running_twice_changes_nothing(seeded):
    before = row_counts()
    states_before = sorted(Notification.objects.values_list("reference", "state"))

    output = seed_demo()

    assert row_counts() == before
    assert sorted(Notification.objects.values_list("reference", "state")) == states_before
    assert "nothing changed" in output


def test_running_again_weeks_later_changes_nothing(seeded):
    before = row_counts()

    with time_machine.travel(timezone.now() + timedelta(days=45)):
        seed_demo()

    assert row_counts() == before


def test_every_notification_and_assessment_state_is_present(seeded):
    assert set(Notification.objects.values_list("state", flat=True)) == set(NotificationState)
    assert set(Assessment.objects.values_list("state", flat=True)) == set(AssessmentState)


def test_every_party_category_and_user_role_is_represented(seeded):
    organisations = Organisation.objects.all()
    assert organisations.count() >= 6
    assert set(organisations.values_list("party_category", flat=True)) == set(PartyCategory)
    assert not UserRole.objects.filter(organisations__isnull=True).exists()
    assert UserRole.objects.count() == 7
    large = organisations.get(party_category=PartyCategory.LARGE_SUPPLIER)
    assert large.is_large


def test_an_organisation_crosses_the_size_boundary(seeded):
    from assessments.selectors import size_outlook

    crossing = [
        outlook
        for case in Notification.objects.undecided().select_related("organisation")
        if (outlook := size_outlook(case)).crosses_boundary
    ]
    by_name = {o.organisation.name: o for o in crossing}
    # Harbourside's count is recorded; Pennine's is not, and this system alone is over the line.
    assert set(by_name) == {"Harbourside Power Ltd", "Pennine Power Distribution plc"}
    harbourside = by_name["Harbourside Power Ltd"]
    assert (harbourside.total, harbourside.kind_now, harbourside.kind_if_large) == (
        265_000,
        "VUSA",
        "FUSA",
    )
    assert Organisation.objects.filter(smart_metering_systems_count__isnull=True).exists()


def test_a_service_covered_by_its_srp_is_recorded(seeded):
    from notifications.models import UserSystem

    assert UserSystem.objects.filter(srp_coverage="covered").exists()


def test_every_demo_account_can_sign_in(seeded):
    emails = {account.email for account in ACCOUNTS}
    assert {
        "superuser@demo.ssc-portal.test",
        "secas@demo.ssc-portal.test",
        "chair@demo.ssc-portal.test",
        "ssc.member@demo.ssc-portal.test",
        "ssc.conflicted@demo.ssc-portal.test",
        "preparer@northwind.demo.ssc-portal.test",
        "submitter@northwind.demo.ssc-portal.test",
        "admin@northwind.demo.ssc-portal.test",
    } <= emails

    for email in emails:
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=email, password=DEMO_PASSWORD) is not None, email


def test_people_have_the_access_their_role_needs(seeded):
    secas = User.objects.get(email="secas@demo.ssc-portal.test")
    assert is_secas(secas)
    assert secas.is_staff
    for member in User.objects.filter(groups__name=SSC_MEMBERS_GROUP):
        assert is_ssc_member(member)
        assert member.is_staff
    assert User.objects.filter(groups__name=SSC_MEMBERS_GROUP).count() >= 3
    assert not User.objects.filter(groups__name=SECAS_STAFF_GROUP, is_staff=False).exists()
    assert User.objects.get(email="superuser@demo.ssc-portal.test").is_superuser

    northwind = Organisation.objects.get(name="Northwind Energy Ltd")
    roles = set(Membership.objects.filter(organisation=northwind).values_list("role", flat=True))
    assert roles == set(Membership.Role)
    for organisation in Organisation.objects.all():
        assert organisation.memberships.filter(
            role__in=[Membership.Role.SUBMITTER, Membership.Role.ADMIN]
        ).exists(), organisation

    conflicted = User.objects.get(email="ssc.conflicted@demo.ssc-portal.test")
    assert conflicted_with(conflicted, northwind)
    assert ConflictOfInterest.objects.filter(member=conflicted, withdrawn_at=None).exists()


def test_the_demo_has_a_chair_and_a_deputy_recorded_by_secas(seeded):
    from assessments.selectors import chair_alert
    from users.models import CommitteeOffices
    from users.selectors import acting_chair, committee_offices

    offices = committee_offices()
    assert offices.chair.email == "chair@demo.ssc-portal.test"
    assert offices.deputy.email == "ssc.member3@demo.ssc-portal.test"
    assert is_ssc_member(offices.chair)
    assert is_ssc_member(offices.deputy)
    assert CommitteeOffices.history.first().history_user.email == "secas@demo.ssc-portal.test"
    assert acting_chair() == offices.chair
    # Nothing for SECAS to put right: someone can act as chair on every demo case.
    assert chair_alert() is None


def test_every_transition_names_who_took_it(seeded):
    assert StateLog.objects.exists()
    assert not StateLog.objects.filter(by__isnull=True).exists()


def test_notifications_cover_the_cases_the_reminders_need(seeded):
    today = timezone.localdate()
    undecided = Notification.objects.filter(
        state__in=[NotificationState.SUBMITTED, NotificationState.UNDER_REVIEW]
    )
    go_lives = set(undecided.values_list("planned_go_live_date", flat=True))
    assert add_working_days(today, 5) in go_lives
    assert add_working_days(today, 10) in go_lives
    assert Notification.objects.filter(is_late=True, planned_go_live_date__lt=today).exists()
    assert set(Notification.objects.values_list("delivery_model", flat=True)) == set(DeliveryModel)
    assert not Notification.objects.exclude(state=NotificationState.DRAFT).filter(
        submitted_at__isnull=True
    )
    for notification in Notification.objects.all():
        assert notification.missing_fields() == [], notification.reference
        assert notification.reference.startswith(f"SSN-{today.year}-")


def test_annual_reviews_and_assessments_fall_in_every_window(seeded):
    today = timezone.localdate()
    review_in_days = {
        (latest_assurance(organisation).next_annual_review_date - today).days
        for organisation in Organisation.objects.filter(assurance_records__isnull=False).distinct()
    }
    assert {90, 30, 7} <= review_in_days
    assert any(days < 0 for days in review_in_days)
    assert any(days > 90 for days in review_in_days)

    open_assessments = Assessment.objects.exclude(state=AssessmentState.COMPLETED)
    assert open_assessments.filter(due_date__lt=today).exists()
    assert open_assessments.filter(due_date__gt=today, due_date__lte=today + timedelta(7)).exists()
    assert open_assessments.filter(
        due_date__gt=today + timedelta(7), due_date__lte=today + timedelta(30)
    ).exists()


def test_register_and_assurance_history(seeded):
    # One organisation is shown notifying without an approved first system (below).
    for organisation in Organisation.objects.exclude(name="Quayside Energy Ltd"):
        first = organisation.user_systems.get(is_first_system=True)
        assert first.status == "live"
        assert organisation.assurance_records.filter(
            assessment=None,
            status__in=[AssuranceStatus.APPROVED, AssuranceStatus.APPROVED_SUBJECT_TO_STEPS],
        ).exists()

    deferred = AssuranceRecord.objects.get(status=AssuranceStatus.DEFERRED)
    assert deferred.systems.filter(is_first_system=False).exists()
    assert deferred.assessment.notification.state == NotificationState.CLOSED

    outcomes = set(
        SharedResourceProvider.objects.values_list("latest_assessment_outcome", flat=True)
    )
    assert {AssuranceStatus.APPROVED, AssuranceStatus.DEFERRED} <= outcomes


def test_an_organisation_without_an_approved_first_system_has_notified(seeded):
    quayside = Organisation.objects.get(name="Quayside Energy Ltd")
    assert not quayside.user_systems.filter(is_first_system=True).exists()
    flagged = Notification.objects.without_approved_first_system()
    assert list(flagged.values_list("organisation__name", flat=True)) == ["Quayside Energy Ltd"]
    assert flagged.get().eligibility_finding == EligibilityFinding.NO_FIRST_SYSTEM


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 28, 9, 0, tzinfo=LONDON),  # a Saturday
        datetime(2026, 12, 25, 23, 30, tzinfo=LONDON),  # Christmas Day, late evening
        datetime(2026, 12, 31, 23, 59, tzinfo=LONDON),  # the last minute of the year
        datetime(
            2028, 2, 29, 12, 0, tzinfo=LONDON
        ),  # a leap day, 12 months on from a day that does not exist
    ],
)
def test_seeds_on_awkward_days(settings, moment):
    settings.DEBUG = True
    with time_machine.travel(moment, tick=False):
        seed_demo()
        before = row_counts()
        seed_demo()
        assert row_counts() == before
    assert set(Notification.objects.values_list("state", flat=True)) == set(NotificationState)
    assert set(Assessment.objects.values_list("state", flat=True)) == set(AssessmentState)


def test_demo_staff_accounts_can_pass_the_second_factor(settings, db):
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    secas = User.objects.get(email="secas@demo.ssc-portal.test")
    assert TOTPDevice.objects.filter(user=secas, confirmed=True).exists()
    assert StaticToken.objects.filter(device__user=secas, token="demo0001").exists()
    StaticToken.objects.filter(device__user=secas, token="demo0001").delete()
    call_command("seed_demo", stdout=io.StringIO())
    assert StaticToken.objects.filter(device__user=secas, token="demo0001").exists()


def test_each_system_points_at_its_latest_assurance_record(seeded):
    """The at-risk lists read LatestAssurance; it must agree with the history it summarises."""
    from assessments.models import LatestAssurance
    from notifications.models import UserSystem

    for system in UserSystem.objects.filter(assurance_records__isnull=False).distinct():
        latest = system.assurance_records.order_by("-effective_date", "-recorded_at", "-pk")[0]
        in_force = LatestAssurance.objects.get(user_system=system)
        assert (in_force.record, in_force.status) == (latest, latest.status)


def test_the_command_still_publishes_the_demo_accounts_and_password():
    from assessments.management.commands import seed_demo as command

    assert command.ACCOUNTS is ACCOUNTS
    assert command.DEMO_PASSWORD == DEMO_PASSWORD


def test_the_scenarios_take_a_case_to_its_outcome_each_step_by_the_person_named(
    organisation, submitter, secas, ssc_member, meeting
):
    case = scenarios.submitted_case(organisation=organisation, by=submitter, system_name="Portal")
    case = scenarios.case_under_review(case, by=secas, rapporteur=ssc_member, meeting=meeting)
    assessment = scenarios.assessment_required(
        case,
        by=ssc_member,
        meeting=meeting,
        due_date=timezone.localdate() + timedelta(days=30),
        rationale="Never assessed.",
    )
    assessment = scenarios.assessment_completed(
        assessment,
        by=secas,
        outcome=AssuranceStatus.APPROVED,
        decided_by=ssc_member,
        meeting=meeting,
    )

    case.refresh_from_db()
    assert case.state == NotificationState.CLOSED
    assert list(StateLog.objects.for_(case).order_by("pk").values_list("transition", "by")) == [
        ("submit", submitter.pk),
        ("start_review", secas.pk),
        ("decide_assessment_required", ssc_member.pk),
        ("close", ssc_member.pk),
    ]
    assert assessment.state == AssessmentState.COMPLETED
    # SECAS records each step and proposes; the SSC member decides, which completes it.
    assert list(StateLog.objects.for_(assessment).order_by("pk").values_list("transition", "by"))[
        -2:
    ] == [("propose_outcome", secas.pk), ("complete", ssc_member.pk)]
    assert set(
        StateLog.objects.for_(assessment)
        .exclude(transition="complete")
        .values_list("by", flat=True)
    ) == {secas.pk}
    assert assessment.fieldwork_end_date == timezone.localdate() - timedelta(days=17)


def test_the_demo_shows_a_system_in_use_before_its_decision_and_a_change_notified(seeded):
    from notifications.models import EmployedEarly, UserSystem

    early = UserSystem.objects.get(name="Harbourside Smart Heating Controls")
    assert early.status == UserSystem.Status.LIVE
    assert early.employed_early == EmployedEarly.BEFORE_DECISION
    assert early.notifications.get().state == NotificationState.SUBMITTED
    change = Notification.objects.get(changes_system__name="Northwind Export Metering Hub")
    assert change.state == NotificationState.SUBMITTED
    assert change.previous_notification.system_name == "Northwind Export Metering Hub"
    assert change.user_system == change.changes_system
    # Not decided yet, so the register keeps the delivery the SSC last decided on.
    assert change.delivery_model == DeliveryModel.IN_HOUSE
    assert change.changes_system.delivery_model == DeliveryModel.SRP
    assert change.changes_system.employed_early == ""


def test_the_demo_shows_a_remediation_plan_with_an_overdue_step(seeded):
    from assessments.models import RemediationPlan, RemediationStep, StepState

    plan = RemediationPlan.objects.get()
    assert plan.record.status == AssuranceStatus.APPROVED_SUBJECT_TO_STEPS
    assert RemediationStep.objects.overdue(timezone.localdate()).filter(plan=plan).count() == 1
    assert plan.steps.filter(state=StepState.DONE, evidence__isnull=False).exists()


def test_the_demo_shows_a_follow_up_in_progress_after_a_deferral_weeks_ago(seeded, client):
    from django.urls import reverse

    from assessments.models import AssessmentReason
    from assessments.selectors import organisations_at_risk, risk_reasons

    today = timezone.localdate()
    deferred = Assessment.objects.get(assurance_status=AssuranceStatus.DEFERRED)
    assert (today - deferred.assurance_record.effective_date).days >= 28
    follow_up = deferred.follow_ups.get()
    assert follow_up.reason == AssessmentReason.FOLLOW_UP
    assert follow_up.state == AssessmentState.SCHEDULED  # the CIO is booked
    assert follow_up.due_date > today
    assert set(follow_up.systems_in_scope.all()) == set(deferred.systems_in_scope.all())
    opened = StateLog.objects.for_(follow_up).get(transition="open_follow_up")
    assert opened.by is not None
    assert opened.timestamp < StateLog.objects.for_(follow_up).get(transition="schedule").timestamp

    # SECAS's at-risk list, the system's page and the organisation's home page all show it.
    organisation = deferred.organisation
    [row] = [
        row
        for row in risk_reasons(organisations_at_risk(today), today)
        if row["organisation"] == organisation
    ]
    assert [entry["pk"] for entry in row["follow_ups"]] == [follow_up.pk]
    client.force_login(User.objects.get(email="secas@demo.ssc-portal.test"))
    system = follow_up.systems_in_scope.get()
    page = client.get(reverse("assessments:system", args=[system.pk])).content.decode()
    assert "Not approved" in page
    assert f"follow-up FUSA due by {follow_up.due_date:%d/%m/%Y}" in page
    submitter = organisation.memberships.filter(role=Membership.Role.SUBMITTER).first().user
    client.force_login(submitter)
    home = client.get(reverse("organisation_home", args=[organisation.pk])).content.decode()
    assert "Not approved" in home
    assert f"due by {follow_up.due_date:%d/%m/%Y}" in home


def test_the_demo_defers_a_case_from_a_past_meeting_past_its_go_live(seeded):
    from assessments.models import Deferral
    from sscportal.mail.models import OutboundEmail

    deferral = Deferral.objects.select_related("from_meeting", "to_meeting", "notification").get()
    today = datetime.now(ZoneInfo("Europe/London")).date()
    assert deferral.from_meeting.date < today <= deferral.to_meeting.date
    assert deferral.reason
    assert deferral.notification.planned_go_live_date < deferral.to_meeting.date
    assert deferral.is_after_go_live
    assert OutboundEmail.objects.filter(kind="case_deferred_user").exists()


def test_the_demo_has_a_published_papers_pack_with_one_recommendation_missing(seeded):
    from assessments.models import MeetingPapers

    published = MeetingPapers.objects.get()
    assert published.meeting.date > timezone.localdate()
    case_papers = list(published.case_papers.all())
    assert len(case_papers) >= 2
    missing = [p for p in case_papers if "No recommendation had been recorded" in p.body_html]
    assert len(missing) == 1
    assert all("recommends:" in paper.body_html for paper in case_papers if paper not in missing)


def test_the_last_quarter_has_a_report_to_the_panel(seeded):
    from assessments.models import PanelReport
    from assessments.panel_report import previous_period

    report = PanelReport.objects.get()
    last = previous_period(timezone.localdate())
    assert (report.period_start, report.period_end) == (last.start, last.end)
    assert report.is_scheduled


def test_the_demo_has_an_open_referral_of_a_late_notice_and_an_appeal_under_consideration(
    seeded,
):
    from assessments.models import Appeal, AppealState, PanelReferral

    referral = PanelReferral.objects.get()
    assert referral.is_open
    assert referral.notification.is_late
    assert Appeal.objects.get().state == AppealState.UNDER_CONSIDERATION
