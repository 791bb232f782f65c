"""The committee's side of the API: the queue and cases for SECAS and SSC members, SECAS's
outstanding lists and the assessment steps, each on the pages' selectors, forms and services."""

import datetime

import pytest
from django.utils import timezone

from api.models import ApiToken
from assessments import services
from assessments.models import Assessment, AssessmentDocument, AssessmentState
from notifications.models import AssuranceStatus
from tests import factories
from tests.api.conftest import ApiClient
from tests.assessments.journey import in_days, outcome_proposed, response_received
from tests.uploads import PDF_BYTES, WINDOWS_EXECUTABLE, upload

pytestmark = pytest.mark.django_db

USERS_STAFF = ["preparer", "submitter", "org_admin", "other_submitter"]


def ad_hoc(organisation, kind="fusa", **fields):
    return Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
        **fields,
    )


def annual_review(organisation, days=30):
    return Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        reason="annual_review",
        cycle_year=2,
        due_date=timezone.localdate() + datetime.timedelta(days=days),
    )


# --- The queue and a case --------------------------------------------------------------------


def test_the_queue_shows_secas_and_members_the_live_cases(api_as, under_review, secas, ssc_member):
    for person in (secas, ssc_member):
        response = api_as(person).get("/queue")
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        assert [item["reference"] for item in items] == [under_review.reference]
        assert items[0]["rapporteur"] == "Chris Member"
        assert items[0]["state"] == "under_review"


