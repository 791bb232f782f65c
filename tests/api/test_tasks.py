from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import IdempotentRequest
from api.tasks import forget_idempotent_requests

pytestmark = pytest.mark.django_db


def test_idempotency_keys_are_forgotten_after_their_hours(preparer, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    now = timezone.now()
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=23))):
        IdempotentRequest.objects.create(
            user=preparer,
            key=key,
            method="POST",
            path="/api/v1/notifications",
            fingerprint="0" * 64,
            status_code=201,
            body={},
            created_at=now - age,
        )
    assert forget_idempotent_requests() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]
