"""Issue 11, part 8: every register change keeps its history (who, when, before → after)."""

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services as meetings
from assessments.models import AssessmentCycleRule, SSCMeeting
from notifications import services as intake
from notifications.models import SharedResourceProvider, UserSystem
from sscportal.history import BASELINE_REASON, record_baselines
from tests import factories
from tests.html_forms import form_data, postable
from users import services as staff
from users.models import Membership, Organisation

PAGE = "secas:register_history"


def page_text(client, **query) -> str:
    response = client.get(reverse(PAGE), query)
    assert response.status_code == 200
    # The page as read: tags gone, whitespace collapsed.
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_role_change_through_the_service_names_who_and_what_changed(
    client, organisation, org_admin, preparer, secas
):
    membership = Membership.objects.get(user=preparer)
    # Outside any request, as a task or command would call it.
    staff.change_membership(
        membership=membership, by=org_admin, role=Membership.Role.SUBMITTER, is_active=True
    )
    latest = membership.history.first()
    assert latest.history_user == org_admin
    assert latest.history_change_reason == "Role or access changed"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("role", "preparer", "submitter")]

    client.force_login(secas)
    page = page_text(client)
    assert f"{preparer} at Northwind Energy Ltd" in page
    assert "Role : Preparer → Submitter" in page
    assert str(org_admin) in page


def test_an_admin_edit_of_an_organisation_names_the_admin_user(client, organisation, secas):
    client.force_login(secas)
    url = reverse("admin:users_organisation_change", args=[organisation.pk])
    data = form_data(client.get(url).content.decode(), form_id="organisation_form")
    data["domestic_premises_count"] = "300000"
    data["contact_name"] = "Ada Lovelace"
    response = client.post(url, postable(data))
    assert response.status_code == 302, response.content.decode()[:2000]

    latest = organisation.history.first()
    assert latest.history_user == secas
    assert latest.domestic_premises_count == 300_000

    page = page_text(client)
    assert "Northwind Energy Ltd" in page
    assert "Domestic premises supplied : 40000 → 300000" in page
    assert "Contact name : — → Ada Lovelace" in page
    assert "Sam Secas" in page


def test_the_admin_history_is_readable_and_cannot_revert(client, organisation, secas):
    client.force_login(secas)
    organisation.contact_name = "Changed by hand"
    organisation.save()
    first = organisation.history.last()
    history_url = reverse("admin:users_organisation_history", args=[organisation.pk])
    assert "Changed by hand" in client.get(history_url).content.decode()

    version_url = reverse(
        "admin:users_organisation_simple_history", args=[organisation.pk, first.history_id]
    )
    assert client.get(version_url).status_code == 200
    data = {"name": organisation.name, "sec_party_id": "SP-9999", "party_category": "other"}
    assert client.post(version_url, data).status_code == 403
    organisation.refresh_from_db()
    assert organisation.contact_name == "Changed by hand"


def test_attendance_through_the_service_shows_who_came_and_went(client, secas, ssc_member):
    other = factories.ssc_user(full_name="Robin Member")
    meeting = meetings.create_meeting(
        by=secas,
        date=datetime.date(2026, 3, 5),
        kind=SSCMeeting.Kind.ORDINARY,
        title="March SSC",
        quorum=1,
    )
    meetings.set_attendees(meeting=meeting, by=secas, attendees=[ssc_member])
    meetings.set_attendees(meeting=meeting, by=secas, attendees=[other])

    rows = list(meeting.history.all())
    assert {row.history_user for row in rows} == {secas}
    assert rows[-1].history_change_reason == "Meeting arranged"

    client.force_login(secas)
    page = page_text(client, register="meetings")
    assert "Attendees : — → Chris Member" in page
    assert "Attendees : Chris Member → —" in page
    assert "Attendees : — → Robin Member" in page
    assert "Northwind" not in page


def test_a_withdrawn_notification_marks_its_system_not_proceeding_in_the_history(
    submitted, submitter
):
    intake.withdraw_notification(notification=submitted, by=submitter, reason="Plans changed")
    system = UserSystem.objects.get(pk=submitted.user_system_id)
    latest = system.history.first()
    assert latest.status == UserSystem.Status.NOT_PROCEEDING
    assert latest.history_user == submitter
    assert latest.history_change_reason == f"{submitted.reference} withdrawn"
    created = system.history.last()
    assert created.history_user == submitter
    assert created.history_change_reason == f"Notified under {submitted.reference}"


def test_entries_from_before_the_upgrade_still_show_their_before(client, organisation, secas):
    # As the migration finds it: an entry with no history at all.
    Organisation.history.all().delete()
    record_baselines(apps, "users", ["Organisation", "Membership"])
    baseline = organisation.history.get()
    assert baseline.history_change_reason == BASELINE_REASON
    assert baseline.history_user is None

    organisation.contact_phone = "0207 946 0000"
    organisation.save()

    client.force_login(secas)
    page = page_text(client, register="organisations")
    assert "Contact phone : — → 0207 946 0000" in page
    # The starting row is not a change, so it is not listed.
    assert BASELINE_REASON not in page
    assert page.count("Northwind Energy Ltd") == 1


@pytest.mark.parametrize("who", ["preparer", "ssc_member"])
def test_people_outside_secas_are_refused_like_on_other_secas_pages(client, request, who):
    client.force_login(request.getfixturevalue(who))
    refused = client.get(reverse("secas:dashboard")).status_code
    assert refused in (403, 404)
    assert client.get(reverse(PAGE)).status_code == refused


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _changes_in_every_register(count: int, secas) -> None:
    member = factories.ssc_user()
    provider = factories.SharedResourceProviderFactory()
    rule = AssessmentCycleRule.objects.first()
    for n in range(count):
        organisation = factories.OrganisationFactory()
        membership = factories.MembershipFactory(organisation=organisation)
        membership.role = Membership.Role.ADMIN
        membership.save()
        UserSystem.objects.create(
            organisation=organisation, name=f"System {n}", delivery_model="srp", provider=provider
        )
        provider.notes = f"Note {n}"
        provider.save()
        rule.notes = f"Reviewed {n}"
        rule.save()
        meeting = meetings.create_meeting(
            by=secas,
            date=datetime.date(2026, 4, 1),
            kind="ordinary",
            title=f"Meeting {n}",
            quorum=1,
        )
        meetings.set_attendees(meeting=meeting, by=secas, attendees=[member])


def _queries_for_the_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(PAGE)).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_however_long_the_history(
    client, secas, django_assert_max_num_queries
):
    client.force_login(secas)
    _changes_in_every_register(1, secas)
    # Every register on the page: the most a page can cost (a few queries per register).
    few = _queries_for_the_page(client)
    _changes_in_every_register(12, secas)
    assert SharedResourceProvider.history.count() > 12
    with django_assert_max_num_queries(few):
        page = client.get(reverse(PAGE)).content.decode()
    with django_assert_max_num_queries(few):
        client.get(reverse(PAGE), {"page": 3})
    assert page.count("<tr>") == 51  # a header row and 50 changes
    assert "Page 1 of" in page


def test_a_conflicted_member_cannot_read_the_history_the_admin_hides(
    client, submitted, conflicted_member
):
    system = UserSystem.objects.get(pk=submitted.user_system_id)
    client.force_login(conflicted_member)
    for url in [
        reverse("admin:notifications_usersystem_history", args=[system.pk]),
        reverse(
            "admin:notifications_usersystem_simple_history",
            args=[system.pk, system.history.first().history_id],
        ),
    ]:
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert system.name not in response.content.decode()
