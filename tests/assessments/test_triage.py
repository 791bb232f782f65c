import datetime
import re
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from assessments import triage
from assessments.models import Decision, TriageSettings
from assessments.selectors import SizeOutlook
from notifications.models import SrpCoverage, UserSystem
from tests import factories

TODAY = datetime.date(2026, 11, 27)
ASSESS = Decision.Outcome.ASSESSMENT_REQUIRED
NO = Decision.Outcome.NO_ASSESSMENT


def facts(notification, **overrides):
    values = {
        "notification": notification,
        "today": TODAY,
        "organisation_assurance": None,
        "next_annual_review_date": None,
        "next_meeting_date": None,
        "system_ever_assessed": False,
    } | overrides
    return triage.CaseFacts(**values)


def codes(suggestion):
    return [finding.code for finding in suggestion.findings]


@pytest.fixture
def srp_case(organisation, preparer):
    provider = factories.SharedResourceProviderFactory(
        name="Helix Ltd",
        latest_assessment_date=TODAY - relativedelta(months=4),
        latest_assessment_outcome="approved",
    )
    return factories.NotificationFactory(
        organisation=organisation, created_by=preparer, delivery_model="srp", provider=provider
    )


def test_an_srp_assessed_four_months_ago_and_approved_suggests_no_assessment(srp_case):
    suggestion = triage.suggest(facts(srp_case))
    assert suggestion.outcome == NO
    assert codes(suggestion) == ["srp_recently_assessed"]
    assert suggestion.findings[0].reason == (
        "Provided by an SRP assessed 4 months ago, Approved; whether it covered this service is "
        "not yet confirmed → suggests no assessment until the annual review"
    )
    assert suggestion.findings[0].source == "rule srp_recently_assessed, threshold 12 months"


def test_an_srp_assessed_over_a_year_ago_suggests_an_assessment(srp_case):
    srp_case.provider.latest_assessment_date = TODAY - relativedelta(months=13)
    suggestion = triage.suggest(facts(srp_case))
    assert (suggestion.outcome, codes(suggestion)) == (ASSESS, ["srp_assessment_old"])


def test_an_srp_never_assessed_suggests_an_assessment(srp_case):
    srp_case.provider.latest_assessment_date = None
    assert codes(triage.suggest(facts(srp_case))) == ["srp_never_assessed"]


@pytest.mark.parametrize("outcome", ["deferred", "rejected"])
def test_an_srp_deferred_or_rejected_suggests_an_assessment(srp_case, outcome):
    srp_case.provider.latest_assessment_outcome = outcome
    suggestion = triage.suggest(facts(srp_case))
    assert (suggestion.outcome, codes(suggestion)) == (ASSESS, ["srp_assessed_at_risk"])


def test_in_house_and_never_assessed_suggests_an_assessment(draft):
    suggestion = triage.suggest(facts(draft))
    assert (suggestion.outcome, codes(suggestion)) == (ASSESS, ["in_house_never_assessed"])
    assert suggestion.findings[0].reason == "In-house and never assessed → suggests an assessment"


def test_an_in_house_system_already_assessed_gives_no_suggestion(draft):
    suggestion = triage.suggest(facts(draft, system_ever_assessed=True))
    assert (suggestion.outcome, codes(suggestion)) == ("", [])
    assert suggestion.label == "No suggestion"


def test_an_unassessed_third_party_suggests_an_assessment(draft):
    draft.delivery_model = "third_party"
    draft.third_party_name = "Acme Hosting"
    assert codes(triage.suggest(facts(draft))) == ["third_party_unassessed"]


@pytest.mark.parametrize("field", ["same_isms_scope", "same_controls"])
def test_outside_the_isms_or_controls_suggests_an_assessment(srp_case, field):
    setattr(srp_case, field, False)
    suggestion = triage.suggest(facts(srp_case))
    assert suggestion.outcome == ASSESS
    assert "outside_isms_or_controls" in codes(suggestion)


