import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import services
from notifications.models import NotificationState, OutboundEmail
from notifications.tasks import EmailNotSent, deliver_pending_emails, send_outbound_email

UNREACHABLE = "tests.email_backends.UnreachableSMTPBackend"


def test_with_the_mail_server_down_a_submission_still_succeeds_and_nothing_is_lost(
    draft, submitter, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = UNREACHABLE
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )
    assert notification.state == NotificationState.SUBMITTED
    unsent = OutboundEmail.objects.filter(sent_at__isnull=True)
    assert unsent.count() == 2
    assert all(email.attempts == 1 for email in unsent)
    assert all("SMTPConnectError" in email.last_error for email in unsent)
    assert all(email.next_attempt_at > timezone.now() for email in unsent)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        result = deliver_pending_emails()
    assert result == {"due": 2, "sent": 2, "failed": 0}
    assert len(mail.outbox) == 2
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


def test_the_sweeper_waits_for_the_back_off(draft, submitter, settings):
    settings.EMAIL_BACKEND = UNREACHABLE
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    for email in OutboundEmail.objects.all():
        with pytest.raises(EmailNotSent):
            send_outbound_email(email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_pending_emails() == {"due": 0, "sent": 0, "failed": 0}


def test_an_email_is_sent_once_however_often_delivery_runs(
    draft, submitter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    sent = len(mail.outbox)
    for email in OutboundEmail.objects.all():
        assert send_outbound_email(email.pk) is False
    deliver_pending_emails()
    assert len(mail.outbox) == sent == 2


def test_subjects_are_plain_text_not_html(organisation, preparer, submitter):
    from tests import factories

    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name='Bob\'s "App" & more'
    )
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    subjects = set(OutboundEmail.objects.values_list("subject", flat=True))
    assert any('Bob\'s "App" & more' in subject for subject in subjects)
    assert not any("&amp;" in subject or "&#x27;" in subject for subject in subjects)


def test_the_command_sends_what_is_due(draft, submitter, settings, capsys):
    settings.EMAIL_BACKEND = UNREACHABLE
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_emails")
    assert "2 due, 2 sent, 0 failed" in capsys.readouterr().out


def test_one_broken_email_does_not_hold_up_the_others(draft, submitter):
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    broken = OutboundEmail.objects.order_by("pk").first()
    OutboundEmail.objects.filter(pk=broken.pk).update(to=["bad@example.org\nBcc: x@example.org"])
    result = deliver_pending_emails()
    assert result == {"due": 2, "sent": 1, "failed": 1}
    broken.refresh_from_db()
    assert broken.sent_at is None
    assert broken.attempts == 1
