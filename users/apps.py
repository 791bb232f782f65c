from django.apps import AppConfig


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"

    def ready(self):
        from sscportal.mail.services import add_at_delivery
        from users import (
            policy,  # noqa: F401 - registers the app's rules
            signals,  # noqa: F401 - connects the audit receivers
        )
        from users.services import INVITATION, invitation_link

        add_at_delivery(INVITATION, invitation_link)
