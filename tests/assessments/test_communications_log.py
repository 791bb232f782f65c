"""An organisation's communications log: newest first by when each email was written, a page at
a time, read from an index rather than by sorting all the organisation's emails (issue 10: the
log's cost grew 2.8 times from 1,000 to 100,000 notifications)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.services import EmailAbout, save_emails
from sscportal.mail.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db


def about(organisation, when: datetime.datetime) -> EmailAbout:
    subject = f"Update written {timezone.localtime(when):%d/%m/%Y %H:%M}"
    email = OutboundEmail(kind="update", to=["it@example.org"], subject=subject, created_at=when)
    return EmailAbout(email, organisation=organisation)


def emails_about(organisation, written_at: list[datetime.datetime]) -> list[OutboundEmail]:
    return save_emails([about(organisation, when) for when in written_at])


def log_url(organisation, **query) -> str:
    url = reverse("secas:organisation_communications", args=[organisation.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def subjects_on(client, url) -> list[str]:
    return re.findall(r"<td>(Update written [^<]+)</td>", client.get(url).content.decode())


def test_the_log_is_newest_first_by_when_each_email_was_written(client, secas, organisation):
    now = timezone.now().replace(second=0, microsecond=0)
    # Written in an order other than their times (an import, a backdated seed): the time rules.
    times = [now - datetime.timedelta(days=days) for days in (5, 1, 30, 2)]
    emails_about(organisation, times)
    emails_about(factories.OrganisationFactory(), [now])  # another organisation's: not shown
    client.force_login(secas)
    assert subjects_on(client, log_url(organisation)) == [
        f"Update written {timezone.localtime(when):%d/%m/%Y %H:%M}"
        for when in sorted(times, reverse=True)
    ]


def test_the_log_pages_without_counting_the_whole_history(client, secas, organisation):
    now = timezone.now().replace(second=0, microsecond=0)
    emails_about(organisation, [now - datetime.timedelta(hours=hour) for hour in range(260)])
    client.force_login(secas)
    first = client.get(log_url(organisation)).content.decode()
    # 50 a page, counted four pages ahead (251 rows at most) from page 1.
    assert "Page 1 of 6 or more" in first
    last = subjects_on(client, log_url(organisation, page=6))
    assert len(last) == 10
    oldest = timezone.localtime(now - datetime.timedelta(hours=259))
    assert last[-1] == f"Update written {oldest:%d/%m/%Y %H:%M}"


@pytest.mark.postgres
def test_the_logs_page_is_read_from_the_organisations_index(client, secas, organisation):
    others = [factories.OrganisationFactory() for _ in range(3)]
    now = timezone.now()
    save_emails(
        [
            about(owner, now - datetime.timedelta(minutes=index))
            for index, owner in enumerate([organisation, *others] * 750)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_organisationemail")
        cursor.execute("ANALYZE notifications_outboundemail")
    client.force_login(secas)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(log_url(organisation)).status_code == 200
    listing = next(
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "notifications_outboundemail"' in query["sql"] and " LIMIT 50" in query["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {listing}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "organisation_email_newest" in plan, plan
    assert "Sort" not in plan, plan
