import datetime

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from tests import factories
from users.models import SECAS_STAFF_GROUP, SSC_MEMBERS_GROUP, Membership, User, UserRole
from users.policy import administers, conflicted_with, prepares_for, submits_for


def test_people_sign_in_with_their_email_in_any_case(db):
    User.objects.create_user("Alex.Jones@Example.org", "correct-horse-battery", full_name="Alex")
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(
        request, username="alex.jones@example.org", password="correct-horse-battery"
    )
    assert authenticate(
        request, username="ALEX.JONES@EXAMPLE.ORG", password="correct-horse-battery"
    )
    assert authenticate(request, username="alex.jones@example.org", password="wrong") is None


def test_the_staff_groups_are_created_with_their_permissions(db):
    secas = set(
        Group.objects.get(name=SECAS_STAFF_GROUP).permissions.values_list("codename", flat=True)
    )
    ssc = set(
        Group.objects.get(name=SSC_MEMBERS_GROUP).permissions.values_list("codename", flat=True)
    )
    assert {"triage_notification", "manage_assessment", "close_notification"} <= secas
    assert "decide_notification" not in secas
    assert {"decide_notification", "request_information"} <= ssc
    assert "triage_notification" not in ssc
    assert "manage_assessment" not in ssc


def test_all_seven_user_roles_are_seeded(db):
    assert UserRole.objects.count() == 7
    assert UserRole.objects.filter(name="Registered Supplier Agent").exists()


@pytest.mark.parametrize(
    ("role", "can_submit", "can_administer"),
    [
        (Membership.Role.PREPARER, False, False),
        (Membership.Role.SUBMITTER, True, False),
        (Membership.Role.ADMIN, True, True),
    ],
)
def test_membership_roles_are_cumulative(organisation, role, can_submit, can_administer):
    person = factories.MembershipFactory(organisation=organisation, role=role).user
    assert prepares_for(person, organisation) is True
    assert submits_for(person, organisation) is can_submit
    assert administers(person, organisation) is can_administer


def test_a_deactivated_membership_gives_no_rights(organisation):
    membership = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.ADMIN, is_active=False
    )
    assert prepares_for(membership.user, organisation) is False


def test_membership_of_one_organisation_gives_nothing_in_another(submitter, other_organisation):
    assert prepares_for(submitter, other_organisation) is False


def test_a_withdrawn_conflict_no_longer_applies(organisation, conflicted_member):
    from django.utils import timezone

    assert conflicted_with(conflicted_member, organisation) is True
    conflicted_member.conflicts_of_interest.update(withdrawn_at=timezone.now())
    fresh = User.objects.get(pk=conflicted_member.pk)
    assert conflicted_with(fresh, organisation) is False


def test_only_one_open_conflict_per_member_and_organisation(organisation, conflicted_member):
    with pytest.raises(IntegrityError), transaction.atomic():
        conflicted_member.conflicts_of_interest.create(organisation=organisation, reason="Again")


def test_an_organisation_is_small_at_250000_smart_metering_systems_and_large_above(db):
    assert factories.OrganisationFactory(smart_metering_systems_count=250_000).is_large is False
    assert factories.OrganisationFactory(smart_metering_systems_count=250_001).is_large is True


def test_the_boundary_is_a_setting(db, settings):
    settings.SMALL_PARTY_MAX_SMART_METERING_SYSTEMS = 100_000
    assert factories.OrganisationFactory(smart_metering_systems_count=100_001).is_large is True


def test_domestic_premises_no_longer_decide_the_size(db):
    organisation = factories.OrganisationFactory(domestic_premises_count=3_000_000)
    assert organisation.is_large is False


def test_an_unrecorded_size_follows_the_party_category(db):
    large = factories.OrganisationFactory(party_category="large_supplier")
    small = factories.OrganisationFactory(party_category="gas_network")
    assert (large.size, small.size) == ("large", "small")
    assert large.size_summary == ("Size not recorded: taken as large from the party category")


def test_a_recorded_count_overrides_the_category(db):
    organisation = factories.OrganisationFactory(
        party_category="large_supplier",
        smart_metering_systems_count=120_000,
        smart_metering_systems_counted_date=datetime.date(2026, 3, 1),
    )
    assert organisation.size_summary == (
        "120,000 Smart Metering Systems, counted 01/03/2026: small (at most 250,000)"
    )
