"""The User organisation's side of the API: drafts, files, submitting, withdrawing, answering,
the decision letter, the register and decisions, for the right people and refused otherwise."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_fsm_log.models import StateLog

from api.models import ApiToken
from assessments import services as ssc_services
from assessments.models import Decision
from notifications import services
from notifications.models import Attachment, InformationRequest, Notification, NotificationState
from tests import factories
from tests.uploads import PDF_BYTES, WINDOWS_EXECUTABLE

pytestmark = pytest.mark.django_db

GO_LIVE = (timezone.localdate() + timedelta(days=120)).isoformat()


def complete_answers(organisation) -> dict:
    return {
        "organisation_id": organisation.pk,
        "contact_name": "Alex Jones",
        "contact_email": "alex.jones@example.org",
        "system_name": "Customer app",
        "purpose": "Online services for prepayment customers.",
        "user_roles": ["import-supplier"],
        "planned_go_live_date": GO_LIVE,
        "smets1_meter_count": 0,
        "smets2_meter_count": 20000,
        "delivery_model": "in_house",
        "hosting_description": "Private cloud, UK region.",
        "dcc_connection": "A second DCC User Gateway connection.",
        "separation_from_existing": "Separate network segments.",
        "key_management": "Separate HSM partition.",
        "risk_assessment_summary": "Done under G5.14 in March.",
        "has_known_non_compliances": False,
    }


def read(client, notification):
    response = client.get(f"/notifications/{notification.pk}")
    assert response.status_code == 200
    return response


def submit(client, notification, *, key=None, etag=None, declaration=True):
    headers = {"If-Match": etag or read(client, notification)["ETag"]}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/notifications/{notification.pk}/submit", {"declaration": declaration}, headers
    )


def decided(notification, secas, ssc_member, meeting):
    ssc_services.start_review(
        notification=notification, by=secas, rapporteur=ssc_member, meeting=meeting
    )
    return ssc_services.decide(
        notification=notification,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Hosted with the same controls as the first system.",
        meeting=meeting,
        dissent="Internal: one member would have asked for an assessment.",
    )


# --- Creating a draft ------------------------------------------------------------------------


def test_a_preparer_starts_a_draft_with_location_and_etag(api_as, preparer, organisation):
    response = api_as(preparer).post("/notifications", complete_answers(organisation))
    assert response.status_code == 201, response.json()
    body = response.json()
    created = Notification.objects.get()
    assert body["reference"] == created.reference
    assert body["state"] == "draft"
    assert body["user_roles"] == ["import-supplier"]
    assert body["missing_fields"] == []
    assert body["allowed_actions"] == {
        "edit": True,
        "add_attachment": True,
        "submit": False,
        "withdraw": False,
        "answer": False,
    }
    assert response["Location"] == f"/api/v1/notifications/{created.pk}"
    assert response["ETag"] == read(api_as(preparer), created)["ETag"]
    assert created.created_by == preparer


def test_a_draft_may_have_gaps_and_says_what_is_missing(api_as, preparer, organisation):
    response = api_as(preparer).post(
        "/notifications", {"organisation_id": organisation.pk, "system_name": "Half done"}
    )
    assert response.status_code == 201
    assert "purpose and scope" in response.json()["missing_fields"]
    assert "User Roles" in response.json()["missing_fields"]


def test_the_forms_messages_come_back_per_field_and_nothing_is_saved(
    api_as, preparer, organisation
):
    answers = {
        **complete_answers(organisation),
        "contact_email": "not an email",
        "planned_go_live_date": "2001-01-01",
        "user_roles": ["gas-transporter"],
    }
    response = api_as(preparer).post("/notifications", answers)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors["contact_email"] == "Enter an email address like name@example.org."
    assert errors["planned_go_live_date"].startswith("Enter a go-live date between 01/01/2015")
    assert errors["user_roles"] == (
        "Northwind Energy Ltd does not hold the Gas Transporter User Role. To add a User Role, "
        "complete the User Entry Process for it with SECAS first."
    )
    assert not Notification.objects.exists()


def test_the_schema_refuses_what_it_forbids(api_as, preparer, organisation):
    client = api_as(preparer)
    too_long = {"organisation_id": organisation.pk, "contact_phone": "1" * 41}
    response = client.post("/notifications", too_long)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "contact_phone", "message": "Keep this to 40 characters or fewer."}
    ]
    for refused in (
        {"smets2_meter_count": -1},
        {"delivery_model": "outsourced"},
        {"unknown_field": "x"},
        {"user_roles": ["no-such-role"]},
        {"change_summary": "Only on a change"},
    ):
        response = client.post("/notifications", {"organisation_id": organisation.pk, **refused})
        assert response.status_code == 422, refused
        assert response.json()["errors"][0]["field"] == next(iter(refused))
    assert not Notification.objects.exists()


def test_another_organisation_is_not_found_and_a_read_token_cannot_write(
    api_as, preparer, other_submitter, organisation
):
    answers = complete_answers(organisation)
    assert api_as(other_submitter).post("/notifications", answers).status_code == 404
    refused = api_as(preparer, ApiToken.Scope.READ).post("/notifications", answers)
    assert refused.status_code == 403
    assert "only read" in refused.json()["detail"]
    assert not Notification.objects.exists()


def test_committee_accounts_cannot_start_drafts(api_as, secas, ssc_member, organisation):
    for person in (secas, ssc_member):
        response = api_as(person).post("/notifications", complete_answers(organisation))
        assert response.status_code == 404
    assert not Notification.objects.exists()


def test_a_retried_create_creates_nothing_new(api_as, preparer, organisation):
    client = api_as(preparer)
    answers = complete_answers(organisation)
    first = client.post("/notifications", answers, {"Idempotency-Key": "create-1"})
    again = client.post("/notifications", answers, {"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["ETag"] == first["ETag"]
    assert Notification.objects.count() == 1
    different = client.post(
        "/notifications", {**answers, "system_name": "Other"}, {"Idempotency-Key": "create-1"}
    )
    assert different.status_code == 422
    assert "already used" in different.json()["detail"]
    assert Notification.objects.count() == 1


def test_a_refused_create_is_not_remembered(api_as, preparer, organisation):
    client = api_as(preparer)
    bad = {**complete_answers(organisation), "contact_email": "nope"}
    assert client.post("/notifications", bad, {"Idempotency-Key": "k"}).status_code == 422
    good = complete_answers(organisation)
    # The same key may carry the corrected request: the refusal stored nothing.
    assert client.post("/notifications", good, {"Idempotency-Key": "k"}).status_code == 201


# --- Reading ---------------------------------------------------------------------------------


def test_the_detail_shows_what_the_page_shows_and_no_internal_notes(
    api_as, submitted, submitter, secas, ssc_member, meeting, conflicted_member, other_submitter
):
    decided(submitted, secas, ssc_member, meeting)
    body = read(api_as(submitter), submitted).json()
    assert body["decision"]["outcome"] == "no_assessment"
    assert body["decision"]["committee_sentence"].startswith("The Security Sub-Committee decided")
    assert body["decision"]["rationale"] == "Hosted with the same controls as the first system."
    text = str(body)
    assert "Internal: one member" not in text  # the dissent stays with the committee
    assert ssc_member.full_name not in text  # the rapporteur is never named to the User
    assert "rapporteur" not in body
    assert "eligibility_finding" not in body
    assert body["user_system"]["name"] == submitted.system_name
    staff = read(api_as(secas), submitted).json()
    assert staff["decision"] == body["decision"]
    assert read(api_as(ssc_member), submitted).json()["purpose"] == body["purpose"]
    assert api_as(conflicted_member).get(f"/notifications/{submitted.pk}").status_code == 404
    assert api_as(other_submitter).get(f"/notifications/{submitted.pk}").status_code == 404


def test_drafts_are_the_organisations_own(api_as, draft, secas, ssc_member, preparer):
    assert api_as(secas).get(f"/notifications/{draft.pk}").status_code == 404
    assert api_as(ssc_member).get(f"/notifications/{draft.pk}").status_code == 404
    read_only = api_as(preparer, ApiToken.Scope.READ)
    assert read_only.get(f"/notifications/{draft.pk}").status_code == 200


def test_the_open_question_and_files_with_their_marking_are_shown(
    api_as, under_review, submitter, secas
):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    body = read(api_as(submitter), under_review).json()
    assert body["open_information_request"]["question"] == "Which hosts?"
    assert body["open_information_request"]["response_due_date"]
    assert body["allowed_actions"]["answer"] is True
    assert body["state"] == "information_requested"


# --- Updating a draft ------------------------------------------------------------------------


def test_a_patch_changes_only_what_is_sent_and_answers_a_new_etag(api_as, draft, preparer):
    client = api_as(preparer)
    etag = read(client, draft)["ETag"]
    response = client.patch(
        f"/notifications/{draft.pk}", {"hosting_location": "UK (London)"}, {"If-Match": etag}
    )
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.hosting_location == "UK (London)"
    assert draft.purpose == "Online services for prepayment customers."  # kept
    assert draft.user_roles.count() == 1  # kept
    assert response["ETag"] != etag
    assert response["ETag"] == read(client, draft)["ETag"]


def test_a_patch_needs_a_current_if_match(api_as, draft, preparer, submitter):
    client = api_as(preparer)
    missing = client.patch(f"/notifications/{draft.pk}", {"purpose": "New"})
    assert missing.status_code == 428
    stale = read(client, draft)["ETag"]
    colleague = api_as(submitter)
    assert (
        colleague.patch(
            f"/notifications/{draft.pk}", {"purpose": "Theirs"}, {"If-Match": stale}
        ).status_code
        == 200
    )
    refused = client.patch(f"/notifications/{draft.pk}", {"purpose": "Mine"}, {"If-Match": stale})
    assert refused.status_code == 412
    draft.refresh_from_db()
    assert draft.purpose == "Theirs"
    # If-Match compares strongly: the current tag marked weak does not match.
    weak = "W/" + read(client, draft)["ETag"]
    assert (
        client.patch(f"/notifications/{draft.pk}", {"purpose": "Mine"}, {"If-Match": weak})
    ).status_code == 412


def test_the_services_own_race_check_holds_behind_the_etag(api_as, draft, preparer, monkeypatch):
    """A save that lands between the If-Match check and the service's lock is still refused."""
    client = api_as(preparer)
    etag = read(client, draft)["ETag"]
    real_update = services.update_draft

    def colleague_saves_first(**kwargs):
        Notification.objects.filter(pk=draft.pk).update(
            updated_at=timezone.now() + timedelta(seconds=1)
        )
        return real_update(**kwargs)

    monkeypatch.setattr(services, "update_draft", colleague_saves_first)
    response = client.patch(f"/notifications/{draft.pk}", {"purpose": "Mine"}, {"If-Match": etag})
    assert response.status_code == 409
    assert "Someone else saved this draft" in response.json()["detail"]