def test_declared_non_compliances_suggest_an_assessment(srp_case):
    srp_case.has_known_non_compliances = True
    srp_case.known_non_compliances = "Privileged access reviews are quarterly, not monthly."
    suggestion = triage.suggest(facts(srp_case))
    assert "known_non_compliances" in codes(suggestion)
    assert suggestion.outcome == ASSESS


@pytest.mark.parametrize("words", ["None known.", "N/A", "No non-compliances."])
def test_an_answer_of_no_is_never_read_as_a_non_compliance(srp_case, words):
    srp_case.has_known_non_compliances = False
    srp_case.known_non_compliances = words
    suggestion = triage.suggest(facts(srp_case))
    assert "known_non_compliances" not in codes(suggestion)
    assert suggestion.outcome == NO


def test_details_from_before_the_question_are_shown_for_confirmation_not_guessed(srp_case):
    srp_case.has_known_non_compliances = None
    srp_case.known_non_compliances = "None known."
    suggestion = triage.suggest(facts(srp_case))
    assert "non_compliance_unconfirmed" in codes(suggestion)
    assert "known_non_compliances" not in codes(suggestion)
    assert suggestion.outcome == NO


def test_an_organisation_deferred_suggests_an_assessment(srp_case):
    record = factories.AssuranceRecordFactory(organisation=srp_case.organisation, status="deferred")
    suggestion = triage.suggest(facts(srp_case, organisation_assurance=record))
    assert suggestion.outcome == ASSESS
    assert "organisation_assurance_at_risk" in codes(suggestion)


def test_an_annual_review_within_90_days_points_away_from_an_assessment(draft):
    suggestion = triage.suggest(
        facts(
            draft,
            system_ever_assessed=True,
            next_annual_review_date=TODAY + datetime.timedelta(days=30),
        )
    )
    assert (suggestion.outcome, codes(suggestion)) == (NO, ["annual_review_soon"])


def test_late_notice_and_go_live_before_the_next_meeting_are_indicators(draft):
    draft.is_late = True
    draft.planned_go_live_date = TODAY + datetime.timedelta(days=3)
    suggestion = triage.suggest(
        facts(
            draft, system_ever_assessed=True, next_meeting_date=TODAY + datetime.timedelta(days=10)
        )
    )
    assert suggestion.outcome == ""
    assert codes(suggestion) == ["late_notification", "go_live_before_next_meeting"]


def test_any_finding_for_an_assessment_outweighs_findings_against(srp_case):
    srp_case.same_controls = False
    suggestion = triage.suggest(facts(srp_case))
    assert {f.suggests for f in suggestion.findings} == {ASSESS, NO}
    assert suggestion.outcome == ASSESS


def test_the_documentation_lists_every_rule_and_only_those():
    document = (Path(__file__).resolve().parents[2] / "docs" / "TRIAGE_RULES.md").read_text()
    documented = re.findall(r"^\| `([a-z_0-9]+)` \|", document, flags=re.MULTILINE)
    assert documented == triage.RULE_CODES


def test_facts_for_carries_the_case_context(draft):
    record = factories.AssuranceRecordFactory(
        organisation=draft.organisation, fieldwork_end_date=datetime.date(2026, 3, 31)
    )
    case_facts = triage.facts_for(
        draft,
        organisation_assurance=record,
        next_annual_review_date=record.next_annual_review_date,
        next_meeting_date=None,
        system_ever_assessed=False,
    )
    assert case_facts.next_annual_review_date == datetime.date(2027, 3, 31)
    assert case_facts.today == timezone.localdate()


# --- Issue 12: thresholds as data, SRP coverage, the size boundary ----------------------------


def test_the_srp_threshold_comes_from_the_triage_settings(srp_case):
    thresholds = TriageSettings(srp_assessment_recent_months=3)
    suggestion = triage.suggest(facts(srp_case, thresholds=thresholds))
    assert codes(suggestion) == ["srp_assessment_old"]
    assert suggestion.findings[0].source == "rule srp_assessment_old, threshold 3 months"


