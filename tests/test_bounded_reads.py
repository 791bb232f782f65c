"""No page reads a whole table: every query on a table that grows with the history is limited,
aggregated in SQL, or keyed to the objects the page shows (issue 10).

Query counts flat in data size are necessary, not sufficient: a page can run the same number of
queries and still load every row of a table. This test visits every page of the permission
matrix as each person allowed to see it and inspects the SQL itself.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_permission_matrix import (  # noqa: F401
    ANONYMOUS,
    PAGES,
    PEOPLE,
    expected_on_a_page,
    world,
)

# Tables that grow with the history of the portal.
GROWING_TABLES = {
    "notifications_notification",
    "notifications_usersystem",
    "notifications_informationrequest",
    "notifications_attachment",
    "notifications_attachmentdownload",
    "notifications_message",
    "notifications_outboundemail",
    "notifications_notificationemail",
    "users_organisationemail",
    "assessments_assessment",
    "assessments_assurancerecord",
    "assessments_decision",
    "assessments_assessmentdecision",
    "assessments_outcomeproposal",
    "assessments_agendaitem",
    "assessments_sscmeeting",
    "assessments_reminder",
    "assessments_assessmentdocument",
    "assessments_assessmentdocumentdownload",
    "assessments_panelreport",
    "users_securityevent",
    "users_organisation",
    "users_membership",
    "users_user",
    "django_fsm_log_statelog",
}
# Downloads that are the whole of something by design, and stream it.
WHOLE_BY_DESIGN = {"secas:export", "feeds:ics", "users:audit"}
AGGREGATE = re.compile(
    r"^SELECT\s+(DISTINCT\s+)?(COUNT|SUM|MAX|MIN|AVG|EXISTS)\(|\bGROUP BY\b", re.I
)
# Keyed to the objects shown, or to a group whose size is the committee's, not the history's.
# Django 5.2 writes a prefetch's key on PostgreSQL as a tuple: ("users_user"."id") IN ((2)).
KEYED = re.compile(
    r'"(id|[a-z_]+_id)"\s*(=|IN\s*\()|\("[a-z_]+"\."(id|[a-z_]+_id)"\)\s*IN\s*\(\('
    r'|"auth_group"\."name"\s*=',
    re.I,
)
FROM_TABLE = re.compile(r'\bFROM\s+"([a-z_]+)"', re.I)


def unbounded(sql: str) -> bool:
    if not sql.lstrip().upper().startswith("SELECT"):
        return False
    tables = set(FROM_TABLE.findall(sql))
    if not tables & GROWING_TABLES:
        return False
    if re.search(r"\bLIMIT\b", sql, re.I) or AGGREGATE.search(sql):
        return False
    where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""
    return not KEYED.search(where)


def test_the_check_knows_a_whole_table_from_a_page_of_it():
    assert unbounded('SELECT "notifications_notification"."id" FROM "notifications_notification"')
    assert not unbounded(
        'SELECT "notifications_notification"."id" FROM "notifications_notification" LIMIT 25'
    )
    assert not unbounded(
        'SELECT * FROM "notifications_message" WHERE "notifications_message"."notification_id" = 1'
    )
    assert not unbounded('SELECT COUNT(*) AS "__count" FROM "notifications_notification"')
    assert not unbounded(
        'SELECT "users_user"."id" FROM "users_user" WHERE ("users_user"."id") IN ((2))'
    )


@pytest.mark.django_db
def test_no_page_reads_a_whole_growing_table(world, client):  # noqa: F811
    objects, people, _ = world
    found = []
    for name, page in PAGES.items():
        if page.method != "get" or name in WHOLE_BY_DESIGN:
            continue
        url_kwargs, obj = objects[page.key]
        url = reverse(name, kwargs=url_kwargs)
        for person in PEOPLE:
            if person == ANONYMOUS or expected_on_a_page(page, people[person], obj) != 200:
                continue
            client.logout()
            client.force_login(people[person])
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)  # reads, and closes, the file
            assert response.status_code == 200, (name, person)
            for query in queries.captured_queries:
                if unbounded(query["sql"]):
                    found.append(f"{name} as {person}: {query['sql'][:300]}")
    assert not found, "Unbounded reads (limit, aggregate or key them):\n" + "\n".join(
        sorted(set(found))
    )
