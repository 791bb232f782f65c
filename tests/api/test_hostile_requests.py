"""Requests Django refuses to read are a 400 or 413 problem, never a 500 (and never logged as
one): too many fields, too many files, a multipart body without its boundary, bad JSON."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from notifications.models import Notification
from tests.api.conftest import ApiClient, make_token
from tests.api.test_user_api import complete_answers
from tests.uploads import PDF_BYTES

PROBLEM = "application/problem+json"


@pytest.mark.django_db
def test_too_many_query_parameters(api_as, preparer):
    client = api_as(preparer)
    query = "&".join(f"x{i}=1" for i in range(1100))
    response = client.client.get(
        f"/api/v1/notifications?{query}", HTTP_AUTHORIZATION=f"Bearer {client.token}"
    )
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert "Too many fields" in response.json()["detail"]


@pytest.mark.django_db
def test_too_many_files(api_as, preparer, draft):
    files = {f"f{i}": SimpleUploadedFile(f"a{i}.txt", b"hi") for i in range(101)}
    files["file"] = SimpleUploadedFile("a.pdf", PDF_BYTES)
    response = api_as(preparer).upload(f"/notifications/{draft.pk}/attachments", files)
    assert (response.status_code, response["Content-Type"]) == (413, PROBLEM)
    assert draft.attachments.count() == 0


@pytest.mark.django_db
def test_multipart_without_its_boundary(api_as, preparer, draft):
    client = api_as(preparer)
    response = client.client.post(
        f"/api/v1/notifications/{draft.pk}/attachments",
        data=b"x",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert "could not be read" in response.json()["detail"]


@pytest.mark.django_db
def test_a_body_that_is_not_json(api_as, submitter, organisation):
    client = api_as(submitter)
    response = client.client.post(
        "/api/v1/notifications",
        data=b"{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == PROBLEM
    assert Notification.objects.count() == 0


def _at_once(call, times=2):
    start, answers = threading.Barrier(times), []

    def run():
        try:
            start.wait(timeout=10)
            response = call()
            answers.append((response.status_code, response.get("Idempotent-Replayed")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_retry_sent_while_the_first_submit_runs_gets_its_answer(organisation, submitter):
    token = make_token(submitter)
    ApiClient(token).post("/notifications", complete_answers(organisation))
    notification = Notification.objects.get()
    etag = ApiClient(token).get(f"/notifications/{notification.pk}")["ETag"]
    answers = _at_once(
        lambda: ApiClient(token).post(
            f"/notifications/{notification.pk}/submit",
            {"declaration": True},
            {"Idempotency-Key": "submit-once", "If-Match": etag},
        )
    )
    assert set(answers) == {(200, None), (200, "true")}
    notification.refresh_from_db()
    assert notification.state == "submitted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twin_creates_make_one_draft(organisation, submitter):
    token = make_token(submitter)
    answers = _at_once(
        lambda: ApiClient(token).post(
            "/notifications", complete_answers(organisation), {"Idempotency-Key": "create-once"}
        )
    )
    assert set(answers) == {(201, None), (201, "true")}
    assert Notification.objects.count() == 1
