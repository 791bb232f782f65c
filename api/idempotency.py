"""`Idempotency-Key`: a retried create or submit gets the first answer, and changes nothing."""

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException

from api.models import IdempotentRequest
from api.problems import Problem

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    try:
        digest.update(request.body or b"")
    except RawPostDataException:
        # A multipart upload, already read as fields and files: those make the fingerprint
        # (its boundary would differ between two sends of the same request anyway).
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(json.dumps([name, upload.name, upload.size]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    return digest.hexdigest()


def _replay(record: IdempotentRequest, fingerprint: str, response):
    if record.fingerprint != fingerprint:
        raise Problem(
            422,
            "This Idempotency-Key was already used for a different request. Use a new key for "
            "each new request, and the same key only to retry the same request.",
        )
    response["Idempotent-Replayed"] = "true"
    return record.status_code, record.body


def run_once(request, response, act: Callable[[], tuple[int, object]]):
    """Run `act` (returning status and a JSON-able body), or replay the answer to the same key.

    The body comes back as JSON values (dates as ISO text), the first time as on a retry."""
    key = request.headers.get(HEADER)
    if key is None:
        return act()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise Problem(
            400,
            f"The {HEADER} header must be 1 to {KEY_MAX_LENGTH} printable characters, "
            "for example a UUID.",
        )
    fingerprint = _fingerprint(request)
    records = IdempotentRequest.objects.filter(user=request.user, key=key)
    if (record := records.first()) is not None:
        return _replay(record, fingerprint, response)
    try:
        # The key is claimed before the work, in the work's transaction: a concurrent twin
        # waits on the key's unique index until the first commits, then replays its answer
        # (and if the first is refused and rolls back, the twin does the work itself).
        with transaction.atomic():
            claim = IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path[:500],
                fingerprint=fingerprint,
                status_code=0,
                body={},
            )
            status, body = act()
            stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            claim.status_code, claim.body = status, stored
            claim.save(update_fields=["status_code", "body"])
    except IntegrityError:
        if (record := records.first()) is None:
            raise
        return _replay(record, fingerprint, response)
    # The stored form, so a retry's answer is the same body to the character.
    return status, stored
