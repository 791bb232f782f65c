"""Issue 13, parts 1 and 2: an assessment's reason, type, scope and "counts as the annual review"
flag (the clock follows the flag), and the self-assessment (USSA) lifecycle beside the CIO's."""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import services
from assessments.models import (
    AnnualReviewFlagChange,
    Assessment,
    AssessmentDocument,
    AssessmentDocumentDownload,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    Decision,
)
from assessments.selectors import latest_annual_assurance, next_annual_review_due
from notifications.services import TransitionRefused
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments import journey
from tests.assessments.test_lifecycle import checked_upload
from tests.uploads import PDF_BYTES, WINDOWS_EXECUTABLE, upload

A = AssessmentState
DUE = timezone.localdate() + datetime.timedelta(days=90)


def decide_required(notification, by, meeting, **overrides):
    arguments = {
        "notification": notification,
        "by": by,
        "outcome": Decision.Outcome.ASSESSMENT_REQUIRED,
        "rationale": "Never assessed.",
        "meeting": meeting,
        "assessment_kind": AssessmentKind.FUSA,
        "assessment_scope": "The new system only.",
        "assessment_due_date": DUE,
    }
    services.decide(**(arguments | overrides))
    return Assessment.objects.get(notification=notification)


def run_cio_assessment(assessment, secas, *, fieldwork_end=datetime.date(2026, 12, 11)):
    services.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="Example CIO LLP",
        fieldwork_start_date=fieldwork_end - datetime.timedelta(days=10),
        fieldwork_end_date=fieldwork_end,
    )
    services.start_fieldwork(
        assessment=assessment, by=secas, started_on=fieldwork_end - datetime.timedelta(days=10)
    )
    services.record_report(
        assessment=assessment,
        by=secas,
        received_on=fieldwork_end + datetime.timedelta(days=20),
        fieldwork_ended_on=fieldwork_end,
        response_due_date=fieldwork_end + datetime.timedelta(days=50),
        documents=[checked_upload("report.pdf")],
    )
    services.record_response(
        assessment=assessment,
        by=secas,
        received_on=fieldwork_end + datetime.timedelta(days=40),
        documents=[checked_upload("response.pdf")],
    )
    return journey.outcome_decided(assessment, by=secas, status="approved")


# --- Part 1: reason, type, scope and the flag, at the decision ---------------------------------


def test_the_decision_records_reason_type_scope_and_by_default_does_not_count(
    under_review, ssc_member, meeting
):
    assessment = decide_required(under_review, ssc_member, meeting, assessment_kind="vusa")
    assert assessment.reason == AssessmentReason.G8_13
    assert assessment.kind == AssessmentKind.VUSA
    assert assessment.scope == "The new system only."
    assert assessment.counts_as_annual_review is False
    assert not assessment.is_annual_review


def test_the_ssc_can_decide_that_the_ad_hoc_assessment_counts(under_review, ssc_member, meeting):
    assessment = decide_required(
        under_review, ssc_member, meeting, assessment_counts_as_annual_review=True
    )
    assert assessment.counts_as_annual_review is True


@pytest.mark.parametrize("kind", ["", "g8_13", "annual"])
def test_a_decision_without_a_real_type_is_refused(under_review, ssc_member, meeting, kind):
    with pytest.raises(TransitionRefused, match="type of assessment: FUSA, VUSA or USSA"):
        decide_required(under_review, ssc_member, meeting, assessment_kind=kind)
    assert not Assessment.objects.exists()


def test_g8_13_is_a_reason_not_a_type():
    assert "g8_13" not in AssessmentKind.values
    assert "g8_13" in AssessmentReason.values


def test_an_annual_review_always_counts(organisation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            organisation=organisation, kind="fusa", due_date=DUE, counts_as_annual_review=False
        )


