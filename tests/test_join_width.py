"""The suite's request guards: no query joining more tables than PostgreSQL plans quickly, and
no deferred column read row by row (issue 10). tests/conftest.py applies both to every request
of a test client; these tests show that each guard can fail."""

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from assessments import appeals
from assessments.models import Appeal
from notifications.models import Notification
from tests import factories
from tests.deferred_loads import deferred_loads_recorded, repeated
from tests.join_width import MAX_JOINS, joins_in, wide_joins_recorded


def wide_view(request):
    list(
        Appeal.objects.select_related(
            "organisation",
            "lodged_by",
            "decision__notification",
            "assessment_decision__assessment__notification",
        )
    )
    return HttpResponse("ok", content_type="text/plain")


def row_by_row_view(request):
    names = [str(case.system_name) for case in Notification.objects.only("reference", "state")]
    return HttpResponse(", ".join(names), content_type="text/plain")


def wide_stream_view(request):
    def rows():
        yield "header\n"
        wide_view(request)
        yield "row\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")


urlpatterns = [
    path("wide/", wide_view),
    path("row-by-row/", row_by_row_view),
    path("wide-stream/", wide_stream_view),
]


def test_joins_are_counted_outside_quoted_values():
    sql = (
        'SELECT * FROM "a" INNER JOIN "b" ON ("a"."b_id" = "b"."id") '
        'LEFT OUTER JOIN "c" ON ("b"."c_id" = "c"."id") WHERE "a"."name" = \'LEFT JOIN it\''
    )
    assert joins_in(sql) == 2


@pytest.mark.django_db
def test_a_query_joining_too_many_tables_is_recorded_and_a_narrow_one_is_not():
    with wide_joins_recorded() as found:
        list(appeals._appeals())
    assert found == []
    with wide_joins_recorded() as found:
        wide_view(None)
    assert len(found) == 1
    assert joins_in(found[0]) > MAX_JOINS


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_page_joining_too_many_tables_fails_its_test(client):
    with pytest.raises(AssertionError, match="more than 5 joins"):
        client.get("/wide/")


@pytest.mark.django_db
def test_a_deferred_column_is_counted_each_time_it_is_loaded(organisation, preparer):
    factories.NotificationFactory.create_batch(2, organisation=organisation, created_by=preparer)
    with deferred_loads_recorded() as loads:
        cases = list(Notification.objects.only("reference", "state"))
        cases[0].system_name  # noqa: B018  # one row's deferred column: one query
    assert repeated(loads) == []
    with deferred_loads_recorded() as loads:
        for case in Notification.objects.only("reference", "state"):
            case.system_name  # noqa: B018
    assert repeated(loads) == ["notifications.Notification.system_name loaded 2 times"]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_page_reading_a_deferred_column_row_by_row_fails_its_test(client, organisation, preparer):
    factories.NotificationFactory.create_batch(2, organisation=organisation, created_by=preparer)
    with pytest.raises(AssertionError, match="reads a deferred column row by row"):
        client.get("/row-by-row/")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_streamed_body_joining_too_many_tables_fails_as_it_is_read(client):
    response = client.get("/wide-stream/")
    assert response.status_code == 200
    with pytest.raises(AssertionError, match=r"/wide-stream/ \(streamed\) has a query of more"):
        b"".join(response.streaming_content)
