"""The shared journey helper reaches the step it names, for both lifecycles."""

import pytest

from assessments.models import Assessment, AssessmentState
from tests.assessments.journey import in_days, response_received


@pytest.mark.parametrize("kind", ["fusa", "vusa", "ussa"])
def test_the_journey_reaches_the_response(kind, organisation, secas, submitter):
    assessment = Assessment.objects.create(
        organisation=organisation, kind=kind, reason="g8_13", due_date=in_days(90)
    )
    response_received(assessment, by=secas, user_by=submitter)
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.RESPONSE_RECEIVED
    assert assessment.fieldwork_end_date is not None
