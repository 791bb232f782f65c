"""Two-factor sign-in, through the pages, with a plain client (no shortcut)."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.models import SecurityEvent

PASSWORD = "correct-horse-battery"


def sign_in(client, person):
    return client.post(reverse("login"), {"username": person.email, "password": PASSWORD})


def code_for(device) -> str:
    return f"{TOTP(device.bin_key).token():06d}"


@pytest.fixture
def web(db):
    """A plain test client: signs in the way people do, second factor included."""
    return Client()


def after_throttle():
    # django-otp makes each retry after a wrong code wait a little longer.
    return time_machine.travel(timezone.now() + datetime.timedelta(seconds=5))


@pytest.mark.parametrize("who", ["secas", "ssc_member"])
def test_staff_must_enrol_before_reaching_any_page(request, web, db, who):
    person = request.getfixturevalue(who)
    sign_in(web, person)
    response = web.get(reverse("assessments:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("users:two_factor_setup"))
    admin = web.get(reverse("admin:index"))
    assert admin.url.startswith(reverse("users:two_factor_setup"))


def test_enrolment_shows_a_qr_code_and_switches_on_with_a_right_code(web, secas):
    sign_in(web, secas)
    page = web.get(reverse("users:two_factor_setup")).content.decode()
    assert "<svg" in page
    assert "Key to type in instead" in page
    device = TOTPDevice.objects.get(user=secas, confirmed=False)

    wrong = web.post(reverse("users:two_factor_setup"), {"token": "000000"})
    assert "That code did not match" in wrong.content.decode()

    with after_throttle():
        done = web.post(reverse("users:two_factor_setup"), {"token": code_for(device)})
    assert "Your recovery codes" in done.content.decode()
    assert StaticToken.objects.filter(device__user=secas).count() == 10
    assert web.get(reverse("assessments:dashboard")).status_code == 200
    assert SecurityEvent.objects.filter(kind="two_factor_enabled", actor=secas).exists()


@pytest.fixture
def enrolled_member(ssc_member):
    device = TOTPDevice.objects.create(user=ssc_member, name="Phone", confirmed=True)
    return ssc_member, device


def test_signing_in_asks_for_the_code_and_accepts_it(web, enrolled_member):
    person, device = enrolled_member
    sign_in(web, person)
    asked = web.get(reverse("assessments:dashboard"))
    assert asked.url.startswith(reverse("users:two_factor_verify"))
    refused = web.post(reverse("users:two_factor_verify"), {"token": "123456"})
    assert "That code is not right" in refused.content.decode()
    with after_throttle():
        accepted = web.post(
            reverse("users:two_factor_verify"),
            {"token": code_for(device), "next": reverse("assessments:dashboard")},
        )
    assert accepted.url == reverse("assessments:dashboard")
    assert web.get(reverse("assessments:dashboard")).status_code == 200
    kinds = set(SecurityEvent.objects.filter(actor=person).values_list("kind", flat=True))
    assert {"sign_in", "two_factor_failed", "two_factor_verified"} <= kinds


def test_a_recovery_code_works_once(web, enrolled_member):
    person, _ = enrolled_member
    sign_in(web, person)
    web.post(reverse("users:two_factor_verify"), {"token": code_for(enrolled_member[1])})
    codes = web.post(reverse("users:recovery_codes")).context["codes"]

    web.post(reverse("logout"))
    sign_in(web, person)
    assert web.post(reverse("users:two_factor_verify"), {"token": codes[0]}).status_code == 302
    web.post(reverse("logout"))
    sign_in(web, person)
    again = web.post(reverse("users:two_factor_verify"), {"token": codes[0]})
    assert "That code is not right, or has been used" in again.content.decode()


def test_an_offsite_next_after_verifying_goes_home(web, enrolled_member):
    person, device = enrolled_member
    sign_in(web, person)
    response = web.post(
        reverse("users:two_factor_verify"),
        {"token": code_for(device), "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("home")


def test_user_staff_may_switch_two_factor_on_and_off(web, submitter):
    sign_in(web, submitter)
    assert (
        web.get(
            reverse("organisation_home", args=[submitter.memberships.get().organisation_id])
        ).status_code
        == 200
    )
    web.get(reverse("users:two_factor_setup"))
    device = TOTPDevice.objects.get(user=submitter)
    web.post(reverse("users:two_factor_setup"), {"token": code_for(device)})
    refused = web.post(reverse("users:two_factor_disable"), {"token": "000000"}, follow=True)
    assert "Enter a current code from your app" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=submitter).exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=35)):
        off = web.post(
            reverse("users:two_factor_disable"), {"token": code_for(device)}, follow=True
        )
    assert "Two-factor sign-in is off." in off.content.decode()
    assert not TOTPDevice.objects.filter(user=submitter).exists()


def test_staff_cannot_switch_two_factor_off(client, secas):
    client.force_login(secas)
    response = client.post(reverse("users:two_factor_disable"), follow=True)
    assert "required for your role" in response.content.decode()
    assert TOTPDevice.objects.filter(user=secas).exists()


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(web, submitter):
    for _ in range(5):
        web.post(reverse("login"), {"username": submitter.email, "password": "wrong"})
    locked = web.post(reverse("login"), {"username": submitter.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Signing in is paused for this account" in locked.content.decode()
    assert "_auth_user_id" not in web.session
    assert SecurityEvent.objects.filter(kind="locked_out").exists()
    assert (
        SecurityEvent.objects.filter(kind="sign_in_failed", actor_email=submitter.email).count()
        >= 5
    )


def test_a_session_ends_after_thirty_minutes_without_activity(web, submitter):
    sign_in(web, submitter)
    home = reverse("organisation_home", args=[submitter.memberships.get().organisation_id])
    assert web.get(home).status_code == 200
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(minutes=25)):
        assert web.get(home).status_code == 200  # activity renews the session...
    with time_machine.travel(start + datetime.timedelta(minutes=45)):
        assert web.get(home).status_code == 200  # ...so 45 minutes after sign-in it still works
    with time_machine.travel(start + datetime.timedelta(minutes=45 + 31)):
        response = web.get(home)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_password_alone_cannot_manage_the_second_factor(web, enrolled_member):
    person, _ = enrolled_member
    sign_in(web, person)
    for name in ["users:recovery_codes", "users:two_factor_disable"]:
        response = web.post(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("users:two_factor_verify")), name
    assert not StaticToken.objects.filter(device__user=person).exists()
    assert web.get(reverse("users:two_factor")).url.startswith(reverse("users:two_factor_verify"))
    # Setting up again is no way round it either.
    assert web.post(reverse("users:two_factor_setup"), {"token": "123456"}).status_code == 302


def test_a_password_alone_cannot_make_a_calendar_address(web, secas):
    sign_in(web, secas)
    response = web.post(reverse("feeds:create"))
    assert response.url.startswith(reverse("users:two_factor_setup"))
    from users.models import CalendarFeed

    assert not CalendarFeed.objects.exists()


def test_passing_the_second_factor_gives_the_session_a_new_id(web, enrolled_member):
    person, device = enrolled_member
    sign_in(web, person)
    before = web.session.session_key
    response = web.post(reverse("users:two_factor_verify"), {"token": code_for(device)})
    assert response.status_code == 302
    assert web.session.session_key != before
    assert web.session["_auth_user_id"] == str(person.pk)
    assert web.get(reverse("assessments:dashboard")).status_code == 200


def test_switching_two_factor_on_gives_the_session_a_new_id(web, secas):
    sign_in(web, secas)
    web.get(reverse("users:two_factor_setup"))
    device = TOTPDevice.objects.get(user=secas, confirmed=False)
    before = web.session.session_key
    done = web.post(reverse("users:two_factor_setup"), {"token": code_for(device)})
    assert "Your recovery codes" in done.content.decode()
    assert web.session.session_key != before
    assert web.get(reverse("assessments:dashboard")).status_code == 200
