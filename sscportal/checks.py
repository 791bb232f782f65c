"""Start-up checks: production refuses to start when every page would answer 500.

With DEBUG off, the manifest storage needs `staticfiles.json` from collectstatic to name each
static file; without it, or with a manifest older than the static files, every page that
links a missing file fails. `manage.py check --deploy` reports it, and wsgi.py refuses to start.
"""

import os

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks

COLLECTSTATIC = "python manage.py collectstatic --noinput"


def static_manifest_problem() -> str | None:
    """What stops production serving pages for want of collected static files, or None."""
    if settings.DEBUG:
        return None
    fix = f"Run `{COLLECTSTATIC}` with the production settings, then start the portal again."
    try:
        # The storage reads its manifest as it is created: a corrupt one fails right here.
        if not isinstance(staticfiles_storage, ManifestFilesMixin):
            return None
        collected, _ = staticfiles_storage.load_manifest()
    except ValueError as error:
        return f"The static files manifest in {settings.STATIC_ROOT} cannot be read: {error}. {fix}"
    manifest = staticfiles_storage.manifest_storage.path(staticfiles_storage.manifest_name)
    if not collected:
        return (
            f"The static files have not been collected: there is no manifest at {manifest}, "
            f"so every page would fail. {fix}"
        )
    missing = sorted(set(static_source_files()) - set(collected))
    if missing:
        return (
            f"The collected static files are out of date: {len(missing)} file(s) are not in "
            f"{manifest} (first: {missing[0]}), so pages using them would fail. {fix}"
        )
    return None


def static_source_files() -> list[str]:
    """Every name collectstatic would collect, as the manifest spells it."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    names = []
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            names.append((os.path.join(prefix, path) if prefix else path).replace(os.sep, "/"))
    return names


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs=None, **kwargs):
    problem = static_manifest_problem()
    return [checks.Error(problem, id="sscportal.E001")] if problem else []
