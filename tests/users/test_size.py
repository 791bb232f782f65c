"""The Smart Metering System count in the register: kept by SECAS, with history (issue 12)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.html_forms import form_data, postable
from users import services


def test_secas_records_the_count_and_its_date_with_history(organisation, secas):
    saved = services.record_smart_metering_systems(
        organisation=organisation, by=secas, count=312_000, counted_date=datetime.date(2026, 3, 1)
    )
    assert (saved.smart_metering_systems_count, saved.is_large) == (312_000, True)
    latest = organisation.history.first()
    assert latest.history_user == secas
    assert latest.history_change_reason == "Smart Metering Systems: 312,000 counted on 01/03/2026"


@pytest.mark.parametrize(
    ("count", "days_ahead", "message"),
    [(-1, 0, "cannot be negative"), (10, 1, "cannot be dated in the future")],
)
def test_a_negative_or_future_count_is_refused(organisation, secas, count, days_ahead, message):
    when = timezone.localdate() + datetime.timedelta(days=days_ahead)
    with pytest.raises(services.RegisterChangeRefused, match=message):
        services.record_smart_metering_systems(
            organisation=organisation, by=secas, count=count, counted_date=when
        )
    organisation.refresh_from_db()
    assert organisation.smart_metering_systems_count is None


def test_an_organisation_admin_cannot_record_their_own_size(organisation, org_admin):
    with pytest.raises(services.RegisterChangeRefused, match="Only SECAS"):
        services.record_smart_metering_systems(
            organisation=organisation,
            by=org_admin,
            count=1,
            counted_date=datetime.date(2026, 1, 1),
        )


def test_the_admin_saves_the_count_through_the_service(client, organisation, secas):
    client.force_login(secas)
    url = reverse("admin:users_organisation_change", args=[organisation.pk])
    data = form_data(client.get(url).content.decode(), form_id="organisation_form")
    data["smart_metering_systems_count"] = "260000"
    data["smart_metering_systems_counted_date"] = "2026-02-01"
    response = client.post(url, postable(data))
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation.refresh_from_db()
    assert organisation.smart_metering_systems_count == 260_000
    assert organisation.history.first().history_change_reason.startswith(
        "Smart Metering Systems: 260,000"
    )


def test_the_admin_refuses_a_count_without_its_date(client, organisation, secas):
    client.force_login(secas)
    url = reverse("admin:users_organisation_change", args=[organisation.pk])
    data = form_data(client.get(url).content.decode(), form_id="organisation_form")
    data["smart_metering_systems_count"] = "260000"
    data["contact_name"] = "Changed with it"
    response = client.post(url, postable(data), follow=True)
    assert "date it was counted" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.smart_metering_systems_count is None
    assert organisation.contact_name != "Changed with it"
