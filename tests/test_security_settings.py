"""Production settings, the Content Security Policy, and pages that need neither inline script
nor inline style."""

import re
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3y-" + "q8W2zR7pL0vN5xT9bM4cJ6hF1dS3gK8a" * 2,
    "DJANGO_ALLOWED_HOSTS": "ssc-portal.example.org",
    "PATH": "/usr/bin:/bin",
}


def test_production_settings_pass_the_deployment_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=PRODUCTION_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_no_template_has_inline_script_or_inline_style():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        relative = template.relative_to(ROOT / "templates").as_posix()
        # Emails and PDFs are never served under the CSP; they need inline styles.
        if relative.startswith("emails/") or relative.endswith("_pdf.html"):
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\sstyle=\"", text):
            offenders.append(relative)
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(relative + " (inline event handler)")
    assert offenders == []


def test_every_asset_is_served_from_here(client, db):
    page = client.get(reverse("login")).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#", "mailto:")), url
