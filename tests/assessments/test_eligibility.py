"""Eligibility: the first approved User System and its assurance, shown to the User before
submitting, recorded at submission and flagged to SECAS."""

import re

import pytest
from django.urls import reverse

from assessments import selectors as ssc
from assessments import triage
from notifications import services
from notifications.eligibility import eligibility_of
from notifications.models import AssuranceStatus, EligibilityFinding, UserSystem
from sscportal.mail.models import OutboundEmail
from tests import factories

F = EligibilityFinding


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def first_system(organisation, status=AssuranceStatus.APPROVED, **record):
    system = UserSystem.objects.create(
        organisation=organisation,
        name="Northwind Smart Metering Platform",
        delivery_model="in_house",
        is_first_system=True,
        status=UserSystem.Status.LIVE,
    )
    if status:
        factories.AssuranceRecordFactory(
            organisation=organisation, status=status, systems=[system], **record
        )
    return system


# --- The finding ---------------------------------------------------------------------------------


def test_an_organisation_without_a_first_system_is_not_eligible(organisation):
    found = ssc.eligibility(organisation)
    assert found.first_system is None
    assert found.finding == F.NO_FIRST_SYSTEM
    assert "probably a User Entry Process matter" in found.explanation


@pytest.mark.parametrize(
    ("status", "finding"),
    [
        (AssuranceStatus.APPROVED, F.ELIGIBLE),
        (AssuranceStatus.APPROVED_SUBJECT_TO_STEPS, F.ELIGIBLE),
        (AssuranceStatus.DEFERRED, F.FIRST_SYSTEM_DEFERRED),
        (AssuranceStatus.REJECTED, F.FIRST_SYSTEM_REJECTED),
    ],
)
def test_the_first_systems_latest_assurance_decides(organisation, status, finding):
    system = first_system(organisation, status)
    found = ssc.eligibility(organisation)
    assert (found.first_system, found.assurance_status, found.finding) == (
        system,
        status,
        finding,
    )


def test_the_latest_record_of_the_first_system_counts(organisation):
    system = first_system(organisation, AssuranceStatus.DEFERRED)
    factories.AssuranceRecordFactory(
        organisation=organisation,
        status=AssuranceStatus.APPROVED,
        systems=[system],
        effective_date=system.latest_assurance.record.effective_date.replace(year=2027),
    )
    assert ssc.eligibility(organisation).finding == F.ELIGIBLE


def test_a_first_system_with_no_record_of_its_own_reads_the_organisations_latest(organisation):
    first_system(organisation, status="")
    factories.AssuranceRecordFactory(organisation=organisation, status=AssuranceStatus.REJECTED)
    assert ssc.eligibility(organisation).finding == F.FIRST_SYSTEM_REJECTED


def test_a_first_system_without_any_record_stays_eligible_with_status_not_recorded(organisation):
    first_system(organisation, status="")
    found = eligibility_of(organisation)
    assert found.finding == F.ELIGIBLE
    assert found.assurance_label == "Not recorded"


# --- Submission records it; SECAS is told --------------------------------------------------------


def test_submitting_without_a_first_system_is_allowed_and_recorded(draft, submitter):
    submitted = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    submitted.refresh_from_db()
    assert submitted.eligibility_finding == F.NO_FIRST_SYSTEM
    assert submitted.is_without_approved_first_system


def test_submitting_with_an_approved_first_system_records_it_unflagged(
    draft, submitter, organisation
):
    first_system(organisation)
    submitted = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    submitted.refresh_from_db()
    assert submitted.eligibility_finding == F.ELIGIBLE
    assert not submitted.is_without_approved_first_system


def test_the_finding_is_what_was_true_when_notified(draft, submitter, organisation):
    submitted = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    first_system(organisation)
    submitted.refresh_from_db()
    assert submitted.eligibility_finding == F.NO_FIRST_SYSTEM
    assert ssc.eligibility(organisation).finding == F.ELIGIBLE


