from django.apps import AppConfig


class MailConfig(AppConfig):
    """The outbox every app writes its emails to; it knows nothing of what they are about."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sscportal.mail"
    label = "mail"
    verbose_name = "Email"
