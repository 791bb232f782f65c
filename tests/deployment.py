"""The portal as it is deployed: fresh processes with production settings from the environment."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "ssc-portal.example.org"
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3y-" + "q8W2zR7pL0vN5xT9bM4cJ6hF1dS3gK8a" * 2,
    "DJANGO_ALLOWED_HOSTS": HOST,
    "PATH": "/usr/bin:/bin",
}

# What gunicorn does: import the WSGI application, then answer requests (here over HTTPS).
SERVE = """
import os
import sys
from wsgiref.util import setup_testing_defaults

from sscportal.wsgi import application

for path in sys.argv[1:]:
    host = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")[0]
    environ = {"PATH_INFO": path, "HTTP_HOST": host, "wsgi.url_scheme": "https"}
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(application(environ, lambda status, headers, exc=None: statuses.append(status)))
    print(path, statuses[0])
    sys.stdout.buffer.write(body + b"\\n")
"""


def run(arguments: list[str], **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, *arguments],
        cwd=ROOT,
        env=PRODUCTION_ENV | environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def collect_static(into: Path, **environment: str) -> Path:
    result = run(
        ["manage.py", "collectstatic", "--noinput"], DJANGO_STATIC_ROOT=str(into), **environment
    )
    assert result.returncode == 0, result.stderr
    return into


def serve(*paths: str, **environment: str) -> subprocess.CompletedProcess:
    return run(["-c", SERVE, *paths], **environment)