def test_the_annual_review_soon_threshold_comes_from_the_triage_settings(draft):
    due = TODAY + datetime.timedelta(days=30)
    values = {"system_ever_assessed": True, "next_annual_review_date": due}
    narrow = TriageSettings(annual_review_soon_days=20)
    assert codes(triage.suggest(facts(draft, thresholds=narrow, **values))) == []
    wide = triage.suggest(
        facts(draft, thresholds=TriageSettings(annual_review_soon_days=30), **values)
    )
    assert [f.source for f in wide.findings] == ["rule annual_review_soon, threshold 30 days"]


def test_facts_for_reads_the_thresholds_secas_set(draft):
    TriageSettings.objects.update_or_create(pk=1, defaults={"srp_assessment_recent_months": 6})
    case_facts = triage.facts_for(
        draft,
        organisation_assurance=None,
        next_annual_review_date=None,
        next_meeting_date=None,
        system_ever_assessed=False,
    )
    assert case_facts.settings.srp_assessment_recent_months == 6


def _with_coverage(srp_case, coverage, note="Helix report 2026, section 4"):
    srp_case.user_system = UserSystem.objects.create(
        organisation=srp_case.organisation,
        name="Helix portal",
        delivery_model="srp",
        provider=srp_case.provider,
        srp_coverage=coverage,
        srp_coverage_note=note,
    )
    return srp_case


def test_an_srp_assessment_that_did_not_cover_the_service_suggests_an_assessment(srp_case):
    suggestion = triage.suggest(facts(_with_coverage(srp_case, SrpCoverage.NOT_COVERED)))
    assert (suggestion.outcome, codes(suggestion)) == (ASSESS, ["srp_service_not_covered"])
    assert "Helix report 2026, section 4" in suggestion.findings[0].reason


def test_a_covered_service_suggests_no_assessment(srp_case):
    suggestion = triage.suggest(facts(_with_coverage(srp_case, SrpCoverage.COVERED)))
    assert (suggestion.outcome, codes(suggestion)) == (NO, ["srp_service_covered"])


def test_a_covered_service_with_an_old_srp_assessment_is_an_indicator_only(srp_case):
    srp_case.provider.latest_assessment_date = TODAY - relativedelta(months=14)
    suggestion = triage.suggest(facts(_with_coverage(srp_case, SrpCoverage.COVERED)))
    assert (suggestion.outcome, codes(suggestion)) == ("", ["srp_service_covered_but_old"])


def test_coverage_does_not_outweigh_a_rejected_srp(srp_case):
    srp_case.provider.latest_assessment_outcome = "rejected"
    suggestion = triage.suggest(facts(_with_coverage(srp_case, SrpCoverage.COVERED)))
    assert codes(suggestion) == ["srp_assessed_at_risk"]


def test_crossing_the_size_boundary_names_the_values_and_the_change(draft):
    organisation = draft.organisation
    organisation.smart_metering_systems_count = 240_000
    draft.smets1_meter_count, draft.smets2_meter_count = 12_000, 60_000
    outlook = SizeOutlook(
        organisation=organisation,
        notified_meters=72_000,
        boundary=250_000,
        cycle_year=2,
        kind_now="VUSA",
        kind_if_large="FUSA",
        review_is_open=False,
    )
    suggestion = triage.suggest(facts(draft, system_ever_assessed=True, size_outlook=outlook))
    assert codes(suggestion) == ["crosses_size_boundary"]
    assert suggestion.outcome == ""
    assert suggestion.findings[0].reason == (
        "72,000 Smart Metering Systems would take Northwind Energy Ltd from 240,000 to 312,000 "
        "Smart Metering Systems, over the 250,000 boundary: next annual review (year 2) "
        "VUSA → FUSA; SECAS to update the count in the register"
    )


def test_staying_under_the_boundary_is_not_flagged(draft):
    draft.organisation.smart_metering_systems_count = 200_000
    outlook = SizeOutlook(draft.organisation, 50_000, 250_000, 2, "VUSA", "FUSA", False)
    assert outlook.total == 250_000
    suggestion = triage.suggest(facts(draft, system_ever_assessed=True, size_outlook=outlook))
    assert codes(suggestion) == []