def test_a_conflicted_member_never_sees_the_case_in_the_queue(
    api_as, under_review, conflicted_member
):
    response = api_as(conflicted_member).get("/queue", {"state": "all"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert api_as(conflicted_member).get(f"/cases/{under_review.pk}").status_code == 404


@pytest.mark.parametrize("person", USERS_STAFF)
def test_users_staff_get_404_on_the_committee_side(api_as, request, under_review, person):
    client = api_as(request.getfixturevalue(person))
    assert client.get("/queue").status_code == 404
    assert client.get(f"/cases/{under_review.pk}").status_code == 404


def test_the_queue_filters_are_the_pages(api_as, under_review, secas, ssc_member, organisation):
    client = api_as(ssc_member)
    assert client.get("/queue", {"mine": "true"}).json()["count"] == 1
    assert api_as(secas).get("/queue", {"mine": "true"}).json()["count"] == 0
    assert client.get("/queue", {"state": "submitted"}).json()["count"] == 0
    assert client.get("/queue", {"organisation": "northwind"}).json()["count"] == 1
    assert client.get("/queue", {"organisation": "southdown"}).json()["count"] == 0
    refused = client.get("/queue", {"state": "draft"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "state"


def test_a_meeting_outside_the_window_is_the_forms_error(api_as, under_review, ssc_member):
    old = factories.SSCMeetingFactory(date=timezone.localdate() - datetime.timedelta(days=400))
    response = api_as(ssc_member).get("/queue", {"meeting": old.pk})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "meeting", "message": "That meeting is not one of the options: choose one."}
    ]


def test_a_case_as_the_committee_reads_it(api_as, under_review, secas, ssc_member, meeting):
    for person in (secas, ssc_member):
        response = api_as(person).get(f"/cases/{under_review.pk}")
        assert response.status_code == 200, response.content
        case = response.json()
        assert case["reference"] == under_review.reference
        assert case["rapporteur"] == "Chris Member"
        assert [m["id"] for m in case["meetings"]] == [meeting.pk]
        assert case["decision"] is None
        assert case["triage_suggestion"]["label"]


def test_a_draft_is_no_case(api_as, draft, secas):
    assert api_as(secas).get(f"/cases/{draft.pk}").status_code == 404


def test_no_token_is_401(under_review):
    assert ApiClient().get("/queue").status_code == 401
    assert ApiClient().get("/assessments").status_code == 401


# --- SECAS's lists ---------------------------------------------------------------------------


def test_secas_lists_outstanding_assessments_and_reviews(api_as, secas, organisation):
    assessment = ad_hoc(organisation)
    review = annual_review(organisation)
    client = api_as(secas, ApiToken.Scope.READ)
    listed = client.get("/assessments")
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()["items"]} == {assessment.pk, review.pk}
    assert client.get("/assessments", {"stage": "scheduled"}).json()["count"] == 0
    assert client.get("/assessments", {"stage": "completed"}).status_code == 422
    reviews = client.get("/annual-reviews").json()
    assert [item["id"] for item in reviews["items"]] == [review.pk]
    assert reviews["items"][0]["days_to_due"] == 30


def test_secas_lists_the_cases_awaiting_the_committee(api_as, secas, under_review, submitted):
    response = api_as(secas).get("/awaiting")
    assert response.status_code == 200
    row = response.json()["items"][0]
    assert row["reference"] == under_review.reference
    assert row["stage"] == "Decision"
    assert api_as(secas).get("/awaiting", {"state": "submitted"}).json()["count"] == 0


@pytest.mark.parametrize("person", [*USERS_STAFF, "ssc_member", "conflicted_member"])
def test_secas_lists_are_404_to_everyone_else(api_as, request, organisation, person):
    assessment = ad_hoc(organisation)
    client = api_as(request.getfixturevalue(person))
    for path in ("/assessments", "/annual-reviews", "/awaiting", f"/assessments/{assessment.pk}"):
        assert client.get(path).status_code == 404, path
    step = client.post(
        f"/assessments/{assessment.pk}/start-fieldwork", {"started_on": str(in_days(0))}
    )
    assert step.status_code == 404


# --- Steps -----------------------------------------------------------------------------------


def test_schedule_through_the_api_shows_on_the_secas_page(api_as, client, secas, organisation):
    assessment = ad_hoc(organisation)
    response = api_as(secas).post(
        f"/assessments/{assessment.pk}/schedule",
        {
            "cio_name": "Alex Auditor",
            "fieldwork_start_date": str(in_days(10)),
            "fieldwork_end_date": str(in_days(20)),
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == AssessmentState.SCHEDULED
    assert body["next_step"]["name"] == "start_fieldwork"
    client.force_login(secas)
    page = client.get(f"/secas/assessments/{assessment.pk}/")
    assert page.status_code == 200
    assert "CIO Alex Auditor booked" in page.content.decode()


def test_a_read_token_cannot_record_a_step(api_as, secas, organisation):
    assessment = ad_hoc(organisation)
    response = api_as(secas, ApiToken.Scope.READ).post(
        f"/assessments/{assessment.pk}/start-fieldwork", {"started_on": str(in_days(0))}
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.REQUIRED


def test_the_forms_messages_come_back_per_field(api_as, secas, organisation):
    assessment = ad_hoc(organisation)
    response = api_as(secas).post(
        f"/assessments/{assessment.pk}/schedule",
        {
            "cio_name": "   ",
            "fieldwork_start_date": "1990-01-01",
            "fieldwork_end_date": str(in_days(20)),
        },
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"cio_name", "fieldwork_start_date"}


def test_an_illegal_step_is_409_in_the_services_words(api_as, secas, organisation):
    assessment = ad_hoc(organisation)
    response = api_as(secas).post(
        f"/assessments/{assessment.pk}/start-fieldwork", {"started_on": str(in_days(0))}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"“Start fieldwork” is not possible: {assessment} is required."
    )
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.REQUIRED


def test_propose_and_withdraw(api_as, secas, organisation, client):
    assessment = ad_hoc(organisation)
    response_received(assessment, by=secas)
    api = api_as(secas)
    missing = api.post(
        f"/assessments/{assessment.pk}/proposal", {"status": "approved", "rationale": " "}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {
            "field": "rationale",
            "message": "Please give the reasons for the proposal: the SSC reads them.",
        }
    ]
    headers = {"Idempotency-Key": "propose-1"}
    body = {"status": AssuranceStatus.APPROVED, "rationale": "All good."}
    first = api.post(f"/assessments/{assessment.pk}/proposal", body, headers=headers)
    assert first.status_code == 200, first.content
    again = api.post(f"/assessments/{assessment.pk}/proposal", body, headers=headers)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert assessment.outcome_proposals.count() == 1
    proposal = first.json()["proposal"]
    assert proposal["status"] == "approved"
    # A second proposal that has not read the first is refused in the service's words.
    unread = api.post(f"/assessments/{assessment.pk}/proposal", body)
    assert unread.status_code == 409
    assert "Read that proposal before replacing it." in unread.json()["detail"]
    withdrawn = api.post(
        f"/assessments/{assessment.pk}/proposal/withdraw", {"reason": "Wrong status."}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["proposal"] is None
    assert withdrawn.json()["state"] == AssessmentState.RESPONSE_RECEIVED


def test_the_panels_decision_after_an_initial_fusa(api_as, secas, organisation):
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="annual_review",
        cycle_year=1,
        due_date=in_days(30),
    )
    outcome_proposed(assessment, by=secas, status=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS)
    api = api_as(secas)
    path = f"/assessments/{assessment.pk}/panel-decision"
    base = {
        "panel_meeting_date": str(in_days(-1)),
        "status": AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
        "rationale": "As proposed.",
    }
    bad = api.post(
        path,
        {
            **base,
            "steps": [
                {
                    "description": "Patch",
                    "owner_name": "Jo",
                    "owner_email": "nope",
                    "due_date": str(in_days(30)),
                }
            ],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "steps.0.owner_email", "message": "Enter a valid email address."}
    ]
    done = api.post(
        path,
        {
            **base,
            "steps": [
                {
                    "description": "Patch",
                    "owner_name": "Jo",
                    "owner_email": "jo@example.com",
                    "due_date": str(in_days(30)),
                }
            ],
        },
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == AssessmentState.COMPLETED
    assert done.json()["decision"]["panel_meeting_date"] == str(in_days(-1))


def test_counts_as_annual_review(api_as, secas, organisation):
    assessment = ad_hoc(organisation)
    api = api_as(secas)
    path = f"/assessments/{assessment.pk}/counts-as-annual-review"
    changed = api.post(path, {"counts_as_annual_review": True, "reason": "Covers it all."})
    assert changed.status_code == 200
    assert changed.json()["counts_as_annual_review"] is True
    again = api.post(path, {"counts_as_annual_review": True, "reason": "Again."})
    assert again.status_code == 409
    assert again.json()["detail"] == "This assessment already counts as the annual review."


# --- Steps with documents (multipart, the page's upload slots) -------------------------------


def in_fieldwork(organisation, secas):
    assessment = ad_hoc(organisation)
    services.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="A. CIO",
        fieldwork_start_date=in_days(-40),
        fieldwork_end_date=in_days(-30),
    )
    services.start_fieldwork(assessment=assessment, by=secas, started_on=in_days(-40))
    return assessment


def test_the_report_is_recorded_with_its_documents(api_as, client, secas, organisation):
    assessment = in_fieldwork(organisation, secas)
    response = api_as(secas).upload(
        f"/assessments/{assessment.pk}/report",
        {
            "received_on": str(in_days(-20)),
            "fieldwork_ended_on": str(in_days(-30)),
            "response_due_date": str(in_days(10)),
            "file1-file": upload("cio-report.pdf", PDF_BYTES),
            "file1-tlp": "red",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == AssessmentState.REPORT_RECEIVED
    document = AssessmentDocument.objects.get(assessment=assessment)
    assert (document.original_name, document.tlp) == ("cio-report.pdf", "red")
    client.force_login(secas)
    assert "cio-report.pdf" in client.get(f"/secas/assessments/{assessment.pk}/").content.decode()


def test_a_file_the_page_refuses_is_refused_here(api_as, secas, organisation):
    assessment = in_fieldwork(organisation, secas)
    response = api_as(secas).upload(
        f"/assessments/{assessment.pk}/report",
        {
            "received_on": str(in_days(-20)),
            "fieldwork_ended_on": str(in_days(-30)),
            "response_due_date": str(in_days(10)),
            "file1-file": upload("report.pdf", WINDOWS_EXECUTABLE),
        },
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "file1-file"
    assert "is not a file type we accept" in error["message"]
    assert not AssessmentDocument.objects.filter(assessment=assessment).exists()


def test_a_response_before_the_report_is_409(api_as, secas, organisation):
    assessment = in_fieldwork(organisation, secas)
    response = api_as(secas).upload(
        f"/assessments/{assessment.pk}/response",
        {"received_on": str(in_days(0)), "file1-file": upload("response.pdf", PDF_BYTES)},
    )
    assert response.status_code == 409
    assert "is not possible" in response.json()["detail"]
    assert not AssessmentDocument.objects.filter(kind="response").exists()


@pytest.mark.parametrize("person", [*USERS_STAFF, "ssc_member"])
def test_document_steps_are_404_to_everyone_but_secas(api_as, request, secas, organisation, person):
    assessment = in_fieldwork(organisation, secas)
    response = api_as(request.getfixturevalue(person)).upload(
        f"/assessments/{assessment.pk}/report",
        {
            "received_on": str(in_days(-20)),
            "fieldwork_ended_on": str(in_days(-30)),
            "response_due_date": str(in_days(10)),
            "file1-file": upload("cio-report.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 404


def test_the_schema_documents_the_committee_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/queue",
        "/api/v1/cases/{notification_id}",
        "/api/v1/assessments",
        "/api/v1/assessments/{assessment_id}",
        "/api/v1/assessments/{assessment_id}/schedule",
        "/api/v1/assessments/{assessment_id}/report",
        "/api/v1/annual-reviews",
        "/api/v1/awaiting",
        "/api/v1/organisations-at-risk",
    ):
        assert path in paths, path
    report = paths["/api/v1/assessments/{assessment_id}/report"]["post"]
    form = report["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file1-file", "file1-tlp", "received_on"} <= set(form["properties"])
    assert form["required"] == [
        "received_on",
        "fieldwork_ended_on",
        "response_due_date",
        "file1-file",
    ]


def test_the_lists_read_a_fixed_number_of_queries(
    api_as, secas, organisation, django_assert_max_num_queries
):
    for _ in range(3):
        ad_hoc(organisation)
        annual_review(organisation)
    client = api_as(secas)
    client.get("/assessments")  # warm the token's first-use bookkeeping
    with django_assert_max_num_queries(12):
        assert client.get("/assessments").json()["count"] == 6
    with django_assert_max_num_queries(12):
        assert client.get("/annual-reviews").json()["count"] == 3


def test_organisations_at_risk_leave_out_a_members_conflicts(
    api_as, secas, ssc_member, conflicted_member, organisation, submitter
):
    Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        reason="annual_review",
        cycle_year=2,
        due_date=in_days(-3),
    )
    for person in (secas, ssc_member):
        rows = api_as(person).get("/organisations-at-risk").json()["items"]
        assert [row["organisation"] for row in rows] == ["Northwind Energy Ltd"]
        assert "overdue since" in rows[0]["reasons"][0]
    assert api_as(conflicted_member).get("/organisations-at-risk").json()["count"] == 0
    assert api_as(submitter).get("/organisations-at-risk").status_code == 404


def test_a_decided_case_shows_its_decision(api_as, under_review, secas, ssc_member, meeting):
    from assessments.services import decide

    decide(
        notification=under_review,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Assessed with its SRP.",
        meeting=meeting,
    )
    case = api_as(secas).get(f"/cases/{under_review.pk}").json()
    assert case["decision"]["outcome"] == "no_assessment"
    assert case["decision"]["decided_by"] == "Chris Member"
    assert case["decision"]["meeting"]["id"] == meeting.pk
    queue = api_as(secas).get("/queue").json()
    assert queue["count"] == 0  # live cases only, as the page
    assert api_as(secas).get("/queue", {"state": "all"}).json()["count"] == 1


def test_the_queue_reads_as_many_queries_for_one_case_as_for_four(
    api_as, secas, organisation, submitter, meeting, ssc_member
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.services import start_review
    from notifications import services as intake

    client = api_as(secas)
    client.get("/queue")  # the token's first use is bookkept once
    counted = []
    for cases in (1, 3):
        for _ in range(cases):
            draft = factories.NotificationFactory(organisation=organisation, created_by=submitter)
            case = intake.submit_notification(
                notification=draft, by=submitter, declaration_accepted=True
            )
            start_review(notification=case, by=secas, rapporteur=ssc_member, meeting=meeting)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/queue").status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1]