def test_a_patch_is_validated_by_the_form_and_saves_nothing_when_refused(api_as, draft, preparer):
    client = api_as(preparer)
    response = client.patch(
        f"/notifications/{draft.pk}",
        {"delivery_model": "srp", "third_party_name": "Acme", "purpose": "Changed"},
        {"If-Match": read(client, draft)["ETag"]},
    )
    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors["third_party_name"] == "Leave this empty for a system run by an SRP."
    draft.refresh_from_db()
    assert draft.purpose == "Online services for prepayment customers."


def test_a_submitted_notification_cannot_be_patched(api_as, submitted, submitter):
    client = api_as(submitter)
    response = client.patch(
        f"/notifications/{submitted.pk}",
        {"purpose": "Late change"},
        {"If-Match": read(client, submitted)["ETag"]},
    )
    assert response.status_code == 409
    assert "can no longer be edited" in response.json()["detail"]


def test_other_people_cannot_patch(api_as, draft, preparer, other_submitter, secas):
    etag = read(api_as(preparer), draft)["ETag"]
    for person in (other_submitter, secas):
        response = api_as(person).patch(
            f"/notifications/{draft.pk}", {"purpose": "X"}, {"If-Match": etag}
        )
        assert response.status_code == 404
    read_only = api_as(preparer, ApiToken.Scope.READ)
    assert (
        read_only.patch(f"/notifications/{draft.pk}", {"purpose": "X"}, {"If-Match": etag})
    ).status_code == 403


