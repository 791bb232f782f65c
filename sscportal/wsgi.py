import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from sscportal.checks import static_manifest_problem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sscportal.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to start rather than answer every page with a 500.
if problem := static_manifest_problem():
    raise ImproperlyConfigured(problem)
