import datetime

import pytest

from assessments.models import AssessmentCycleRule, annual_review_due_date


@pytest.mark.parametrize(
    ("fieldwork_end", "due"),
    [
        (datetime.date(2026, 3, 31), datetime.date(2027, 3, 31)),
        # Across the year end.
        (datetime.date(2026, 12, 31), datetime.date(2027, 12, 31)),
        # A leap day falls back to 28 February, never into March.
        (datetime.date(2028, 2, 29), datetime.date(2029, 2, 28)),
        # Across the clock change: dates, not instants, so no hour is lost.
        (datetime.date(2026, 10, 25), datetime.date(2027, 10, 25)),
        (datetime.date(2026, 3, 29), datetime.date(2027, 3, 29)),
    ],
)
def test_the_annual_review_is_due_twelve_months_after_fieldwork_ends(fieldwork_end, due):
    assert annual_review_due_date(fieldwork_end) == due


def test_the_cycle_matrix_is_seeded_for_every_party_category_and_year(db):
    from users.models import PartyCategory

    rows = set(AssessmentCycleRule.objects.values_list("party_category", "cycle_year", "kind"))
    assert len(rows) == len(PartyCategory.values) * 3
    assert ("large_supplier", 2, "fusa") in rows
    assert ("small_supplier", 2, "vusa") in rows
    assert ("other", 3, "ussa") in rows


def test_a_meeting_is_quorate_only_with_enough_attendees(db):
    from tests import factories

    meeting = factories.SSCMeetingFactory(quorum=2, attendees=[])
    meeting.attendees.add(factories.ssc_user())
    assert meeting.is_quorate is False
    meeting.attendees.add(factories.ssc_user())
    assert meeting.is_quorate is True
