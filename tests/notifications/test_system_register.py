"""The register of User Systems: go-live recorded by the User, corrected by SECAS, flags for a
system employed before notice or decision, retirement, and changes notified again."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from assessments.models import Decision
from assessments.services import decide
from notifications import services
from notifications.models import EmployedEarly, NotificationState, UserSystem
from notifications.services import TransitionRefused
from tests import factories

S = NotificationState


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def notified_earlier(organisation, preparer, submitter):
    """A notification submitted ten days ago, still undecided."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=10), tick=False):
        return services.submit_notification(
            notification=factories.NotificationFactory(
                organisation=organisation, created_by=preparer
            ),
            by=submitter,
            declaration_accepted=True,
        )


def test_recording_the_day_it_began_makes_a_planned_system_live(notified_earlier, submitter):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(2)
    )
    system.refresh_from_db()
    assert system.status == UserSystem.Status.LIVE
    assert system.began_employing_date == days_ago(2)
    latest = system.history.first()
    assert latest.history_user == submitter
    assert latest.history_change_reason == f"Began to employ it on {days_ago(2):%d/%m/%Y}"


def test_a_system_used_before_the_decision_is_flagged(notified_earlier, submitter):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(2)
    )
    assert system.employed_early == EmployedEarly.BEFORE_DECISION


def test_a_system_used_on_or_before_the_day_of_notice_is_flagged_as_before_notice(
    notified_earlier, submitter
):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(10)
    )
    assert system.employed_early == EmployedEarly.BEFORE_NOTICE


def test_a_system_used_after_the_decision_is_not_flagged(
    submitted, secas, ssc_member, meeting, submitter
):
    from assessments.services import start_review

    start_review(notification=submitted, by=secas, rapporteur=ssc_member, meeting=meeting)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30), tick=False):
        decide(
            notification=submitted,
            by=ssc_member,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Assessed with the SRP.",
            meeting=meeting,
        )
        system = services.record_began_employing(
            system=submitted.user_system, by=submitter, began_date=timezone.localdate()
        )
    assert system.status == UserSystem.Status.LIVE
    assert system.employed_early == ""


def test_the_user_records_the_date_once_and_secas_corrects_it_with_a_reason(
    notified_earlier, submitter, secas
):
    system = notified_earlier.user_system
    services.record_began_employing(system=system, by=submitter, began_date=days_ago(2))
    with pytest.raises(TransitionRefused, match=r"already recorded .* contact SECAS"):
        services.record_began_employing(system=system, by=submitter, began_date=days_ago(1))
    with pytest.raises(TransitionRefused, match="reason for the correction"):
        services.record_began_employing(system=system, by=secas, began_date=days_ago(12))
    corrected = services.record_began_employing(
        system=system, by=secas, began_date=days_ago(12), reason="The User's go-live report"
    )
    # Corrected to before the notice: the flag follows the date.
    assert corrected.employed_early == EmployedEarly.BEFORE_NOTICE
    latest = corrected.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        secas,
        "The User's go-live report",
    )


def test_a_date_in_the_future_or_from_another_organisation_is_refused(
    notified_earlier, submitter, other_submitter, preparer
):
    system = notified_earlier.user_system
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(TransitionRefused, match="cannot be in the future"):
        services.record_began_employing(system=system, by=submitter, began_date=tomorrow)
    with pytest.raises(TransitionRefused, match="cannot record"):
        services.record_began_employing(system=system, by=other_submitter, began_date=days_ago(1))
    with pytest.raises(TransitionRefused, match="submitters"):
        services.record_began_employing(system=system, by=preparer, began_date=days_ago(1))
    system.refresh_from_db()
    assert system.began_employing_date is None


def test_a_withdrawn_systems_date_cannot_be_recorded(notified_earlier, submitter):
    services.withdraw_notification(notification=notified_earlier, by=submitter, reason="Dropped")
    with pytest.raises(TransitionRefused, match="not proceeding"):
        services.record_began_employing(
            system=notified_earlier.user_system, by=submitter, began_date=days_ago(1)
        )


def test_a_live_system_is_retired_with_a_reason_and_not_before_it_began(
    notified_earlier, submitter
):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(5)
    )
    with pytest.raises(TransitionRefused, match="before it began"):
        services.retire_system(system=system, by=submitter, retired_date=days_ago(6), reason="x")
    with pytest.raises(TransitionRefused, match="why"):
        services.retire_system(system=system, by=submitter, retired_date=days_ago(1), reason=" ")
    retired = services.retire_system(
        system=system, by=submitter, retired_date=days_ago(1), reason="Replaced by the new one"
    )
    assert (retired.status, retired.retired_date) == (UserSystem.Status.RETIRED, days_ago(1))
    with pytest.raises(TransitionRefused, match="Only a live system"):
        services.retire_system(system=retired, by=submitter, retired_date=days_ago(1), reason="x")


# --- Changes to a notified system -----------------------------------------------------------------


def test_a_change_starts_as_a_draft_linked_to_the_system_and_prefilled(submitted, preparer):
    change = services.start_change_notification(system=submitted.user_system, by=preparer)
    assert change.is_draft
    assert change.changes_system == submitted.user_system
    assert change.previous_notification == submitted
    assert change.system_name == submitted.system_name
    assert change.hosting_description == submitted.hosting_description
    assert set(change.user_roles.all()) == set(submitted.user_roles.all())
    assert "what has changed" in change.missing_fields()


def test_only_one_change_to_a_system_is_open_at_a_time(submitted, preparer):
    first = services.start_change_notification(system=submitted.user_system, by=preparer)
    with pytest.raises(TransitionRefused, match=first.reference):
        services.start_change_notification(system=submitted.user_system, by=preparer)


