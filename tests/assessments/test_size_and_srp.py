"""Issue 12, parts 5 and 6 on the pages: size and the next review's type, SRP coverage."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors
from assessments.models import AssessmentCycleRule, TriageSettings
from notifications import services as intake
from notifications.models import SrpCoverage
from notifications.services import TransitionRefused
from tests import factories
from tests.html_forms import form_data, postable


def case_page(client, case) -> str:
    response = client.get(reverse("assessments:case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- The cycle matrix by category and size ------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "count", "kind"),
    [
        ("small_supplier", None, "vusa"),  # not recorded: small from its category
        ("small_supplier", 250_000, "vusa"),  # exactly the boundary is small
        ("small_supplier", 250_001, "fusa"),
        ("large_supplier", None, "fusa"),  # not recorded: large from its category
        ("large_supplier", 100_000, "vusa"),
        ("other", 900_000, "vusa"),  # Other Users keep the small parties' cycle
    ],
)
def test_the_expected_review_type_follows_category_and_size(db, category, count, kind):
    organisation = factories.OrganisationFactory(
        party_category=category, smart_metering_systems_count=count
    )
    assert selectors.expected_annual_review_kind(organisation, 2) == kind


def test_the_matrix_is_data_secas_can_change(db):
    organisation = factories.OrganisationFactory(smart_metering_systems_count=10)
    AssessmentCycleRule.objects.filter(
        party_category="small_supplier", size="small", cycle_year=2
    ).update(kind="ussa")
    assert selectors.expected_annual_review_kind(organisation, 2) == "ussa"


# --- Crossing the boundary ----------------------------------------------------------------------


@pytest.fixture
def growing_case(submitted):
    organisation = submitted.organisation
    organisation.smart_metering_systems_count = 240_000
    organisation.smart_metering_systems_counted_date = datetime.date(2026, 3, 1)
    organisation.save()
    submitted.smets1_meter_count, submitted.smets2_meter_count = 12_000, 60_000
    submitted.save(update_fields=["smets1_meter_count", "smets2_meter_count"])
    factories.AssuranceRecordFactory(organisation=organisation, cycle_year=1)
    return submitted


def test_the_outlook_names_the_total_and_the_change(growing_case):
    outlook = selectors.size_outlook(growing_case)
    assert (outlook.total, outlook.cycle_year) == (312_000, 2)
    assert (outlook.kind_now, outlook.kind_if_large, outlook.kind_changes) == ("VUSA", "FUSA", True)


def test_secas_sees_the_crossing_on_the_case_page(client, growing_case, secas):
    client.force_login(secas)
    page = case_page(client, growing_case)
    assert (
        "72,000 Smart Metering Systems would take Northwind Energy Ltd from 240,000 to 312,000 "
        "Smart Metering Systems, over the 250,000 boundary: next annual review (year 2) VUSA → FUSA"
    ) in page
    assert "rule crosses_size_boundary, boundary 250,000" in page
    assert "Changing: crosses the size boundary" in page
    assert "240,000 Smart Metering Systems, counted 01/03/2026: small (at most 250,000)" in page


def test_a_case_that_stays_small_shows_no_change(client, submitted, secas):
    client.force_login(secas)
    page = case_page(client, submitted)
    assert "crosses_size_boundary" not in page
    assert "Size not recorded: taken as small from the party category" in page
    assert "Year 1: FUSA" in page


def test_secas_records_the_count_from_the_case_page(client, growing_case, secas):
    client.force_login(secas)
    url = reverse("assessments:record_size", args=[growing_case.pk])
    data = form_data(case_page(client, growing_case), action=url)
    data.update({"count": "312000", "counted_date": "2026-11-01"})
    response = client.post(url, postable(data), follow=True)
    assert "312,000 Smart Metering Systems, counted 01/11/2026: large (over 250,000)" in (
        response.content.decode()
    )
    organisation = growing_case.organisation
    organisation.refresh_from_db()
    assert organisation.is_large
    latest = organisation.history.first()
    assert latest.history_user == secas
    assert "312,000" in latest.history_change_reason
    # Large now: the case no longer crosses a boundary, it is already over it.
    assert "crosses_size_boundary" not in response.content.decode()


def test_a_count_dated_in_the_future_is_refused_on_the_page(client, growing_case, secas):
    client.force_login(secas)
    url = reverse("assessments:record_size", args=[growing_case.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(url, {"count": "5", "counted_date": tomorrow.isoformat()})
    assert response.status_code == 200
    assert "cannot be dated in the future" in response.content.decode()
    growing_case.organisation.refresh_from_db()
    assert growing_case.organisation.smart_metering_systems_count == 240_000


@pytest.mark.parametrize("count", ["99999999999", "99999999999999999999999", "-1"])
def test_an_impossible_count_is_a_plain_error_not_a_crash(client, growing_case, secas, count):
    client.force_login(secas)
    url = reverse("assessments:record_size", args=[growing_case.pk])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url, {"count": count, "counted_date": yesterday.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a count of" in page
    assert f'value="{count}"' in page
    growing_case.organisation.refresh_from_db()
    assert growing_case.organisation.smart_metering_systems_count == 240_000


def test_an_ssc_member_cannot_record_the_count(client, growing_case, ssc_member):
    client.force_login(ssc_member)
    page = case_page(client, growing_case)
    assert "Record the Smart Metering System count" not in page
    url = reverse("assessments:record_size", args=[growing_case.pk])
    response = client.post(url, {"count": "5", "counted_date": "2026-01-01"}, follow=True)
    assert "Only SECAS can record" in response.content.decode()
    growing_case.organisation.refresh_from_db()
    assert growing_case.organisation.smart_metering_systems_count == 240_000


def test_the_user_sees_their_size_read_only(client, growing_case, preparer):
    client.force_login(preparer)
    url = reverse("organisation_home", args=[growing_case.organisation.pk])
    page = client.get(url).content.decode()
    assert "240,000 Smart Metering Systems, counted 01/03/2026: small (at most 250,000)" in page
    assert "record_size" not in page


# --- Triage thresholds shown with the rule ------------------------------------------------------


@pytest.fixture
def srp_submitted(organisation, preparer, submitter):
    provider = factories.SharedResourceProviderFactory(
        name="Helix Ltd",
        latest_assessment_date=timezone.localdate() - datetime.timedelta(days=200),
        latest_assessment_outcome="approved",
    )
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, delivery_model="srp", provider=provider
    )
    return intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)


def test_the_case_page_names_the_rule_and_the_threshold_secas_set(client, srp_submitted, secas):
    client.force_login(secas)
    assert "rule srp_recently_assessed, threshold 12 months" in case_page(client, srp_submitted)
    TriageSettings.objects.filter(pk=1).update(srp_assessment_recent_months=6)
    assert "rule srp_assessment_old, threshold 6 months" in case_page(client, srp_submitted)


# --- SRP coverage -------------------------------------------------------------------------------


def test_secas_records_that_the_srp_did_not_cover_the_service(client, srp_submitted, secas):
    client.force_login(secas)
    page = case_page(client, srp_submitted)
    assert "Not yet confirmed" in page
    url = reverse("assessments:confirm_srp_coverage", args=[srp_submitted.pk])
    data = form_data(page, action=url)
    data.update({"coverage": "not_covered", "note": "Helix USAR 2026, scope section 2"})
    response = client.post(url, postable(data), follow=True)
    page = response.content.decode()
    assert "No, it did not cover this service" in page
    assert "rule srp_service_not_covered" in page
    system = srp_submitted.user_system
    system.refresh_from_db()
    assert (system.srp_coverage, system.srp_coverage_confirmed_by) == ("not_covered", secas)
    assert system.history.first().history_user == secas


def test_coverage_needs_the_report_named(client, srp_submitted, secas):
    client.force_login(secas)
    url = reverse("assessments:confirm_srp_coverage", args=[srp_submitted.pk])
    response = client.post(url, {"coverage": "covered", "note": ""})
    assert response.status_code == 200
    srp_submitted.user_system.refresh_from_db()
    assert srp_submitted.user_system.srp_coverage == SrpCoverage.NOT_CONFIRMED


def test_only_secas_records_coverage(srp_submitted, ssc_member):
    with pytest.raises(TransitionRefused, match="Only SECAS"):
        intake.confirm_srp_coverage(
            system=srp_submitted.user_system, by=ssc_member, coverage="covered", note="Report"
        )


def test_coverage_is_only_for_srp_systems(submitted, secas):
    with pytest.raises(TransitionRefused, match="not provided by a Shared Resource Provider"):
        intake.confirm_srp_coverage(
            system=submitted.user_system, by=secas, coverage="covered", note="Report"
        )


def test_an_in_house_case_has_no_coverage_panel(client, submitted, secas):
    client.force_login(secas)
    assert "srp-coverage" not in case_page(client, submitted)


# --- SMETS counts are needed to submit ----------------------------------------------------------


def test_a_draft_without_meter_counts_cannot_be_submitted(organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        smets1_meter_count=None,
        smets2_meter_count=None,
    )
    with pytest.raises(TransitionRefused) as refusal:
        intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    assert "approximate SMETS1 meters" in str(refusal.value)
    assert "approximate SMETS2 meters" in str(refusal.value)


def test_zero_meters_is_an_answer(organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, smets1_meter_count=0, smets2_meter_count=0
    )
    submitted = intake.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    assert submitted.submitted_at is not None


def test_the_check_page_and_the_form_say_the_counts_are_needed(
    client, organisation, preparer, submitter
):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, smets2_meter_count=None
    )
    client.force_login(submitter)
    check = client.get(reverse("notifications:check", args=[draft.pk])).content.decode()
    assert "Approximate SMETS2 meters" in check
    assert "Submit to the SSC" not in check
    form = client.get(reverse("notifications:edit", args=[draft.pk])).content.decode()
    assert "Needed to submit. An approximate number is fine; 0 if none." in form


# --- The thresholds are changed in the admin, with history --------------------------------------


def test_secas_changes_a_threshold_in_the_admin_and_the_case_page_follows(
    client, srp_submitted, secas
):
    client.force_login(secas)
    url = reverse("admin:assessments_triagesettings_change", args=[1])
    data = form_data(client.get(url).content.decode(), form_id="triagesettings_form")
    data["srp_assessment_recent_months"] = "6"
    data["_save"] = "Save"
    response = client.post(url, postable(data))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TriageSettings.current().history.first().history_user == secas
    assert "rule srp_assessment_old, threshold 6 months" in case_page(client, srp_submitted)


def test_the_admin_shows_srp_coverage_without_letting_it_be_typed(client, srp_submitted, secas):
    client.force_login(secas)
    url = reverse("admin:notifications_usersystem_change", args=[srp_submitted.user_system.pk])
    page = client.get(url).content.decode()
    assert "Not yet confirmed" in page
    assert 'name="srp_coverage"' not in page
