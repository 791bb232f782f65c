"""A person creates an API token on its page, sees it once, and revokes it (axe checks each
page the journey visits, as in every browser test)."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from api.models import ApiToken
from tests import factories
from tests.browser.helpers import sign_in


def api_status(raw):
    return Client().get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_creates_a_token_sees_it_once_and_revokes_it(live_server, page):
    page.set_default_timeout(10_000)
    person = factories.MembershipFactory(user__full_name="Hannah Lister").user
    sign_in(page, live_server.url, person)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()

    # A mistake first: the page says what is wrong and keeps the choices made.
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text(
        "Enter a name for the token."
    )
    expect(page.get_by_label("Read and write")).to_be_checked()

    page.get_by_label("Name").fill("Reporting script")
    page.get_by_label("Expires after").select_option(label="90 days")
    with page.expect_response(lambda response: response.request.method == "POST") as created:
        page.get_by_role("button", name="Create token").click()
    # The browser may keep no copy of the answer that shows the token.
    assert "no-store" in created.value.headers["cache-control"]
    expect(page.get_by_role("heading", name="Your new API token")).to_be_visible()
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the token")).to_be_visible()
    raw = page.get_by_label("Token “Reporting script”").input_value()
    assert raw.startswith("sscp_")
    assert api_status(raw) == 200

    page.get_by_role("link", name="I have copied it – back to your tokens").click()
    row = page.get_by_role("row").filter(has_text="Reporting script")
    expect(row).to_contain_text("Read and write")
    expect(row).to_contain_text(re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d from 127\.0\.0\.1"))
    expect(row).to_contain_text("Active")
    assert raw not in page.content()
    page.goto(f"{live_server.url}/accounts/api-tokens/")

    row.get_by_role("button", name="Revoke the token Reporting script").click()
    expect(page.get_by_role("alert").filter(has_text="has been revoked")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Reporting script")).to_contain_text("Revoked")
    assert api_status(raw) == 401
    assert ApiToken.objects.get().revoked_at is not None
