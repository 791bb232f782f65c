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

    rows = set(
        AssessmentCycleRule.objects.values_list("party_category", "size", "cycle_year", "kind")
    )
    assert len(rows) == len(PartyCategory.values) * 2 * 3
    assert ("large_supplier", "large", 2, "fusa") in rows
    assert ("small_supplier", "small", 2, "vusa") in rows
    assert ("small_supplier", "large", 2, "fusa") in rows
    assert ("other", "large", 3, "ussa") in rows


def test_a_meeting_is_quorate_only_with_enough_attendees(db):
    from tests import factories

    meeting = factories.SSCMeetingFactory(quorum=2, attendees=[])
    meeting.attendees.add(factories.ssc_user())
    assert meeting.is_quorate is False
    meeting.attendees.add(factories.ssc_user())
    assert meeting.is_quorate is True


# --- Issue 11: each domain word once -----------------------------------------------------------


def test_open_overdue_and_completed_mean_the_same_in_a_query_and_on_a_row(organisation):
    from assessments.models import Assessment, AssessmentState
    from tests import factories

    today = datetime.date(2026, 6, 1)
    rows = {
        "late": Assessment.objects.create(
            organisation=organisation, kind="fusa", due_date=today - datetime.timedelta(days=1)
        ),
        "due today": Assessment.objects.create(
            organisation=organisation, kind="fusa", due_date=today
        ),
        "g8_13 late": Assessment.objects.create(
            organisation=organisation,
            kind="fusa",
            reason="g8_13",
            counts_as_annual_review=False,
            notification=factories.NotificationFactory(organisation=organisation),
            due_date=today - datetime.timedelta(days=30),
        ),
    }
    done = Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        due_date=today - datetime.timedelta(days=90),
        assurance_status="approved",
    )
    Assessment.objects.filter(pk=done.pk).update(state=AssessmentState.COMPLETED)
    rows["completed long ago"] = Assessment.objects.get(pk=done.pk)

    def names(queryset):
        return {name for name, row in rows.items() if queryset.filter(pk=row.pk).exists()}

    assert names(Assessment.objects.open()) == {"late", "due today", "g8_13 late"}
    assert names(Assessment.objects.completed()) == {"completed long ago"}
    assert names(Assessment.objects.overdue(today)) == {"late", "g8_13 late"}
    assert names(Assessment.objects.annual_reviews().open()) == {"late", "due today"}
    for name, row in rows.items():
        assert row.is_open == (name in names(Assessment.objects.open())), name
        assert row.is_completed == (not row.is_open), name
        assert row.is_overdue_on(today) == (name in names(Assessment.objects.overdue(today))), name
        assert row.is_annual_review == (name in names(Assessment.objects.annual_reviews())), name


def test_the_next_annual_review_has_one_answer_before_and_after_it_is_opened(organisation):
    from assessments.models import Assessment
    from assessments.selectors import next_annual_review_due
    from assessments.services import next_annual_review
    from tests import factories

    factories.AssuranceRecordFactory(
        organisation=organisation,
        kind="fusa",
        cycle_year=1,
        fieldwork_end_date=datetime.date(2026, 3, 31),
    )
    # A targeted G8.13 record never restarts the clock.
    factories.AssuranceRecordFactory(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        fieldwork_end_date=datetime.date(2026, 9, 30),
    )
    assert next_annual_review_due(organisation) == datetime.date(2027, 3, 31)
    review = next_annual_review(organisation)
    assert review.due_date == datetime.date(2027, 3, 31)
    assert review.cycle_year == 2
    assert next_annual_review(organisation) == review  # opened once
    # Once open, SECAS's correction of its date is the answer everywhere.
    Assessment.objects.filter(pk=review.pk).update(due_date=datetime.date(2027, 2, 28))
    assert next_annual_review_due(organisation) == datetime.date(2027, 2, 28)
