from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

SERIOUS = {"serious", "critical"}
PASSWORD = "correct-horse-battery"


def assert_accessible(page):
    """axe-core finds no serious or critical accessibility violation on the page."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert not serious, results.generate_report()


def sign_in(page, base_url, person):
    """Sign in through the pages, typing the authenticator code when one is asked for."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/verify/" in page.url:
        device = TOTPDevice.objects.get(user=person, confirmed=True)
        # A code is accepted once per 30 s; the journey signs the same person in twice.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        page.get_by_label("Code").fill(f"{TOTP(device.bin_key).token():06d}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


def with_authenticator(person):
    """Give a person a confirmed authenticator, as SSC members and SECAS staff must have."""
    TOTPDevice.objects.create(user=person, name="Phone", confirmed=True)
    return person