def test_a_change_reaches_the_register_when_decided_and_a_live_system_stays_live(
    notified_earlier, preparer, submitter, secas, ssc_member, meeting
):
    from assessments.services import start_review

    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(1)
    )
    UserSystem.objects.filter(pk=system.pk).update(srp_coverage="covered")
    provider = factories.SharedResourceProviderFactory()
    change = services.start_change_notification(system=system, by=preparer)
    services.update_draft(
        notification=change,
        by=preparer,
        content={
            "change_summary": "Moving to a Shared Resource Provider.",
            "planned_go_live_date": timezone.localdate() + datetime.timedelta(days=40),
            "delivery_model": "srp",
            "provider": provider,
        },
    )
    submitted_change = services.submit_notification(
        notification=change, by=submitter, declaration_accepted=True
    )
    assert submitted_change.state == S.SUBMITTED
    assert submitted_change.user_system_id == system.pk
    system.refresh_from_db()
    assert system.delivery_model == "in_house"  # not until the SSC has decided
    start_review(notification=change, by=secas, rapporteur=ssc_member, meeting=meeting)
    decide(
        notification=change,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="The SRP was assessed.",
        meeting=meeting,
    )
    system.refresh_from_db()
    assert system.status == UserSystem.Status.LIVE
    assert system.began_employing_date == days_ago(1)
    assert (system.delivery_model, system.provider) == ("srp", provider)
    # Coverage read for the old delivery says nothing about the new provider.
    assert system.srp_coverage == "not_confirmed"
    assert system.history.first().history_change_reason == (
        f"Change decided under {change.reference}"
    )
    # The system's first notification still decides its flags, not the change.
    assert services.employment_flag(system) == EmployedEarly.BEFORE_DECISION


def test_a_retired_entry_notified_again_starts_afresh(notified_earlier, preparer, submitter):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(10)
    )
    assert system.employed_early == EmployedEarly.BEFORE_NOTICE
    services.retire_system(system=system, by=submitter, retired_date=days_ago(1), reason="Old")
    again = services.submit_notification(
        notification=factories.NotificationFactory(
            organisation=system.organisation, created_by=preparer, system_name=system.name
        ),
        by=submitter,
        declaration_accepted=True,
    )
    assert again.user_system_id == system.pk
    system.refresh_from_db()
    assert system.status == UserSystem.Status.PLANNED
    assert (system.began_employing_date, system.retired_date, system.employed_early) == (
        None,
        None,
        "",
    )
    # Judged against the new notice, not the withdrawn or older one.
    recorded = services.record_began_employing(
        system=system, by=submitter, began_date=timezone.localdate()
    )
    assert recorded.employed_early == EmployedEarly.BEFORE_NOTICE  # on the day of notice


def test_a_system_used_after_its_only_notice_was_withdrawn_stays_flagged(
    notified_earlier, submitter, secas
):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(2)
    )
    services.withdraw_notification(notification=notified_earlier, by=submitter, reason="Oops")
    corrected = services.record_began_employing(
        system=system, by=secas, began_date=days_ago(3), reason="Go-live report"
    )
    assert corrected.employed_early == EmployedEarly.BEFORE_NOTICE


def test_a_change_keeps_only_the_roles_the_organisation_still_holds(submitted, preparer):
    roles = list(submitted.user_roles.all())
    assert roles
    submitted.organisation.user_roles.remove(*roles)
    still_held = submitted.organisation.user_roles.first()
    change = services.start_change_notification(system=submitted.user_system, by=preparer)
    assert list(change.user_roles.all()) == []
    assert still_held is None or still_held not in roles


def test_withdrawing_a_change_leaves_the_system_as_it_was(notified_earlier, preparer, submitter):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(1)
    )
    change = services.start_change_notification(system=system, by=preparer)
    services.update_draft(
        notification=change,
        by=preparer,
        content={
            "change_summary": "New hosting.",
            "planned_go_live_date": timezone.localdate() + datetime.timedelta(days=40),
        },
    )
    services.submit_notification(notification=change, by=submitter, declaration_accepted=True)
    services.withdraw_notification(notification=change, by=submitter, reason="Not now")
    system.refresh_from_db()
    assert system.status == UserSystem.Status.LIVE


def test_a_change_to_a_retired_system_is_refused(notified_earlier, preparer, submitter):
    system = services.record_began_employing(
        system=notified_earlier.user_system, by=submitter, began_date=days_ago(3)
    )
    services.retire_system(system=system, by=submitter, retired_date=days_ago(1), reason="Gone")
    with pytest.raises(TransitionRefused, match="planned or live"):
        services.start_change_notification(system=system, by=preparer)


def test_someone_from_another_organisation_cannot_start_a_change(submitted, other_submitter):
    with pytest.raises(TransitionRefused, match="your own organisation"):
        services.start_change_notification(system=submitted.user_system, by=other_submitter)


def test_the_receipt_says_the_notification_is_a_change_and_what_changed(
    notified_earlier, preparer, submitter
):
    from sscportal.mail.models import OutboundEmail

    change = services.start_change_notification(system=notified_earlier.user_system, by=preparer)
    services.update_draft(
        notification=change,
        by=preparer,
        content={
            "change_summary": "A new hosting provider.",
            "planned_go_live_date": timezone.localdate() + datetime.timedelta(days=40),
        },
    )
    services.submit_notification(notification=change, by=submitter, declaration_accepted=True)
    receipt = OutboundEmail.objects.filter(
        kind="receipt", notification_link__notification=change
    ).first()
    assert "a change to a User System it notified before" in receipt.body_text
    assert "What has changed: A new hosting provider." in receipt.body_html
    alert = OutboundEmail.objects.filter(
        kind="secas_alert", notification_link__notification=change
    ).first()
    assert f"last notified under {notified_earlier.reference}" in alert.body_text
