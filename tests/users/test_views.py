import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sscportal.mail.models import OutboundEmail
from sscportal.mail.tasks import deliver_pending_emails
from tests import factories
from users.models import Membership, User


def test_an_invitation_with_a_bad_email_keeps_what_was_typed(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("users:invite", args=[organisation.pk]),
        {"full_name": "Typed Name", "email": "not-an-email", "role": "preparer"},
    )
    page = response.content.decode()
    assert "Enter an email address like name@example.org." in page
    assert 'value="Typed Name"' in page
    assert not User.objects.filter(full_name="Typed Name").exists()


def test_inviting_an_existing_member_again_is_refused(client, organisation, org_admin, submitter):
    client.force_login(org_admin)
    response = client.post(
        reverse("users:invite", args=[organisation.pk]),
        {"full_name": "Again", "email": submitter.email, "role": "preparer"},
    )
    assert "is already a member" in response.content.decode()
    assert Membership.objects.get(user=submitter).role == "submitter"


def test_an_admin_deactivates_a_member_who_then_loses_access(
    client, organisation, org_admin, submitter
):
    membership = Membership.objects.get(user=submitter)
    client.force_login(org_admin)
    client.post(
        reverse("users:membership", args=[organisation.pk, membership.pk]),
        {f"m{membership.pk}-role": "submitter", f"m{membership.pk}-is_active": "False"},
    )
    client.force_login(User.objects.get(pk=submitter.pk))
    assert client.get(reverse("organisation_home", args=[organisation.pk])).status_code == 404


def test_the_last_admin_cannot_be_demoted(client, organisation, org_admin):
    membership = Membership.objects.get(user=org_admin)
    client.force_login(org_admin)
    response = client.post(
        reverse("users:membership", args=[organisation.pk, membership.pk]),
        {f"m{membership.pk}-role": "preparer", f"m{membership.pk}-is_active": "True"},
        follow=True,
    )
    assert "is the only admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_preparers_and_submitters_cannot_manage_staff(client, organisation, preparer, submitter):
    for person in (preparer, submitter):
        client.force_login(person)
        assert client.get(reverse("users:staff", args=[organisation.pk])).status_code == 404


def test_an_admin_cannot_change_another_organisations_membership(
    client, organisation, org_admin, other_submitter
):
    foreign = Membership.objects.get(user=other_submitter)
    client.force_login(org_admin)
    response = client.post(
        reverse("users:membership", args=[organisation.pk, foreign.pk]),
        {f"m{foreign.pk}-role": "admin", f"m{foreign.pk}-is_active": "True"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == "submitter"


def test_an_invitation_waits_in_the_outbox_while_the_mail_server_is_down(
    client, organisation, org_admin, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.email_backends.UnreachableSMTPBackend"
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("users:invite", args=[organisation.pk]),
            {"full_name": "New Person", "email": "new@example.org", "role": "preparer"},
            follow=True,
        )
    assert (
        "Invitation to new@example.org as Preparer recorded; the email is on its way."
        in response.content.decode()
    )
    membership = Membership.objects.get(user__email="new@example.org")
    assert membership.invitation == Membership.Invitation.PENDING
    waiting = OutboundEmail.objects.get(kind="invitation")
    assert (waiting.sent_at, waiting.attempts) == (None, 1)
    assert waiting.organisation_link.organisation == organisation

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        assert deliver_pending_emails()["sent"] == 1
    (email,) = mail.outbox
    assert email.to == ["new@example.org"]
    assert organisation.name in email.subject
    assert "/accounts/set-password/" in email.body
    waiting.refresh_from_db()
    assert waiting.sent_at is not None
    assert waiting.subject == email.subject
    # The set-password link is made when the email is sent and never stored.
    stored = [waiting.subject, waiting.body_text, waiting.body_html, str(waiting.context)]
    assert not [field for field in stored if "set-password" in field]


def test_an_invitation_withdrawn_before_its_email_went_out_is_never_sent(
    client, organisation, org_admin, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.email_backends.UnreachableSMTPBackend"
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("users:invite", args=[organisation.pk]),
            {"full_name": "Wrong Person", "email": "wrong@example.org", "role": "preparer"},
        )
    membership = Membership.objects.get(user__email="wrong@example.org")
    client.post(reverse("users:withdraw_invitation", args=[organisation.pk, membership.pk]))
    membership.refresh_from_db()
    assert membership.is_invitation_withdrawn

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        assert deliver_pending_emails() == {"due": 1, "sent": 0, "failed": 0}
        # Cancelled, not waiting: the next sweep does not pick it up again.
        assert deliver_pending_emails()["due"] == 0
    assert mail.outbox == []  # no set-password link reached the wrong address
    cancelled = OutboundEmail.objects.get(kind="invitation")
    assert cancelled.sent_at is None
    assert cancelled.cancelled_at is not None
    assert cancelled.last_error == "Not sent: the invitation was withdrawn before it was sent"
    # SECAS's communications log says so, rather than "Waiting".
    client.force_login(factories.secas_user())
    log = client.get(reverse("secas:organisation_communications", args=[organisation.pk]))
    assert "Not sent" in log.content.decode()
    assert "withdrawn before it was sent" in log.content.decode()


def test_an_open_invitation_can_be_sent_again(
    client, organisation, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("users:invite", args=[organisation.pk]),
            {"full_name": "New Person", "email": "new@example.org", "role": "preparer"},
        )
    membership = Membership.objects.get(user__email="new@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("users:resend_invitation", args=[organisation.pk, membership.pk]), follow=True
        )
    assert "A new invitation email to new@example.org is on its way." in response.content.decode()
    assert [message.to for message in mail.outbox] == [["new@example.org"]] * 2
    assert OutboundEmail.objects.filter(kind="invitation", sent_at__isnull=False).count() == 2


def test_no_invitation_is_resent_to_someone_who_already_answered(
    client, organisation, org_admin, submitter
):
    membership = Membership.objects.get(user=submitter)
    client.force_login(org_admin)
    response = client.post(
        reverse("users:resend_invitation", args=[organisation.pk, membership.pk]), follow=True
    )
    assert "There is no open invitation to send again" in response.content.decode()
    assert mail.outbox == []


def test_a_forgotten_password_can_be_reset_by_email(client, submitter):
    response = client.post(
        reverse("password_reset"), {"email": submitter.email.upper()}, follow=True
    )
    assert "Check your email" in response.content.decode()
    (email,) = mail.outbox
    assert email.subject == "Reset your SSC Portal password"
    assert "/accounts/set-password/" in email.body


def test_two_admins_cannot_both_step_down(organisation, org_admin):
    from users import services

    second = factories.MembershipFactory(organisation=organisation, role="admin")
    first = Membership.objects.get(user=org_admin)
    services.change_membership(membership=first, by=second.user, role="submitter", is_active=True)
    with pytest.raises(services.StaffChangeRefused, match="only admin"):
        services.change_membership(
            membership=second,
            by=User.objects.get(pk=second.user_id),
            role="preparer",
            is_active=True,
        )
