"""The Content Security Policy, and pages that need neither inline script nor inline style.

The deployment check of the production settings is in tests/test_static_files.py: it needs
collected static files.
"""

import re

from django.urls import reverse

from tests.deployment import ROOT


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