def test_the_alert_to_secas_says_there_is_no_approved_first_system(draft, submitter, settings):
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    alert = OutboundEmail.objects.get(kind="secas_alert", to=[settings.SECAS_MAILBOX])
    assert alert.subject.startswith("NO APPROVED FIRST SYSTEM – ")
    assert "NO APPROVED FIRST USER SYSTEM: the duty to notify applies after" in alert.body_text
    assert "No approved first User System:</strong>" in alert.body_html


def test_the_alert_for_an_eligible_organisation_carries_no_flag(
    draft, submitter, settings, organisation
):
    first_system(organisation)
    services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    alert = OutboundEmail.objects.get(kind="secas_alert", to=[settings.SECAS_MAILBOX])
    assert "FIRST SYSTEM" not in alert.subject
    assert "User Entry matter" not in alert.body_text


def test_the_triage_indicator_reads_the_recorded_finding(submitted):
    facts = triage.facts_for(
        submitted,
        organisation_assurance=None,
        next_annual_review_date=None,
        next_meeting_date=None,
        system_ever_assessed=False,
    )
    codes = [finding.code for finding in triage.suggest(facts).findings]
    assert "no_approved_first_system" in codes
    submitted.eligibility_finding = F.ELIGIBLE
    codes = [finding.code for finding in triage.suggest(facts).findings]
    assert "no_approved_first_system" not in codes


# --- Pages ---------------------------------------------------------------------------------------


def test_the_notify_form_warns_before_submitting_and_says_whom_to_contact(
    client, organisation, preparer, settings
):
    client.force_login(preparer)
    page = text(client.get(reverse("notifications:create", args=[organisation.pk])))
    assert "None on the register" in page
    assert "No approved first User System." in page
    assert f"Contact SECAS at {settings.SECAS_MAILBOX} about User Entry" in page
    assert "You can still submit" in page


def test_the_check_page_shows_the_first_system_and_its_status(client, draft, submitter):
    first_system(draft.organisation, AssuranceStatus.DEFERRED)
    client.force_login(submitter)
    page = text(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "Northwind Smart Metering Platform" in page
    assert "Deferred (since 1 May 2026)" in page
    assert "First User System&#x27;s assurance Deferred." in page
    assert "Submit to the SSC</button>" in page


def test_an_eligible_organisation_sees_its_first_system_and_no_warning(
    client, organisation, preparer
):
    first_system(organisation)
    client.force_login(preparer)
    page = text(client.get(reverse("notifications:create", args=[organisation.pk])))
    assert "Northwind Smart Metering Platform" in page
    assert "Approved (since 1 May 2026)" in page
    assert "You can still submit" not in page


def test_the_case_page_flags_the_recorded_finding_and_shows_the_register_now(
    client, submitted, secas
):
    client.force_login(secas)
    page = text(client.get(reverse("assessments:case", args=[submitted.pk])))
    assert "No approved first system</span>" in page
    assert "Notified without an approved first User System." in page
    assert "Notified without an approved first User System (No approved first User System" in page
    assert "None on the register" in page


def test_the_secas_dashboard_lists_notifications_without_a_first_system(
    client, submitted, secas, other_organisation, other_submitter
):
    first_system(other_organisation)
    eligible = services.submit_notification(
        notification=factories.NotificationFactory(organisation=other_organisation),
        by=other_submitter,
        declaration_accepted=True,
    )
    client.force_login(secas)
    page = text(client.get(reverse("secas:dashboard")))
    section = page.split('id="without-first-system-heading"', 1)[1].split("</section>", 1)[0]
    assert "Notified without an approved first system (1)" in section
    assert submitted.reference in section
    assert eligible.reference not in section
    full = text(client.get(reverse("secas:without_first_system")))
    assert submitted.reference in full
    export = client.get(reverse("secas:export", args=["without-approved-first-system"]))
    rows = b"".join(export.streaming_content).decode()
    assert submitted.reference in rows
    assert "No approved first User System" in rows
