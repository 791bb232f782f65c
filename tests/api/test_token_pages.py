"""Issue 15, part 2: personal API tokens on the pages — created (shown once), used, revoked."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, hash_token
from tests.api.conftest import make_token
from users.models import SecurityEvent

pytestmark = pytest.mark.django_db

TOKENS = "/accounts/api-tokens/"
TOKEN_IN_PAGE = re.compile(r'value="(sscp_[A-Za-z0-9_-]+)"')


def create(client, **fields):
    data = {"name": "Reporting script", "scope": "read", "expires_in_days": "30", **fields}
    return client.post(TOKENS, data)


def api_get(raw, path="/api/v1/notifications", **extra):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def token_events():
    return list(
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN)
        .order_by("at", "pk")
        .values_list("summary", flat=True)
    )


def test_a_new_person_sees_what_a_token_is_for_and_where_the_docs_are(client, preparer):
    client.force_login(preparer)
    page = client.get(TOKENS)
    assert page.status_code == 200
    text = page.content.decode()
    assert "You have no API tokens" in text
    assert 'href="/api/v1/docs/"' in text
    assert 'href="/api/v1/openapi.json"' in text
    assert "Read and write" in text
    assert '<option value="30" selected>30 days</option>' in text


def test_the_account_menu_links_to_the_tokens_page(client, preparer):
    client.force_login(preparer)
    home = client.get(reverse("home"), follow=True).content.decode()
    assert f'<a class="nav-link" href="{TOKENS}">API tokens</a>' in home


def test_a_created_token_is_shown_once_and_only_its_hash_is_kept(client, preparer):
    client.force_login(preparer)
    response = create(client, scope="read_write", expires_in_days="90")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    raw = TOKEN_IN_PAGE.search(text).group(1)
    assert raw.startswith(TOKEN_PREFIX)
    assert "it will not be shown again" in text
    assert "Your API token “Reporting script” is ready." in text
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope) == (preparer, "Reporting script", "read_write")
    assert token.secret_hash == hash_token(raw)
    assert raw not in {token.prefix, token.name, token.secret_hash}
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert token_events() == [
        f"{preparer} created API token “Reporting script” (Read and write, expires "
        f"{timezone.localtime(token.expires_at):%d/%m/%Y})"
    ]
    # Never again: not on the list, not in the session.
    listing = client.get(TOKENS).content.decode()
    assert raw not in listing
    assert "Reporting script" in listing
    assert raw not in str(dict(client.session))


def test_the_created_token_works_on_the_api_and_the_list_shows_its_last_use(
    client, preparer, draft
):
    client.force_login(preparer)
    raw = TOKEN_IN_PAGE.search(create(client).content.decode()).group(1)
    listing = client.get(TOKENS).content.decode()
    assert "Never used" in listing
    answer = api_get(raw, REMOTE_ADDR="203.0.113.9")
    assert answer.status_code == 200
    assert [item["reference"] for item in answer.json()["items"]] == [draft.reference]
    listing = client.get(TOKENS).content.decode()
    assert "Never used" not in listing
    used = timezone.localtime(ApiToken.objects.get().last_used_at)
    assert f"{used:%d/%m/%Y %H:%M} from 203.0.113.9" in listing
    new_address = f"API token “Reporting script” of {preparer} used from a new address"
    assert token_events()[-1] == new_address


def test_a_wrong_form_keeps_what_was_typed_and_says_what_is_wrong(client, preparer):
    client.force_login(preparer)
    too_long = create(client, name="x" * 101, scope="read_write", expires_in_days="45")
    text = too_long.content.decode()
    assert too_long.status_code == 200
    assert "Enter a name of at most 100 characters (it has 101)." in text
    assert "Choose when the token expires from the list." in text
    assert f'value="{"x" * 101}"' in text
    assert re.search(r'value="read_write"[^>]*checked', text)
    assert "No token was created" in text
    blank = create(client, name="  ", scope="")
    assert "Enter a name for the token." in blank.content.decode()
    assert "Choose what the token may do." in blank.content.decode()
    assert not ApiToken.objects.exists()
    assert token_events() == []


def test_revoking_stops_the_token_at_once_and_is_audited(client, preparer):
    client.force_login(preparer)
    raw = TOKEN_IN_PAGE.search(create(client).content.decode()).group(1)
    token = ApiToken.objects.get()
    assert api_get(raw).status_code == 200
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]), follow=True)
    assert "Your API token “Reporting script” has been revoked" in response.content.decode()
    assert "Revoked" in response.content.decode()
    assert api_get(raw).status_code == 401
    assert token_events()[-1] == f"{preparer} revoked API token “Reporting script” of {preparer}"
    again = client.post(reverse("api_tokens:revoke", args=[token.pk]), follow=True)
    assert "was already revoked" in again.content.decode()
    assert len([e for e in token_events() if "revoked" in e]) == 1


def test_another_persons_token_is_not_found(client, preparer, other_submitter):
    theirs = make_token(other_submitter)
    token = ApiToken.objects.get()
    client.force_login(preparer)
    assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("api_tokens:revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.get().revoked_at is None
    assert api_get(theirs).status_code == 200
    assert "Test token" not in client.get(TOKENS).content.decode()


def test_expired_tokens_are_listed_as_expired_without_a_revoke_button(client, preparer):
    make_token(preparer, name="Old script")
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(preparer)
    text = client.get(TOKENS).content.decode()
    assert re.search(r"<td>Expired</td>", text)
    assert "Revoke<span" not in text


def test_a_committee_account_without_its_second_factor_cannot_create_a_token(ssc_member):
    unverified = Client()
    unverified.force_login(ssc_member)  # password only: no second factor in this session
    response = unverified.post(TOKENS, {"name": "x", "scope": "read", "expires_in_days": "30"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/two-factor/")
    assert not ApiToken.objects.exists()


def test_the_page_itself_refuses_an_unverified_committee_account(settings, secas):
    # Even were the two-factor middleware missing, the page asks the token service's rule.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorMiddleware")]
    unverified = Client()
    unverified.force_login(secas)
    page = unverified.get(TOKENS).content.decode()
    assert "Complete two-factor sign-in before you create an API token." in page
    assert "Create token</button>" not in page
    response = unverified.post(TOKENS, {"name": "x", "scope": "read", "expires_in_days": "30"})
    assert "No token was created." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_verified_committee_account_may_create_a_token(client, secas):
    client.force_login(secas)  # the test client verifies the second factor
    assert TOKEN_IN_PAGE.search(create(client).content.decode())
    assert ApiToken.objects.get().user == secas


def test_the_api_ignores_a_session_cookie(client, preparer, draft):
    client.force_login(preparer)
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_tokens_are_listed_a_page_at_a_time(client, preparer):
    for number in range(21):
        make_token(preparer, name=f"Script {number:02d}")
    client.force_login(preparer)
    first = client.get(TOKENS).content.decode()
    assert "Page 1 of 2" in first
    assert first.count("Revoke<span") == 20
    second = client.get(TOKENS, {"page": 2}).content.decode()
    assert second.count("Revoke<span") == 1


def test_secas_sees_tokens_in_the_admin_without_the_hash_and_revokes_them(client, secas, preparer):
    raw = make_token(preparer, name="Reporting script")
    token = ApiToken.objects.get()
    client.force_login(secas)
    listing = client.get(reverse("admin:api_apitoken_changelist"))
    assert listing.status_code == 200
    assert "Reporting script" in listing.content.decode()
    page = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert token.secret_hash not in page
    assert 'name="name"' not in page  # read only
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", admin.helpers.ACTION_CHECKBOX_NAME: [token.pk]},
        follow=True,
    )
    assert "1 API token revoked" in response.content.decode()
    assert api_get(raw).status_code == 401
    assert token_events()[-1] == f"{secas} revoked API token “Reporting script” of {preparer}"


def test_people_outside_secas_do_not_see_tokens_in_the_admin(client, ssc_member):
    client.force_login(ssc_member)
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403
