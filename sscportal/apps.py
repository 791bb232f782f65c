from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app: its checks, tasks and commands are found like any app's."""

    name = "sscportal"
    verbose_name = "SSC Portal"

    def ready(self):
        from sscportal import checks  # noqa: F401  (registers the system checks)
