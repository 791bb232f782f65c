import datetime
import re
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from assessments import triage
from assessments.models import Decision
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
        "Provided by an SRP assessed 4 months ago, Approved → suggests no assessment until "
        "the annual review"
    )


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
