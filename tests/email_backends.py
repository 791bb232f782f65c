"""The edge of the world: an SMTP server we do not run, standing in for one that is down."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class UnreachableSMTPBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, "Service not available")