def test_only_an_old_g8_13_assessment_may_have_no_type(organisation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(organisation=organisation, kind="", due_date=DUE)
    legacy = Assessment.objects.create(
        organisation=organisation,
        kind="",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=DUE,
    )
    assert legacy.get_kind_display() == "Assessment (type not recorded)"


def test_the_case_page_decision_form_asks_type_scope_and_the_flag(client, under_review, ssc_member):
    client.force_login(ssc_member)
    page = client.get(reverse("assessments:case", args=[under_review.pk])).content.decode()
    assert "Assessment type (if required)" in page
    assert "Counts as the annual review (if required)" in page
    assert "Targeted assessment under G8.13" not in page
    assert 'name="assessment_counts_as_annual_review"' in page
    assert 'name="assessment_counts_as_annual_review" checked' not in page


def post_decision(client, case, meeting, **changes):
    data = {
        "outcome": "assessment_required",
        "rationale": "Never assessed.",
        "meeting": meeting.pk,
        "assessment_kind": "ussa",
        "assessment_scope": "The new system only.",
        "assessment_due_date": DUE.isoformat(),
        **changes,
    }
    return client.post(reverse("assessments:decide", args=[case.pk]), data)


def test_the_decision_posted_from_the_case_page_sets_type_and_flag(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = post_decision(client, under_review, meeting, assessment_counts_as_annual_review="on")
    assert response.status_code == 302
    assessment = Assessment.objects.get(notification=under_review)
    assert (assessment.kind, assessment.reason) == ("ussa", "g8_13")
    assert assessment.counts_as_annual_review is True


def test_the_decision_form_says_when_the_type_is_missing(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    response = post_decision(client, under_review, meeting, assessment_kind="")
    assert response.status_code == 200
    assert "Choose the type of assessment: FUSA, VUSA or USSA." in response.content.decode()
    assert not Assessment.objects.exists()


# --- Part 1: the annual-review clock follows the flag ------------------------------------------

LAST_FIELDWORK = datetime.date(2026, 3, 31)
THIS_FIELDWORK = datetime.date(2026, 12, 11)


@pytest.mark.parametrize(
    ("reason", "counts"),
    [
        ("annual_review", True),
        ("g8_13", False),
        ("g8_13", True),
        ("follow_up", False),
        ("follow_up", True),
    ],
)
def test_the_annual_review_clock_follows_the_flag(organisation, secas, reason, counts):
    factories.AssuranceRecordFactory(
        organisation=organisation, fieldwork_end_date=LAST_FIELDWORK, cycle_year=1
    )
    review = services.next_annual_review(organisation)
    assert (review.cycle_year, review.due_date) == (2, datetime.date(2027, 3, 31))
    if reason == "annual_review":
        assessment = review
    else:
        assessment = Assessment.objects.create(
            organisation=organisation,
            kind="fusa",
            reason=reason,
            counts_as_annual_review=counts,
            due_date=DUE,
            scope="The new system only.",
        )

    run_cio_assessment(assessment, secas, fieldwork_end=THIS_FIELDWORK)

    record = AssuranceRecord.objects.get(assessment=assessment)
    assert (record.reason, record.counts_as_annual_review) == (reason, counts)
    open_review = Assessment.objects.annual_reviews().open().get(organisation=organisation)
    if counts:
        assert latest_annual_assurance(organisation) == record
        assert record.cycle_year == 2
        assert next_annual_review_due(organisation) == datetime.date(2027, 12, 11)
        assert open_review.cycle_year == 3
    else:
        assert latest_annual_assurance(organisation) != record
        assert record.cycle_year == 1
        assert next_annual_review_due(organisation) == datetime.date(2027, 3, 31)
        assert open_review == review
        assert open_review.cycle_year == 2


def test_a_counting_ad_hoc_assessment_leaves_a_review_already_under_way_to_secas(
    organisation, secas
):
    factories.AssuranceRecordFactory(
        organisation=organisation, fieldwork_end_date=LAST_FIELDWORK, cycle_year=1
    )
    review = services.next_annual_review(organisation)
    services.schedule_assessment(
        assessment=review,
        by=secas,
        cio_name="Booked CIO",
        fieldwork_start_date=datetime.date(2027, 2, 1),
        fieldwork_end_date=datetime.date(2027, 2, 5),
    )
    ad_hoc = Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        reason="g8_13",
        counts_as_annual_review=True,
        due_date=DUE,
    )
    run_cio_assessment(ad_hoc, secas, fieldwork_end=THIS_FIELDWORK)
    review.refresh_from_db()
    assert (review.state, review.due_date) == (A.SCHEDULED, datetime.date(2027, 3, 31))


# --- Part 1: SECAS changes the flag, with a reason ----------------------------------------------


def ad_hoc(organisation, *, counts=False, kind="fusa"):
    return Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=counts,
        due_date=DUE,
    )


def test_secas_changes_the_flag_with_a_reason_and_it_is_logged(organisation, secas):
    assessment = ad_hoc(organisation)
    services.change_counts_as_annual_review(
        assessment=assessment,
        by=secas,
        counts_as_annual_review=True,
        reason="The SSC agreed at its meeting of 03/12/2026 that it serves as the annual review.",
    )
    assessment.refresh_from_db()
    assert assessment.counts_as_annual_review is True
    change = AnnualReviewFlagChange.objects.get()
    assert (change.changed_by, change.counts_as_annual_review) == (secas, True)
    assert "serves as the annual review" in change.reason


@pytest.mark.parametrize(
    ("counts", "reason", "message"),
    [
        (True, "  ", "Please say why the flag changes."),
        (False, "No change.", "already does not count"),
    ],
)
def test_a_flag_change_without_a_reason_or_with_nothing_to_change_is_refused(
    organisation, secas, counts, reason, message
):
    assessment = ad_hoc(organisation)
    with pytest.raises(TransitionRefused, match=message):
        services.change_counts_as_annual_review(
            assessment=assessment, by=secas, counts_as_annual_review=counts, reason=reason
        )
    assert not AnnualReviewFlagChange.objects.exists()


def test_only_secas_changes_the_flag(organisation, ssc_member, submitter):
    assessment = ad_hoc(organisation)
    for person in (ssc_member, submitter):
        with pytest.raises(TransitionRefused, match="Only SECAS"):
            services.change_counts_as_annual_review(
                assessment=assessment, by=person, counts_as_annual_review=True, reason="Why not."
            )


def test_an_annual_review_cannot_be_made_not_to_count(organisation, secas):
    review = services.next_annual_review(organisation)
    with pytest.raises(TransitionRefused, match="always counts"):
        services.change_counts_as_annual_review(
            assessment=review, by=secas, counts_as_annual_review=False, reason="Try."
        )


def test_secas_changes_the_flag_on_the_assessment_page(client, organisation, secas):
    assessment = ad_hoc(organisation)
    client.force_login(secas)
    page = client.get(reverse("secas:assessment", args=[assessment.pk])).content.decode()
    assert "Ad-hoc assessment required under G8.13" in page
    assert "No: the annual-review clock is not moved" in page
    url = reverse("secas:assessment_counts", args=[assessment.pk])
    response = client.post(url, {"counts_as_annual_review": "True", "reason": ""})
    assert response.status_code == 200
    assert "Please say why the flag changes." in response.content.decode()
    response = client.post(
        url, {"counts_as_annual_review": "True", "reason": "Agreed by the SSC."}, follow=True
    )
    page = response.content.decode()
    assert "now counts as the annual review" in page
    assert "Yes: completing it restarts the 12-month annual-review clock" in page
    assert "Agreed by the SSC." in page


# --- Part 2: two lifecycles -------------------------------------------------------------------


def test_a_self_assessment_has_no_cio_booking(organisation, secas):
    ussa = ad_hoc(organisation, kind="ussa")
    with pytest.raises(TransitionRefused, match="self-assessment \\(USSA\\): the User submits it"):
        services.schedule_assessment(
            assessment=ussa,
            by=secas,
            cio_name="CIO",
            fieldwork_start_date=DUE,
            fieldwork_end_date=DUE,
        )
    ussa.refresh_from_db()
    assert ussa.state == A.REQUIRED


def test_a_cio_assessment_has_no_self_assessment(organisation, submitter):
    fusa = ad_hoc(organisation, kind="fusa")
    with pytest.raises(TransitionRefused, match="the CIO carries it out"):
        services.submit_self_assessment(
            assessment=fusa, by=submitter, files=[checked_upload("a.pdf")]
        )


def test_the_user_submits_its_self_assessment_with_files_and_secas_is_told(
    organisation, submitter, secas
):
    ussa = ad_hoc(organisation, kind="ussa")
    services.submit_self_assessment(
        assessment=ussa,
        by=submitter,
        notes="Questionnaire attached.",
        files=[checked_upload("answers.pdf"), checked_upload("evidence.pdf", tlp="red")],
    )
    ussa.refresh_from_db()
    assert ussa.state == A.SELF_ASSESSMENT_SUBMITTED
    assert ussa.self_assessment_submitted_by == submitter
    assert sorted(ussa.documents.values_list("original_name", "tlp")) == [
        ("answers.pdf", "amber"),
        ("evidence.pdf", "red"),
    ]
    log = StateLog.objects.for_(ussa).latest()
    assert (log.transition, log.by) == ("submit_self_assessment", submitter)
    assert OutboundEmail.objects.filter(kind="self_assessment_submitted").exists()


def test_a_preparer_cannot_submit_the_self_assessment(organisation, preparer):
    ussa = ad_hoc(organisation, kind="ussa")
    with pytest.raises(TransitionRefused, match="You do not have permission"):
        services.submit_self_assessment(
            assessment=ussa, by=preparer, files=[checked_upload("a.pdf")]
        )
    assert not AssessmentDocument.objects.exists()


def test_a_self_assessment_needs_a_file(organisation, submitter):
    ussa = ad_hoc(organisation, kind="ussa")
    with pytest.raises(TransitionRefused, match="at least one file"):
        services.submit_self_assessment(assessment=ussa, by=submitter, files=[])


def test_the_cios_review_cannot_come_before_the_submission(organisation, secas):
    ussa = ad_hoc(organisation, kind="ussa")
    with pytest.raises(TransitionRefused, match=r"is not possible: .* is required"):
        services.record_cio_review(
            assessment=ussa,
            by=secas,
            cio_name="CIO",
            reviewed_on=timezone.localdate(),
            response_due_date=DUE,
            documents=[checked_upload("cio-review.pdf")],
        )


def test_a_second_submission_from_a_stale_page_is_refused(organisation, submitter, org_admin):
    ussa = ad_hoc(organisation, kind="ussa")
    stale = Assessment.objects.get(pk=ussa.pk)
    services.submit_self_assessment(
        assessment=ussa, by=submitter, files=[checked_upload("first.pdf")]
    )
    with pytest.raises(TransitionRefused, match=r"is not possible: .* self-assessment submitted"):
        services.submit_self_assessment(
            assessment=stale, by=org_admin, files=[checked_upload("second.pdf")]
        )
    assert list(AssessmentDocument.objects.values_list("original_name", flat=True)) == ["first.pdf"]


def test_a_self_assessment_runs_to_its_outcome_and_its_review_ends_the_work(
    organisation, submitter, secas
):
    ussa = ad_hoc(organisation, kind="ussa", counts=True)
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    reviewed = timezone.localdate() + datetime.timedelta(days=7)
    services.record_cio_review(
        assessment=ussa,
        by=secas,
        cio_name="Example CIO LLP",
        reviewed_on=reviewed,
        response_due_date=reviewed + datetime.timedelta(days=28),
        documents=[checked_upload("cio-review.pdf")],
    )
    services.record_response(
        assessment=ussa, by=secas, received_on=reviewed, documents=[checked_upload("response.pdf")]
    )
    journey.outcome_decided(ussa, by=secas, status="approved")
    ussa.refresh_from_db()
    assert ussa.state == A.COMPLETED
    record = AssuranceRecord.objects.get(assessment=ussa)
    assert (record.kind, record.fieldwork_end_date) == ("ussa", reviewed)
    assert next_annual_review_due(organisation) == reviewed.replace(year=reviewed.year + 1)


# --- Part 2: the pages --------------------------------------------------------------------------


def test_the_user_reaches_its_self_assessment_from_its_home_page_and_submits_it(
    client, organisation, submitter, secas
):
    ussa = ad_hoc(organisation, kind="ussa")
    client.force_login(submitter)
    home = client.get(reverse("organisation_home", args=[organisation.pk])).content.decode()
    page_url = reverse("assessments:assessment", args=[ussa.pk])
    assert page_url in home
    assert "Submit the self-assessment" in client.get(page_url).content.decode()
    response = client.post(
        reverse("assessments:submit_self_assessment", args=[ussa.pk]),
        {
            "notes": "Answers attached.",
            "file1-file": upload("answers.pdf", PDF_BYTES),
            "file1-tlp": "green",
            "file2-tlp": "amber",
            "file3-tlp": "amber",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Your self-assessment has been submitted" in page
    assert "answers.pdf" in page
    file = AssessmentDocument.objects.get()
    assert file.tlp == "green"
    download = client.get(reverse("assessments:self_assessment_file", args=[file.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert AssessmentDocumentDownload.objects.get().user == submitter


def test_a_file_that_is_not_what_it_says_is_refused_beside_its_field(
    client, organisation, submitter
):
    ussa = ad_hoc(organisation, kind="ussa")
    client.force_login(submitter)
    response = client.post(
        reverse("assessments:submit_self_assessment", args=[ussa.pk]),
        {
            "file1-file": upload("answers.pdf", WINDOWS_EXECUTABLE),
            "file1-tlp": "amber",
            "file2-tlp": "amber",
            "file3-tlp": "amber",
        },
    )
    assert response.status_code == 200
    assert "not a file type we accept" in response.content.decode()
    ussa.refresh_from_db()
    assert ussa.state == A.REQUIRED


def test_another_organisation_cannot_see_the_self_assessment_or_its_files(
    client, organisation, submitter, other_submitter
):
    ussa = ad_hoc(organisation, kind="ussa")
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    client.force_login(other_submitter)
    assert client.get(reverse("assessments:self_assessment", args=[ussa.pk])).status_code == 404
    file = AssessmentDocument.objects.get()
    url = reverse("assessments:self_assessment_file", args=[file.pk])
    assert client.get(url).status_code == 404
    assert not AssessmentDocumentDownload.objects.exists()


def test_secas_waits_for_the_user_then_records_the_cios_review(
    client, organisation, submitter, secas
):
    ussa = ad_hoc(organisation, kind="ussa")
    client.force_login(secas)
    url = reverse("secas:assessment", args=[ussa.pk])
    page = client.get(url).content.decode()
    assert "Waiting for" in page
    assert "Schedule (CIO booked)" not in page
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    page = client.get(url).content.decode()
    assert "Next step: Record the CIO&#x27;s review" in page
    file = AssessmentDocument.objects.get()
    assert reverse("assessments:document", args=[file.pk]) in page
    today = timezone.localdate()
    response = client.post(
        reverse("secas:assessment_step", args=[ussa.pk, "record_cio_review"]),
        {
            "cio_name": "Example CIO LLP",
            "reviewed_on": today.isoformat(),
            "response_due_date": (today + datetime.timedelta(days=20)).isoformat(),
            "file1-file": upload("cio-review.pdf", PDF_BYTES),
            "file1-tlp": "amber",
            "file2-tlp": "amber",
            "file3-tlp": "amber",
        },
        follow=True,
    )
    assert "CIO review recorded" in response.content.decode()
    ussa.refresh_from_db()
    assert (ussa.state, ussa.cio_name) == (A.CIO_REVIEW_RECORDED, "Example CIO LLP")


def test_a_step_of_the_other_lifecycle_posted_to_the_page_is_refused_in_words(
    client, organisation, secas
):
    ussa = ad_hoc(organisation, kind="ussa")
    client.force_login(secas)
    today = timezone.localdate()
    response = client.post(
        reverse("secas:assessment_step", args=[ussa.pk, "schedule"]),
        {
            "cio_name": "CIO",
            "fieldwork_start_date": today.isoformat(),
            "fieldwork_end_date": today.isoformat(),
        },
        follow=True,
    )
    assert "there is no CIO booking, fieldwork or report to record" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "counts", "says"),
    [
        ("ussa", False, "submit it through the portal"),
        ("fusa", False, "arrange it with the User CIO"),
        ("fusa", True, "It also counts as your annual review."),
        ("vusa", False, "It does not replace your annual review."),
    ],
)
def test_the_decision_letter_says_who_does_the_assessment_and_whether_it_counts(
    under_review, ssc_member, meeting, kind, counts, says
):
    decide_required(
        under_review,
        ssc_member,
        meeting,
        assessment_kind=kind,
        assessment_counts_as_annual_review=counts,
    )
    letter = OutboundEmail.objects.filter(kind="decision_letter").first()
    assert says in letter.body_text
    assert says in letter.body_html.replace("&#x27;", "'")


def test_secas_lists_each_open_assessment_with_its_reason_and_type(client, organisation, secas):
    Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        reason="follow_up",
        counts_as_annual_review=False,
        due_date=DUE,
    )
    Assessment.objects.create(
        organisation=organisation,
        kind="",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=DUE,
    )
    client.force_login(secas)
    page = client.get(reverse("secas:assessments")).content.decode()
    assert "Follow-up assessment" in page
    assert "Assessment (type not recorded)" in page
    assert "Verification User Security Assessment (VUSA)" in page


# --- Found by review: legacy rows, the flag's saved answer, names shown to the User -------------


def test_an_overdue_assessment_of_no_recorded_type_is_listed_not_a_crash(
    client, organisation, secas
):
    legacy = Assessment.objects.create(
        organisation=organisation,
        kind="",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    assert legacy.pk
    client.force_login(secas)
    for name in ("secas:dashboard", "secas:organisations_at_risk"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert "Assessment (type not recorded) overdue since" in page.content.decode()


def test_a_self_assessment_booked_under_the_old_lifecycle_can_still_finish(organisation, secas):
    legacy = ad_hoc(organisation, kind="ussa")
    Assessment.objects.filter(pk=legacy.pk).update(
        state=A.SCHEDULED,
        cio_name="Example CIO LLP",
        fieldwork_start_date=DUE,
        fieldwork_end_date=DUE,
    )
    services.start_fieldwork(assessment=legacy, by=secas, started_on=DUE)
    legacy.refresh_from_db()
    assert legacy.state == A.FIELDWORK


def test_the_flag_form_shows_the_saved_answer(client, organisation, secas):
    for counts in (True, False):
        assessment = ad_hoc(organisation, counts=counts)
        client.force_login(secas)
        page = client.get(reverse("secas:assessment", args=[assessment.pk])).content.decode()
        checked = re.search(
            r'<input[^>]*name="counts_as_annual_review"[^>]*value="(True|False)"[^>]*checked', page
        ) or re.search(
            r'<input[^>]*checked[^>]*name="counts_as_annual_review"[^>]*value="(True|False)"', page
        )
        assert checked is not None, counts
        assert checked.group(1) == str(counts)


def test_the_user_sees_secas_not_a_name_in_the_self_assessment_history(
    client, organisation, submitter, secas
):
    ussa = ad_hoc(organisation, kind="ussa")
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    reviewed = timezone.localdate() + datetime.timedelta(days=7)
    services.record_cio_review(
        assessment=ussa,
        by=secas,
        cio_name="Example CIO LLP",
        reviewed_on=reviewed,
        response_due_date=reviewed + datetime.timedelta(days=28),
        documents=[checked_upload("cio-review.pdf")],
    )
    client.force_login(submitter)
    page = client.get(reverse("assessments:assessment", args=[ussa.pk])).content.decode()
    assert secas.full_name not in page
    assert "SECAS ·" in page
    assert submitter.full_name in page  # a colleague is named
