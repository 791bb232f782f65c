"""The report and the response as documents, in a real browser: SECAS uploads the CIO's report
with the step, the User finds it from its home page, has a wrong file refused, and sends its
response; every page passes axe and the HTML check (tests/browser/conftest.py)."""

import datetime

import pytest
from django.utils import timezone

from assessments.demo import scenarios
from assessments.models import AssessmentDocument, AssessmentState, DocumentKind
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.browser.helpers import sign_in, with_authenticator
from tests.uploads import PDF_BYTES, WINDOWS_EXECUTABLE
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_secas_uploads_the_report_and_the_user_sends_its_response(live_server, page, tmp_path):
    page.set_default_timeout(10_000)
    organisation = factories.OrganisationFactory(name="Pennine Power Distribution plc")
    admin = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.ADMIN,
        user__email="hannah@pennine.example.org",
        user__full_name="Hannah Lister",
    ).user
    secas = with_authenticator(factories.secas_user(email="priya@secas.example.org"))
    review = scenarios.annual_review(organisation)
    today = timezone.localdate()
    scenarios.advance_assessment(
        review,
        by=secas,
        plan=scenarios.AssessmentPlan(target=AssessmentState.FIELDWORK),
    )
    report = tmp_path / "assessment-report.pdf"
    report.write_bytes(PDF_BYTES)
    wrong = tmp_path / "response.pdf"
    wrong.write_bytes(WINDOWS_EXECUTABLE)
    response = tmp_path / "our-response.pdf"
    response.write_bytes(PDF_BYTES)
    due = today + datetime.timedelta(days=28)

    # SECAS records the report with its document and the date the SSC set for the response.
    sign_in(page, live_server.url, secas)
    page.goto(f"{live_server.url}/secas/assessments/{review.pk}/")
    page.get_by_label("Report received on").fill(today.isoformat())
    page.get_by_label("Fieldwork ended on").fill((today - datetime.timedelta(days=17)).isoformat())
    page.get_by_label("Response due (date set by the SSC)").fill(due.isoformat())
    page.locator("#id_file1-file").set_input_files(str(report))
    page.locator("#id_file1-tlp").select_option("red")
    page.get_by_role("button", name="Record").click()
    page.get_by_text("Recorded: the assessment is now report received.").wait_for()
    page.get_by_role("link", name="assessment-report.pdf").wait_for()
    assert AssessmentDocument.objects.get().kind == DocumentKind.REPORT

    # The User opens it from its home page: the report, its marking and the date are there.
    sign_in(page, live_server.url, admin)
    page.get_by_role("link", name=review.get_kind_display()).first.click()
    page.get_by_role("heading", name="Send your response").wait_for()
    assert page.locator(".badge", has_text="TLP:RED").count() == 1
    assert page.locator("#response-due").inner_text() == f"{due:%d/%m/%Y}"

    # A file that is not what its name says is refused beside it; the note typed stays.
    page.get_by_label("A note for SECAS (optional)").fill("Section 3 answers the findings.")
    page.locator("#id_file1-file").set_input_files(str(wrong))
    page.get_by_role("button", name="Send the response").click()
    page.get_by_text("is not a file type we accept").first.wait_for()
    assert page.get_by_label("A note for SECAS (optional)").input_value() == (
        "Section 3 answers the findings."
    )

    # The right file is sent; the page says what happened and what comes next.
    page.locator("#id_file1-file").set_input_files(str(response))
    page.get_by_role("button", name="Send the response").click()
    page.get_by_text("Your response has been sent.").wait_for()
    page.get_by_role("link", name="our-response.pdf").wait_for()
    review.refresh_from_db()
    assert review.state == AssessmentState.RESPONSE_RECEIVED
    assert review.response_notes == "Section 3 answers the findings."
    assert OutboundEmail.objects.filter(kind="assessment_response_submitted").count() == 1
