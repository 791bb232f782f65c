"""The API's committee lists read a page through an index, not by sorting every submitted
notification (issue 10: 21 ms of SQL at 10,000 notifications before the index, growing with
the history). PostgreSQL only: the plan is its planner's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.assessments.test_bounded_pages import bulk_cases

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_newest_submitted_notifications_are_read_from_their_index(
    api_as, secas, organisation, preparer
):
    bulk_cases(3000, organisation, preparer)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
    with CaptureQueriesContext(connection) as queries:
        response = api_as(secas).get("/notifications")
    assert response.status_code == 200
    assert response.json()["count"] == 3000
    listing = next(
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "notifications_notification"' in query["sql"] and " LIMIT " in query["sql"]
    )
    plan = plan_of(listing)
    assert "notification_sent_created" in plan, plan
    assert "Sort" not in plan, plan
