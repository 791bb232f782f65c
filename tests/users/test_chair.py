"""Issue 14, part 1: one SSC chair and one deputy, kept by SECAS; who acts as chair on a case."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests import factories
from tests.html_forms import form_data, postable
from users import services
from users.models import CommitteeOffices, SecurityEvent, User
from users.policy import allows, is_ssc_chair
from users.selectors import acting_chair, chair_for, committee_offices, conflicted_for_both


@pytest.fixture
def chair(db):
    return factories.ssc_user(full_name="Margaret Chair")


@pytest.fixture
def deputy(db):
    return factories.ssc_user(full_name="Dana Deputy")


# --- Recording the chair and deputy ----------------------------------------------------------


def test_secas_records_the_chair_and_deputy_with_history_and_an_audit_entry(secas, chair, deputy):
    offices, changed = services.record_committee_offices(chair=chair, deputy=deputy, by=secas)
    assert changed
    assert (offices.chair, offices.deputy) == (chair, deputy)
    latest = CommitteeOffices.objects.get().history.first()
    assert (latest.chair_id, latest.deputy_id, latest.history_user) == (chair.pk, deputy.pk, secas)
    assert latest.history_change_reason == "SSC chair and deputy recorded"
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGE)
    assert event.actor == secas
    assert event.summary == (
        "Sam Secas recorded the SSC chair and deputy: chair nobody, deputy nobody → "
        "chair Margaret Chair, deputy Dana Deputy"
    )


def test_recording_the_same_people_again_changes_nothing(secas, chair, deputy):
    services.record_committee_offices(chair=chair, deputy=deputy, by=secas)
    rows = CommitteeOffices.history.count()
    _, changed = services.record_committee_offices(chair=chair, deputy=deputy, by=secas)
    assert not changed
    assert CommitteeOffices.history.count() == rows


def test_either_office_may_be_left_empty(secas, chair, deputy):
    services.record_committee_offices(chair=chair, deputy=deputy, by=secas)
    offices, _ = services.record_committee_offices(chair=None, deputy=deputy, by=secas)
    assert (offices.chair, offices.deputy) == (None, deputy)


def test_the_chair_and_deputy_must_be_two_people(secas, chair):
    with pytest.raises(services.ChairChangeRefused) as refusal:
        services.record_committee_offices(chair=chair, deputy=chair, by=secas)
    assert str(refusal.value) == (
        "Margaret Chair cannot be both the chair and the deputy chair: choose someone else as "
        "deputy, or leave the deputy empty."
    )
    assert refusal.value.field == "deputy"
    assert committee_offices().chair is None


def test_only_an_active_ssc_member_can_hold_either_office(secas, chair, organisation):
    outsider = factories.UserFactory(full_name="Olive Outsider")
    with pytest.raises(services.ChairChangeRefused, match="Olive Outsider cannot be the chair: "):
        services.record_committee_offices(chair=outsider, deputy=None, by=secas)
    inactive = factories.ssc_user(full_name="Ida Inactive", is_active=False)
    with pytest.raises(services.ChairChangeRefused) as refusal:
        services.record_committee_offices(chair=chair, deputy=inactive, by=secas)
    assert str(refusal.value) == (
        "Ida Inactive cannot be the deputy chair: only an active SSC member can. Choose another "
        "member, or add them to the SSC in the admin first."
    )
    assert refusal.value.field == "deputy"


@pytest.mark.parametrize("who", ["ssc_member", "submitter"])
def test_only_secas_may_record_them(request, who, chair):
    person = request.getfixturevalue(who)
    with pytest.raises(services.ChairChangeRefused, match="Only SECAS can record"):
        services.record_committee_offices(chair=chair, deputy=None, by=person)
    assert not allows(person, "users.record_chair")


def test_the_database_refuses_the_same_person_in_both_offices_and_a_second_row(chair):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeOffices.objects.filter(pk=1).update(chair=chair, deputy=chair)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeOffices.objects.create(pk=2)


def test_the_record_is_made_when_missing(secas, chair):
    CommitteeOffices.objects.all().delete()
    assert committee_offices().chair is None  # nothing recorded reads as nobody
    offices, _ = services.record_committee_offices(chair=chair, deputy=None, by=secas)
    assert offices.pk == 1
    assert CommitteeOffices.objects.get().chair == chair


# --- Who acts as chair -------------------------------------------------------------------------


def test_the_chair_acts_when_free_of_conflicts(chair, deputy, organisation):
    factories.record_offices(chair=chair, deputy=deputy)
    assert acting_chair(organisation) == chair
    assert acting_chair() == chair
    assert chair_for(organisation).is_deputy is False


def test_the_deputy_acts_where_the_chair_is_conflicted(chair, deputy, organisation):
    chair.conflicts_of_interest.create(organisation=organisation, reason="Consultant")
    factories.record_offices(chair=chair, deputy=deputy)
    acting = chair_for(organisation)
    assert (acting.person, acting.is_deputy) == (deputy, True)
    assert acting.why == (
        f"the chair, Margaret Chair, has a conflict of interest with {organisation.name}"
    )
    assert acting_chair() == chair  # in general the chair still acts


def test_nobody_acts_where_both_are_conflicted(chair, deputy, organisation, other_organisation):
    for person in (chair, deputy):
        person.conflicts_of_interest.create(organisation=organisation, reason="Consultant")
    factories.record_offices(chair=chair, deputy=deputy)
    acting = chair_for(organisation)
    assert acting.person is None
    assert acting.is_missing
    assert acting.why == (
        f"the chair, Margaret Chair, has a conflict of interest with {organisation.name}, and "
        f"the deputy chair, Dana Deputy, has a conflict of interest with {organisation.name}"
    )
    assert acting_chair(other_organisation) == chair
    assert conflicted_for_both(committee_offices()) == {organisation.pk}


def test_the_deputy_stands_in_for_a_vacant_chair_or_one_who_left_the_ssc(chair, deputy):
    factories.record_offices(chair=None, deputy=deputy)
    assert acting_chair() == deputy
    factories.record_offices(chair=chair, deputy=deputy)
    chair.groups.clear()
    acting = chair_for()
    assert acting.person == deputy
    assert acting.why == "the chair, Margaret Chair, is no longer an active SSC member"


def test_nobody_acts_when_nobody_is_recorded(db):
    factories.record_offices()
    acting = chair_for()
    assert acting.person is None
    assert acting.why == "no chair is recorded, and no deputy chair is recorded"
    assert conflicted_for_both(committee_offices()) == frozenset()


def test_working_for_the_organisation_is_a_conflict_too(chair, deputy, organisation):
    factories.record_offices(chair=chair, deputy=deputy)
    factories.MembershipFactory(user=deputy, organisation=organisation)
    chair.conflicts_of_interest.create(organisation=organisation, reason="Consultant")
    assert acting_chair(organisation) is None


def test_the_policy_reads_the_record_for_the_chair(chair, deputy, organisation):
    factories.record_offices(chair=chair, deputy=deputy)
    assert is_ssc_chair(chair)
    assert not is_ssc_chair(deputy)
    chair.groups.clear()
    assert not is_ssc_chair(User.objects.get(pk=chair.pk))  # recorded, but left the SSC


# --- The admin ---------------------------------------------------------------------------------


def test_secas_records_them_in_the_admin_through_the_service(client, secas, chair, deputy):
    client.force_login(secas)
    url = reverse("admin:users_committeeoffices_change", args=[1])
    data = form_data(client.get(url).content.decode(), form_id="committeeoffices_form")
    data.update(chair=str(chair.pk), deputy=str(deputy.pk), _save="Save")
    response = client.post(url, postable(data))
    assert response.status_code == 302
    assert committee_offices().chair == chair
    assert CommitteeOffices.history.first().history_user == secas


def test_the_admin_refuses_the_same_person_twice_with_the_reason(client, secas, chair):
    client.force_login(secas)
    url = reverse("admin:users_committeeoffices_change", args=[1])
    data = form_data(client.get(url).content.decode(), form_id="committeeoffices_form")
    data.update(chair=str(chair.pk), deputy=str(chair.pk), _save="Save")
    response = client.post(url, postable(data))
    assert response.status_code == 200
    assert "cannot be both the chair and the deputy chair" in response.content.decode()
    assert committee_offices().chair is None


def test_the_admin_never_deletes_or_adds_a_second_record(client, secas):
    client.force_login(secas)
    assert client.get(reverse("admin:users_committeeoffices_add")).status_code == 403
    assert client.get(reverse("admin:users_committeeoffices_delete", args=[1])).status_code == 403
