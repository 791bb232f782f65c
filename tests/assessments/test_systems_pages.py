"""The register's pages as people use them: the systems list, a system's page and its forms,
the flags SECAS sees, and a change notified from a system."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assessments.reminders import Recipients, weekly_digest
from notifications import services as intake
from notifications.models import EmployedEarly, Notification, UserSystem
from tests import factories
from tests.html_forms import form_data, postable


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def notified(organisation, preparer, submitter):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=10), tick=False):
        return intake.submit_notification(
            notification=factories.NotificationFactory(
                organisation=organisation, created_by=preparer, system_name="Customer app"
            ),
            by=submitter,
            declaration_accepted=True,
        )


def system_url(notification) -> str:
    return reverse("assessments:system", args=[notification.user_system_id])


def test_the_systems_page_lists_each_system_with_its_roles_delivery_status_and_dates(
    client, notified, submitter
):
    client.force_login(submitter)
    page = text_of(
        client.get(reverse("assessments:organisation_systems", args=[notified.organisation_id]))
    )
    assert "Customer app" in page
    for role in notified.user_roles.all():
        assert role.name in page
    assert "Planned" in page
    assert f"{notified.planned_go_live_date:%d/%m/%Y}" in page
    assert "Not yet assessed" in page


def test_another_organisations_people_cannot_open_the_systems_pages(
    client, notified, other_submitter
):
    client.force_login(other_submitter)
    assert (
        client.get(
            reverse("assessments:organisation_systems", args=[notified.organisation_id])
        ).status_code
        == 404
    )
    assert client.get(system_url(notified)).status_code == 404
    response = client.post(
        reverse("assessments:system_go_live", args=[notified.user_system_id]),
        {"go_live-began_date": days_ago(1).isoformat()},
    )
    assert response.status_code == 404
    assert UserSystem.objects.get(pk=notified.user_system_id).began_employing_date is None


def test_the_user_records_the_day_it_began_and_is_told_it_is_flagged(client, notified, submitter):
    client.force_login(submitter)
    page = text_of(client.get(system_url(notified)))
    assert "Record when you began to use it" in page
    url = reverse("assessments:system_go_live", args=[notified.user_system_id])
    fields = form_data(page, action=url)
    assert "go_live-began_date" in fields
    fields["go_live-began_date"] = days_ago(2).isoformat()
    response = client.post(url, postable(fields), follow=True)
    page = text_of(response)
    assert f"began to be used on {days_ago(2):%d/%m/%Y}" in page
    assert "Employed before the SSC&#x27;s decision" in page
    system = UserSystem.objects.get(pk=notified.user_system_id)
    assert (system.status, system.employed_early) == (
        UserSystem.Status.LIVE,
        EmployedEarly.BEFORE_DECISION,
    )
    # Recorded once: the form gives way to the date, and a correction is SECAS's.
    assert "Record when you began to use it" not in page


def test_a_wrong_date_keeps_what_was_typed_and_says_why(client, notified, submitter):
    client.force_login(submitter)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("assessments:system_go_live", args=[notified.user_system_id]),
        {"go_live-began_date": "31/02/2026"},
    )
    page = text_of(response)
    assert "Enter a real date" in page
    assert 'value="31/02/2026"' in page
    response = client.post(
        reverse("assessments:system_go_live", args=[notified.user_system_id]),
        {"go_live-began_date": tomorrow.isoformat()},
        follow=True,
    )
    assert "cannot be in the future" in text_of(response)


def test_secas_corrects_the_date_with_a_reason_and_the_flag_follows(
    client, notified, submitter, secas
):
    intake.record_began_employing(system=notified.user_system, by=submitter, began_date=days_ago(2))
    client.force_login(secas)
    url = reverse("assessments:system_go_live", args=[notified.user_system_id])
    page = text_of(client.post(url, {"go_live-began_date": days_ago(11).isoformat()}))
    assert "Please give the reason for the correction." in page
    client.post(
        url,
        {"go_live-began_date": days_ago(11).isoformat(), "go_live-reason": "Go-live report"},
    )
    system = UserSystem.objects.get(pk=notified.user_system_id)
    assert system.employed_early == EmployedEarly.BEFORE_NOTICE
    page = text_of(client.get(system_url(notified)))
    assert "Go-live report" in page  # the register's history says why


def test_secas_sees_the_flag_on_the_case_the_dashboard_the_list_and_the_csv(
    client, notified, submitter, secas
):
    intake.record_began_employing(system=notified.user_system, by=submitter, began_date=days_ago(2))
    client.force_login(secas)
    case = text_of(client.get(reverse("assessments:case", args=[notified.pk])))
    assert "Employed before the SSC&#x27;s decision" in case
    dashboard = text_of(client.get(reverse("secas:dashboard")))
    assert "Employed before notice or decision (1)" in dashboard
    assert "Customer app" in dashboard
    listing = text_of(client.get(reverse("secas:employed_early")))
    assert "Customer app" in listing
    response = client.get(reverse("secas:export", args=["employed-early"]))
    body = b"".join(response.streaming_content).decode()
    assert "Customer app" in body
    assert f"{days_ago(2):%d/%m/%Y}" in body


def test_the_weekly_digest_counts_the_systems_employed_early(notified, submitter):
    intake.record_began_employing(system=notified.user_system, by=submitter, began_date=days_ago(2))
    (digest,) = weekly_digest(timezone.localdate(), Recipients(), [])
    assert "User Systems employed before notice or before the SSC's decision: 1." in digest.lines


def test_a_live_system_is_retired_from_its_page(client, notified, submitter):
    intake.record_began_employing(system=notified.user_system, by=submitter, began_date=days_ago(5))
    client.force_login(submitter)
    url = reverse("assessments:system_retire", args=[notified.user_system_id])
    page = text_of(client.post(url, {"retire-retired_date": days_ago(1).isoformat()}))
    assert "Please say why the system is retired." in page
    response = client.post(
        url,
        {"retire-retired_date": days_ago(1).isoformat(), "retire-reason": "Replaced"},
        follow=True,
    )
    assert f"retired on {days_ago(1):%d/%m/%Y}" in text_of(response)
    assert UserSystem.objects.get(pk=notified.user_system_id).status == UserSystem.Status.RETIRED


def test_a_change_is_notified_from_the_system_and_linked_on_the_case(
    client, notified, preparer, submitter, secas
):
    client.force_login(preparer)
    page = text_of(client.get(system_url(notified)))
    assert "Notify a change to this system" in page
    response = client.post(
        reverse("assessments:system_notify_change", args=[notified.user_system_id])
    )
    change = Notification.objects.get(changes_system=notified.user_system_id)
    assert response.status_code == 302
    assert response.url.startswith(reverse("notifications:edit", args=[change.pk]))
    form_page = text_of(client.get(reverse("notifications:edit", args=[change.pk])))
    assert "What has changed" in form_page
    assert "2. The changed User System" in form_page
    # The name is the register's: shown, not editable.
    assert re.search(r'name="system_name"[^>]*disabled', form_page)
    edit_url = reverse("notifications:edit", args=[change.pk])
    fields = form_data(form_page, action=edit_url)
    assert "system_name" not in fields  # a disabled control is not sent
    fields["change_summary"] = "Moving hosting to a new data centre."
    fields["planned_go_live_date"] = (
        timezone.localdate() + datetime.timedelta(days=60)
    ).isoformat()
    fields["system_name"] = "Renamed by a forged post"
    fields["action"] = "Save draft"
    client.post(edit_url, postable(fields))
    change.refresh_from_db()
    assert change.change_summary == "Moving hosting to a new data centre."
    assert change.system_name == "Customer app"
    intake.submit_notification(notification=change, by=submitter, declaration_accepted=True)
    client.force_login(secas)
    case = text_of(client.get(reverse("assessments:case", args=[change.pk])))
    assert "This notification is a change to" in case
    earlier = reverse("assessments:case", args=[notified.pk])
    assert f'last notified under <a href="{earlier}">{notified.reference}</a>' in case
    assert "Moving hosting to a new data centre." in case
    original = text_of(client.get(reverse("assessments:case", args=[notified.pk])))
    assert change.reference in original  # the system's history of notifications


def test_a_refused_correction_keeps_what_was_typed(client, notified, submitter, secas):
    intake.record_began_employing(system=notified.user_system, by=submitter, began_date=days_ago(2))
    client.force_login(secas)
    ahead = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        reverse("assessments:system_go_live", args=[notified.user_system_id]),
        {"go_live-began_date": ahead.isoformat(), "go_live-reason": "From the go-live report"},
    )
    page = text_of(response)
    assert "cannot be in the future" in page
    assert "From the go-live report" in page
    assert f'value="{ahead.isoformat()}"' in page


def test_a_change_withdrawn_before_submission_stays_the_organisations_own(
    client, notified, preparer, submitter, ssc_member
):
    change = intake.start_change_notification(system=notified.user_system, by=preparer)
    intake.update_draft(
        notification=change, by=preparer, content={"change_summary": "Secret plans"}
    )
    intake.withdraw_notification(notification=change, by=submitter, reason="Not now")
    client.force_login(ssc_member)
    page = text_of(client.get(system_url(notified)))
    assert change.reference not in page
    assert "Secret plans" not in page
    client.force_login(preparer)
    assert change.reference in text_of(client.get(system_url(notified)))
