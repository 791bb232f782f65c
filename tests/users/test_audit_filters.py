"""The audit trail's filters, used as SECAS uses them: read the form, fill it in, submit, and read
the events the page (and its CSV download) then holds."""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from tests.html_forms import forms_in
from users.models import SecurityEvent
from users.security import record_event

LONDON = zoneinfo.ZoneInfo("Europe/London")
REFUSED = "The filters were not applied: please correct the one marked below."
K = SecurityEvent.Kind


@pytest.fixture
def trail(secas, submitter):
    """Three events on three days, by two people, of two kinds."""
    made = {}
    for name, day, kind, actor in [
        ("march", datetime.date(2026, 3, 2), K.DOWNLOAD, submitter),
        ("april", datetime.date(2026, 4, 15), K.EXPORT, secas),
        ("may", datetime.date(2026, 5, 20), K.DOWNLOAD, secas),
    ]:
        # Just after midnight in London (still the day before in UTC): the UK date counts.
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(0, 30), LONDON)):
            made[name] = record_event(kind, actor=actor, summary=f"Event in {name}")
    return made


@pytest.fixture
def audit_url():
    return reverse("users:audit")


def filter_form(html: str):
    (form,) = [f for f in forms_in(html) if f.attrs.get("aria-label") == "Filter the audit trail"]
    return form


def submitted_values(html: str) -> dict[str, str]:
    return dict(filter_form(html).fields)


def shown(html: str, trail: dict) -> set[str]:
    return {name for name in trail if f"Event in {name}<" in html}


def csv_summaries(response, trail) -> set[str]:
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    return {name for name in trail for row in rows if row["Summary"] == f"Event in {name}"}


def test_the_form_offers_the_trails_filters(client, secas, audit_url):
    client.force_login(secas)
    html = client.get(audit_url).content.decode()

    assert submitted_values(html) == {"kind": "", "who": "", "since": "", "until": ""}
    for label in ["Event", "Person (email contains)", "From", "To"]:
        assert f">{label}</label>" in html
    assert '<option value="" selected>Any event</option>' in html
    assert '<option value="download">File downloaded</option>' in html
    assert re.search(r'<input type="date" name="since"', html)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("kind", "download", {"march", "may"}),
        ("kind", "export", {"april"}),
        ("since", "2026-04-15", {"april", "may"}),
        ("until", "2026-04-15", {"march", "april"}),
        # Typed the UK way where a browser has no date picker.
        ("since", "15/04/2026", {"april", "may"}),
        ("until", "02/03/2026", {"march"}),
    ],
)
def test_each_filter_filled_in_on_the_form_narrows_the_trail(
    client, secas, trail, audit_url, field, value, expected
):
    client.force_login(secas)
    data = submitted_values(client.get(audit_url).content.decode()) | {field: value}

    page = client.get(audit_url, data).content.decode()

    assert shown(page, trail) == expected
    assert REFUSED not in page


def test_the_person_filter_matches_part_of_an_email(client, secas, submitter, trail, audit_url):
    client.force_login(secas)
    data = submitted_values(client.get(audit_url).content.decode())
    typed = submitter.email.split("@")[0].upper() + "@"

    page = client.get(audit_url, data | {"who": typed}).content.decode()

    assert shown(page, trail) == {"march"}
    assert submitted_values(page)["who"] == typed


def test_filters_combine_and_the_form_keeps_them(client, secas, trail, audit_url):
    client.force_login(secas)
    data = {"kind": "download", "who": "", "since": "2026-04-01", "until": "2026-06-30"}

    page = client.get(audit_url, data).content.decode()

    assert shown(page, trail) == {"may"}
    assert submitted_values(page) == data


def test_the_download_link_exports_what_the_page_shows(client, secas, trail, audit_url):
    client.force_login(secas)
    page = client.get(audit_url, {"kind": "download", "since": "2026-04-01"}).content.decode()
    link = re.search(r'href="(\?[^"]*format=csv)"', page).group(1).replace("&amp;", "&")

    response = client.get(audit_url + link)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_summaries(response, trail) == {"may"}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=31/02/2026", "since", "Enter a real date, for example 27/03/2027."),
        ("since=2026-02-31", "since", "Enter a real date, for example 27/03/2027."),
        ("until=yesterday", "until", "Enter a real date, for example 27/03/2027."),
        ("kind=evil", "kind", "“evil” is not one of the events: choose one from the list."),
        ("kind=download&until=32/01/2026", "until", "Enter a real date"),
        ("who=" + "x" * 300, "who", "at most 254 characters"),
    ],
)
def test_a_bad_filter_is_explained_and_the_whole_trail_shown(
    client, secas, trail, audit_url, query, field, message
):
    client.force_login(secas)

    response = client.get(f"{audit_url}?{query}")

    page = response.content.decode()
    assert response.status_code == 200
    assert REFUSED in page
    error = re.search(rf'id="id_{field}_error">(.*?)</div></div>', page, re.S).group(1)
    assert message in error
    assert shown(page, trail) == {"march", "april", "may"}


def test_a_download_with_a_bad_filter_explains_instead_of_exporting_everything(
    client, secas, trail, audit_url
):
    client.force_login(secas)

    response = client.get(audit_url, {"kind": "download", "since": "31/02/2026", "format": "csv"})

    assert not response.streaming
    assert response["Content-Type"].startswith("text/html")
    assert "Nothing was downloaded." in response.content.decode()
    assert (
        not SecurityEvent.objects.filter(kind=K.EXPORT, actor=secas)
        .exclude(pk=trail["april"].pk)
        .exists()
    )


def test_dates_in_the_wrong_order_show_nothing_rather_than_fail(client, secas, trail, audit_url):
    client.force_login(secas)
    page = client.get(audit_url, {"since": "2026-05-01", "until": "2026-03-01"}).content.decode()
    assert "No events match." in page
