from contextlib import suppress

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app: its checks, tasks and commands are found like any app's."""

    name = "sscportal"
    verbose_name = "SSC Portal"

    def ready(self):
        from sscportal import checks  # noqa: F401  (registers the system checks)
        from sscportal.uploads import upload_temp_dir

        # A fresh checkout has no store yet, and Django's checks refuse a missing temp dir; on a
        # read-only store the mkdir fails quietly and Django's own check names the folder.
        with suppress(OSError):
            upload_temp_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
