"""A system whose notification is withdrawn is "Not proceeding", never "Retired": it never ran."""

from django.urls import reverse

from notifications import services
from notifications.models import UserSystem
from tests import factories


def test_withdrawing_marks_the_notified_system_not_proceeding(submitted, submitter):
    services.withdraw_notification(notification=submitted, by=submitter, reason="Cancelled.")
    system = UserSystem.objects.get(pk=submitted.user_system_id)
    assert system.status == UserSystem.Status.NOT_PROCEEDING
    assert system.get_status_display() == "Not proceeding"


def test_the_organisation_home_says_not_proceeding(client, organisation, submitted, submitter):
    services.withdraw_notification(notification=submitted, by=submitter, reason="Cancelled.")
    client.force_login(submitter)
    page = client.get(reverse("organisation_home", args=[organisation.pk])).content.decode()
    row = page[page.index(submitted.system_name) :].split("</tr>", 1)[0]
    assert "<td>Not proceeding</td>" in row
    assert "Retired" not in page


def test_a_live_system_is_left_alone_by_a_withdrawal(submitted, submitter):
    UserSystem.objects.filter(pk=submitted.user_system_id).update(status=UserSystem.Status.LIVE)
    services.withdraw_notification(notification=submitted, by=submitter, reason="Duplicate.")
    assert UserSystem.objects.get(pk=submitted.user_system_id).status == UserSystem.Status.LIVE


def test_a_system_not_proceeding_can_be_notified_again(organisation, submitted, submitter):
    services.withdraw_notification(notification=submitted, by=submitter, reason="Paused.")
    again = factories.NotificationFactory(
        organisation=organisation, created_by=submitter, system_name=submitted.system_name
    )
    again = services.submit_notification(
        notification=again, by=submitter, declaration_accepted=True
    )
    assert again.user_system_id == submitted.user_system_id
    assert UserSystem.objects.get(pk=again.user_system_id).status == UserSystem.Status.PLANNED
