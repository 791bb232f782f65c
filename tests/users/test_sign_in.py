"""Signing in through the real pages: any spelling of the address is the same account, for the
password check and for the lockout alike."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from users.models import SecurityEvent

PASSWORD = "correct-horse-battery"
PORTAL, ADMIN = "login", "admin:login"


def spellings(email: str) -> list[str]:
    local, domain = email.split("@")
    return [
        email,
        email.upper(),
        f"  {email}  ",
        f"{local.capitalize()}@{domain.upper()}",
        f"\t{local.upper()}@{domain}",
    ]


def sign_in(client, page, username, password):
    return client.post(reverse(page), {"username": username, "password": password})


@pytest.fixture
def web(db):
    return Client()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("spelling", range(5))
def test_any_spelling_of_the_address_signs_in(web, submitter, spelling):
    response = sign_in(web, PORTAL, spellings(submitter.email)[spelling], PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in(web)


def test_a_lockout_holds_against_another_spelling_of_the_address(web, submitter):
    for _ in range(5):
        sign_in(web, PORTAL, submitter.email, "wrong")
    response = sign_in(web, PORTAL, submitter.email.upper(), PASSWORD)
    assert response.status_code == 429
    assert "Signing in is paused for this account" in response.content.decode()
    assert not signed_in(web)
    # The right password in another spelling did not clear the count either.
    assert sign_in(web, PORTAL, submitter.email, PASSWORD).status_code == 429


@pytest.mark.parametrize("login_page", [PORTAL, ADMIN])
def test_failures_in_different_spellings_count_together(web, secas, login_page):
    answers = [sign_in(web, login_page, s, "wrong").status_code for s in spellings(secas.email)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks
    response = sign_in(web, login_page, secas.email.title(), PASSWORD)
    assert response.status_code == 429
    assert not signed_in(web)
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.username == secas.email
    assert attempt.failures_since_start >= 5
    assert SecurityEvent.objects.filter(kind="locked_out").exists()


def test_a_success_in_one_spelling_resets_failures_in_another(web, submitter):
    for _ in range(4):
        sign_in(web, PORTAL, submitter.email.upper(), "wrong")
    assert sign_in(web, PORTAL, f" {submitter.email} ", PASSWORD).status_code == 302
    web.post(reverse("logout"))
    for _ in range(4):
        sign_in(web, PORTAL, submitter.email.upper(), "wrong")
    assert sign_in(web, PORTAL, submitter.email, PASSWORD).status_code == 302
