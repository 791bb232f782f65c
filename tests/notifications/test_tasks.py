import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.utils import timezone

from notifications import services
from notifications.models import NotificationState
from sscportal.mail import services as outbox
from sscportal.mail.models import OutboundEmail
from sscportal.mail.tasks import (
    EmailNotSent,
    deliver_pending_emails,
    message_id_for,
    send_outbound_email,
)

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
    written = OutboundEmail.objects.count()
    assert written >= 2  # the receipt and the alert to SECAS, at least
    assert unsent.count() == written
    assert all(email.attempts == 1 for email in unsent)
    assert all("SMTPConnectError" in email.last_error for email in unsent)
    assert all(email.next_attempt_at > timezone.now() for email in unsent)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        result = deliver_pending_emails()
    assert result == {"due": written, "sent": written, "failed": 0}
    assert len(mail.outbox) == written
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
    assert len(mail.outbox) == sent == OutboundEmail.objects.count()


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
    written = OutboundEmail.objects.count()
    call_command("send_pending_emails")
    assert f"{written} due, {written} sent, 0 failed" in capsys.readouterr().out


def test_one_broken_email_does_not_hold_up_the_others(draft, submitter):
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    broken = OutboundEmail.objects.order_by("pk").first()
    OutboundEmail.objects.filter(pk=broken.pk).update(to=["bad@example.org\nBcc: x@example.org"])
    written = OutboundEmail.objects.count()
    result = deliver_pending_emails()
    assert result == {"due": written, "sent": written - 1, "failed": 1}
    broken.refresh_from_db()
    assert broken.sent_at is None
    assert broken.attempts == 1


# --- Delivery is at least once: a resend must be recognisable -------------------------------


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the task may catch it."""


class DeliversThenTheWorkerIsKilled(locmem.EmailBackend):
    def send_messages(self, messages):
        super().send_messages(messages)
        # The mail server has the message; the row is never marked sent.
        raise WorkerKilled


KILLED = f"{__name__}.DeliversThenTheWorkerIsKilled"


def outbox_row(**fields) -> OutboundEmail:
    fields = {
        "kind": "test",
        "to": ["someone@example.org"],
        "subject": "S",
        "body_text": "B",
    } | fields
    return OutboundEmail.objects.create(**fields)


def test_a_worker_killed_after_sending_sends_again_with_the_same_message_id(db, settings):
    email = outbox_row()
    settings.EMAIL_BACKEND = KILLED
    with pytest.raises(WorkerKilled):
        send_outbound_email(email.pk)
    email.refresh_from_db()
    assert email.sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_outbound_email(email.pk) is True
    first, second = (message.message()["Message-ID"] for message in mail.outbox)
    assert first == second == message_id_for(email)


def test_every_outbox_row_has_its_own_message_id(db, settings):
    settings.DEFAULT_FROM_EMAIL = "SSC Portal <no-reply@ssc-portal.example.org>"
    one, two = outbox_row(), outbox_row()
    deliver_pending_emails()
    sent = sorted(message.message()["Message-ID"] for message in mail.outbox)
    assert sent == sorted([message_id_for(one), message_id_for(two)])
    assert message_id_for(one) != message_id_for(two)
    assert re.fullmatch(r"<[^<>@\s]+@ssc-portal\.example\.org>", message_id_for(one))


def test_the_message_id_is_the_same_in_every_worker(db):
    email = outbox_row()
    # Another worker loads the row afresh; nothing about the machine may enter the ID.
    assert message_id_for(OutboundEmail.objects.get(pk=email.pk)) == message_id_for(email)
    assert str(email.pk) in message_id_for(email)


# --- A row from a bulk run is rendered when it is delivered ---------------------------------


def deferred_row(**context) -> OutboundEmail:
    context = {
        "due": {"headline": "Something is due.", "lines": ["One", "Two"], "action": "Act."},
        "url": "http://portal.example/x/",
    } | context
    email = outbox.build_deferred_email(
        kind="reminder_test",
        to=["someone@example.org"],
        template="reminder",
        context=context,
        summary="Due soon",
    )
    email.save()
    return email


def test_a_deferred_email_is_rendered_when_it_is_delivered_and_its_body_kept(submitted):
    email = deferred_row()
    assert (email.subject, email.body_text) == ("Due soon", "")
    eager = services.build_email(
        kind="reminder_test",
        to=["someone@example.org"],
        template="reminder",
        context=email.context,
        notification=submitted,
    )
    assert send_outbound_email(email.pk) is True
    (message,) = mail.outbox
    assert (message.subject, message.body) == (eager.subject, eager.body_text)
    assert message.alternatives[0][0] == eager.body_html
    assert "Two" in message.body
    email.refresh_from_db()
    assert (email.subject, email.body_text, email.body_html) == (
        eager.subject,
        eager.body_text,
        eager.body_html,
    )
    assert email.subject == "Reminder: Something is due."
    assert email.sent_at is not None


def test_a_deferred_email_that_cannot_be_sent_keeps_its_rendered_body_for_the_log(db, settings):
    email = deferred_row()
    settings.EMAIL_BACKEND = UNREACHABLE
    with pytest.raises(EmailNotSent):
        send_outbound_email(email.pk)
    email.refresh_from_db()
    assert email.sent_at is None
    assert email.subject == "Reminder: Something is due."
    assert "Something is due." in email.body_text
    assert "Something is due." in email.body_html


def test_an_email_written_whole_is_sent_as_written(db):
    email = outbox_row(template="reminder", context={"due": {"headline": "Not this."}})
    send_outbound_email(email.pk)
    (message,) = mail.outbox
    assert message.body == "B"


def test_a_row_that_cannot_be_rendered_is_recorded_and_waits_its_turn(db):
    broken = deferred_row()
    OutboundEmail.objects.filter(pk=broken.pk).update(template="no_such_template")
    with pytest.raises(EmailNotSent, match="TemplateDoesNotExist"):
        send_outbound_email(broken.pk)
    broken.refresh_from_db()
    assert broken.attempts == 1
    assert broken.sent_at is None
    assert broken.next_attempt_at > timezone.now()  # backs off instead of blocking the outbox