# --- Files -----------------------------------------------------------------------------------


def test_a_file_is_attached_with_its_marking(api_as, draft, preparer):
    client = api_as(preparer)
    before = read(client, draft)["ETag"]
    response = client.upload(
        f"/notifications/{draft.pk}/attachments",
        {
            "file": SimpleUploadedFile("diagram.pdf", PDF_BYTES),
            "tlp": "red",
            "description": "Network diagram",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["original_name"], body["tlp"], body["tlp_label"]) == (
        "diagram.pdf",
        "red",
        "TLP:RED",
    )
    assert body["content_type"] == "application/pdf"
    listed = read(client, draft)
    assert listed.json()["attachments"] == [body]
    assert listed["ETag"] != before  # a new file changes what will be declared


def test_a_file_of_the_wrong_type_is_refused_with_the_pages_message(api_as, draft, preparer):
    response = api_as(preparer).upload(
        f"/notifications/{draft.pk}/attachments",
        {"file": SimpleUploadedFile("report.pdf", WINDOWS_EXECUTABLE), "tlp": "amber"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "file",
            "message": "“report.pdf” is not a file type we accept. Please upload a PDF, PNG, "
            "JPEG, DOCX, XLSX, ODT or plain text file.",
        }
    ]
    assert not Attachment.objects.exists()


def test_a_file_too_large_is_refused_with_the_pages_message(api_as, draft, preparer, settings):
    settings.MAX_UPLOAD_SIZE_MB = 1
    content = PDF_BYTES + b"0" * (1024 * 1024)
    response = api_as(preparer).upload(
        f"/notifications/{draft.pk}/attachments",
        {"file": SimpleUploadedFile("big.pdf", content), "tlp": "amber"},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "file"
    assert "the limit is 1 MB. Please upload a smaller file." in error["message"]
    assert not Attachment.objects.exists()


def test_a_wrong_marking_and_other_peoples_drafts_are_refused(
    api_as, draft, preparer, other_submitter
):
    response = api_as(preparer).upload(
        f"/notifications/{draft.pk}/attachments",
        {"file": SimpleUploadedFile("a.pdf", PDF_BYTES), "tlp": "purple"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tlp"
    theirs = api_as(other_submitter).upload(
        f"/notifications/{draft.pk}/attachments",
        {"file": SimpleUploadedFile("a.pdf", PDF_BYTES), "tlp": "amber"},
    )
    assert theirs.status_code == 404
    assert not Attachment.objects.exists()


def test_no_file_is_added_once_submitted(api_as, submitted, submitter):
    response = api_as(submitter).upload(
        f"/notifications/{submitted.pk}/attachments",
        {"file": SimpleUploadedFile("a.pdf", PDF_BYTES), "tlp": "amber"},
    )
    assert response.status_code == 409
    assert not Attachment.objects.exists()


# --- Submitting ------------------------------------------------------------------------------


def test_a_submitter_submits_the_version_they_read(api_as, draft, submitter):
    response = submit(api_as(submitter), draft)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    draft.refresh_from_db()
    assert draft.state == NotificationState.SUBMITTED
    assert draft.submitted_by == submitter


def test_an_org_admin_may_submit_and_a_preparer_may_not(api_as, draft, preparer, org_admin):
    refused = submit(api_as(preparer), draft)
    assert refused.status_code == 403
    assert "submitter or an admin" in refused.json()["detail"]
    draft.refresh_from_db()
    assert draft.is_draft
    assert submit(api_as(org_admin), draft).status_code == 200


def test_submit_needs_the_declaration_and_a_current_if_match(api_as, draft, submitter, preparer):
    client = api_as(submitter)
    refused = submit(client, draft, declaration=False)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "declaration", "message": "Please confirm the declaration before submitting."}
    ]
    missing = client.post(f"/notifications/{draft.pk}/submit", {"declaration": True})
    assert missing.status_code == 428
    any_version = client.post(
        f"/notifications/{draft.pk}/submit", {"declaration": True}, {"If-Match": "*"}
    )
    assert any_version.status_code == 428  # the declaration names the version read
    stale = read(client, draft)["ETag"]
    colleague = api_as(preparer)
    colleague.patch(f"/notifications/{draft.pk}", {"purpose": "Changed"}, {"If-Match": stale})
    assert submit(client, draft, etag=stale).status_code == 412
    draft.refresh_from_db()
    assert draft.is_draft


def test_an_incomplete_draft_is_refused_saying_what_is_missing(
    api_as, organisation, preparer, submitter
):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, purpose=""
    )
    response = submit(api_as(submitter), draft)
    assert response.status_code == 409
    assert "purpose" in response.json()["detail"]


def test_a_retried_submit_submits_once_and_answers_the_same(api_as, draft, submitter):
    client = api_as(submitter)
    etag = read(client, draft)["ETag"]
    first = submit(client, draft, key="submit-1", etag=etag)
    again = submit(client, draft, key="submit-1", etag=etag)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert StateLog.objects.filter(transition="submit").count() == 1
    different = client.post(
        f"/notifications/{draft.pk}/submit",
        {"declaration": False},
        {"Idempotency-Key": "submit-1", "If-Match": etag},
    )
    assert different.status_code == 422
    # Without the key, a second submission is refused by the lifecycle: nothing twice.
    assert submit(client, draft, etag=etag).status_code in (409, 412)


def test_other_people_cannot_submit(api_as, draft, other_submitter, secas, preparer):
    etag = read(api_as(preparer), draft)["ETag"]
    for person in (other_submitter, secas):
        assert submit(api_as(person), draft, etag=etag).status_code == 404
    assert submit(api_as(preparer, ApiToken.Scope.READ), draft, etag=etag).status_code == 403


# --- Withdrawing and answering ---------------------------------------------------------------


def test_a_submitter_withdraws_with_a_reason(api_as, submitted, submitter, preparer):
    refused = api_as(preparer).post(f"/notifications/{submitted.pk}/withdraw", {"reason": "No"})
    assert refused.status_code == 403
    empty = api_as(submitter).post(f"/notifications/{submitted.pk}/withdraw", {"reason": "  "})
    assert empty.status_code == 422
    assert empty.json()["errors"] == [
        {"field": "reason", "message": "Please give a reason for withdrawing."}
    ]
    response = api_as(submitter).post(
        f"/notifications/{submitted.pk}/withdraw", {"reason": "The project was cancelled."}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    again = api_as(submitter).post(f"/notifications/{submitted.pk}/withdraw", {"reason": "Again"})
    assert again.status_code == 409


def test_withdrawing_is_refused_to_other_organisations_and_ssc_members(
    api_as, submitted, other_submitter, ssc_member, conflicted_member
):
    path = f"/notifications/{submitted.pk}/withdraw"
    assert api_as(other_submitter).post(path, {"reason": "x"}).status_code == 404
    assert api_as(conflicted_member).post(path, {"reason": "x"}).status_code == 404
    assert api_as(ssc_member).post(path, {"reason": "x"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == NotificationState.SUBMITTED


def test_a_submitter_answers_the_open_question(api_as, under_review, submitter, preparer, secas):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    path = f"/notifications/{under_review.pk}/answers"
    assert api_as(preparer).post(path, {"response": "Two hosts."}).status_code == 403
    empty = api_as(submitter).post(path, {"response": " "})
    assert empty.status_code == 422
    assert empty.json()["errors"] == [
        {"field": "response", "message": "Please write your answer before sending it."}
    ]
    response = api_as(submitter).post(path, {"response": "Two hosts in London."})
    assert response.status_code == 201
    assert response.json()["response"] == "Two hosts in London."
    assert response.json()["is_open"] is False
    assert InformationRequest.objects.get().responded_by == submitter
    under_review.refresh_from_db()
    assert under_review.state == NotificationState.UNDER_REVIEW
    assert api_as(submitter).post(path, {"response": "More"}).status_code == 409


# --- The decision letter, decisions and systems ----------------------------------------------


def test_the_decision_letter_is_the_pages_pdf(
    api_as, submitted, submitter, secas, ssc_member, meeting, other_submitter, conflicted_member
):
    path = f"/notifications/{submitted.pk}/decision-letter"
    assert api_as(submitter).get(path).status_code == 404  # no decision yet
    decided(submitted, secas, ssc_member, meeting)
    response = api_as(submitter).get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert api_as(other_submitter).get(path).status_code == 404
    assert api_as(conflicted_member).get(path).status_code == 404


def test_decisions_list_what_users_see(
    api_as, submitted, submitter, secas, ssc_member, meeting, other_submitter, conflicted_member
):
    decided(submitted, secas, ssc_member, meeting)
    [item] = api_as(submitter).get("/decisions").json()["items"]
    assert item["reference"] == submitted.reference
    assert item["outcome"] == "no_assessment"
    assert item["rationale"] == "Hosted with the same controls as the first system."
    assert "dissent" not in item
    assert "Internal" not in str(item)
    assert api_as(secas).get("/decisions").json()["count"] == 1
    assert api_as(other_submitter).get("/decisions").json()["count"] == 0
    assert api_as(conflicted_member).get("/decisions").json()["count"] == 0


def test_the_register_of_systems_as_each_person_may_see_it(
    api_as, submitted, submitter, secas, ssc_member, other_submitter, conflicted_member
):
    system = submitted.user_system
    mine = api_as(submitter).get("/systems").json()
    assert [item["name"] for item in mine["items"]] == [system.name]
    assert mine["items"][0]["user_roles"] == [submitted.user_roles.get().name]
    assert mine["items"][0]["last_notification"]["reference"] == submitted.reference
    assert api_as(secas).get("/systems").json()["count"] == 1
    assert api_as(ssc_member).get("/systems").json()["count"] == 1
    assert api_as(other_submitter).get("/systems").json()["count"] == 0
    assert api_as(conflicted_member).get("/systems").json()["count"] == 0
    one = api_as(submitter).get(f"/systems/{system.pk}").json()
    assert [case["reference"] for case in one["notifications"]] == [submitted.reference]
    assert api_as(other_submitter).get(f"/systems/{system.pk}").status_code == 404
    assert api_as(conflicted_member).get(f"/systems/{system.pk}").status_code == 404


def test_lists_take_a_bounded_number_of_queries(
    api_as, organisation, preparer, submitter, django_assert_max_num_queries
):
    for _ in range(5):
        draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    client = api_as(submitter)
    with django_assert_max_num_queries(20):
        assert client.get("/systems").json()["count"] == 5
    with django_assert_max_num_queries(20):
        assert client.get("/decisions").status_code == 200


def test_no_token_is_refused_everywhere(client, draft):
    for path in (f"/notifications/{draft.pk}", "/systems", "/decisions"):
        assert client.get(f"/api/v1{path}").status_code == 401
    assert client.post("/api/v1/notifications", {}).status_code == 401


def test_values_of_the_wrong_json_type_are_refused_not_coerced(api_as, draft, submitter):
    client = api_as(submitter)
    etag = read(client, draft)["ETag"]
    for body in ({"declaration": 1}, {"declaration": "true"}):
        response = client.post(f"/notifications/{draft.pk}/submit", body, {"If-Match": etag})
        assert response.status_code == 422, body
    patched = client.patch(
        f"/notifications/{draft.pk}", {"smets1_meter_count": "12"}, {"If-Match": etag}
    )
    assert patched.status_code == 422
    assert client.get("/notifications/99999999999").status_code == 422
    draft.refresh_from_db()
    assert draft.is_draft
    assert draft.smets1_meter_count == 0


def test_a_retried_upload_adds_the_file_once(api_as, draft, preparer):
    client = api_as(preparer)

    def send(content=PDF_BYTES):
        return client.upload(
            f"/notifications/{draft.pk}/attachments",
            {"file": SimpleUploadedFile("diagram.pdf", content), "tlp": "green"},
            {"Idempotency-Key": "upload-1"},
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Attachment.objects.count() == 1
    assert send(PDF_BYTES + b"\n% another file\n").status_code == 422
    assert Attachment.objects.count() == 1


def test_secas_may_withdraw_as_on_the_page_but_not_answer(api_as, under_review, secas):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    answer = api_as(secas).post(f"/notifications/{under_review.pk}/answers", {"response": "x"})
    assert answer.status_code == 403
    response = api_as(secas).post(
        f"/notifications/{under_review.pk}/withdraw", {"reason": "The User asked us to."}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"


def test_a_read_token_cannot_withdraw_or_answer(api_as, submitted, submitter):
    client = api_as(submitter, ApiToken.Scope.READ)
    assert (
        client.post(f"/notifications/{submitted.pk}/withdraw", {"reason": "x"}).status_code == 403
    )
    assert (
        client.post(f"/notifications/{submitted.pk}/answers", {"response": "x"}).status_code == 403
    )
    submitted.refresh_from_db()
    assert submitted.state == NotificationState.SUBMITTED
