"""Data migrations meet the data production holds (issue 9's migrations)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("users", "0007_calendar_address_event")]
AFTER = [("users", "0008_invitations_need_acceptance")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_accounts_differing_only_in_capitals_stop_the_migration_with_what_to_merge():
    old = migrate(BEFORE)
    User = old.get_model("users", "User")
    User.objects.create(email="Jane.Smith@example.org", full_name="Jane Smith", password="!")
    User.objects.create(email="jane.smith@example.org", full_name="Jane Smith", password="!")
    try:
        with pytest.raises(RuntimeError, match=r"jane\.smith@example\.org.*Merge or rename"):
            migrate(AFTER)
        User.objects.filter(email="Jane.Smith@example.org").delete()
        migrate(AFTER)  # once merged, it goes through
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


BEFORE_CHAIR = [("users", "0013_size_triage")]
AFTER_CHAIR = [("users", "0014_chair")]


def _person(old, email, *groups, is_active=True):
    User, Group = old.get_model("users", "User"), old.get_model("auth", "Group")
    person = User.objects.create(
        email=email, full_name=email.split("@")[0].title(), password="!", is_active=is_active
    )
    for name in groups:
        User.groups.through.objects.create(
            # Created if an earlier transactional test flushed the groups the migrations made.
            user_id=person.pk,
            group_id=Group.objects.get_or_create(name=name)[0].pk,
        )
    return person


def _chair_after_upgrade():
    new = migrate(AFTER_CHAIR)
    offices = new.get_model("users", "CommitteeOffices").objects.get(pk=1)
    reason = (
        new.get_model("users", "HistoricalCommitteeOffices").objects.get().history_change_reason
    )
    assert not new.get_model("auth", "Group").objects.filter(name="SSC chair").exists()
    assert offices.deputy_id is None
    return offices.chair_id, reason


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_chair_groups_one_active_ssc_member_becomes_the_chair_and_back_again():
    try:
        old = migrate(BEFORE_CHAIR)
        chair = _person(old, "chair@example.org", "SSC members", "SSC chair")
        _person(old, "left@example.org", "SSC chair")  # in the group, no longer on the SSC
        _person(old, "gone@example.org", "SSC members", "SSC chair", is_active=False)
        chair_id, reason = _chair_after_upgrade()
        assert chair_id == chair.pk
        assert reason == "Taken from the SSC chair group, whose one active SSC member this was"
        # SECAS may now change it, as on the chair page.
        secas = migrate(AFTER_CHAIR).get_model("auth", "Group").objects.get(name="SECAS staff")
        assert {"view_committeeoffices", "change_committeeoffices"} <= set(
            secas.permissions.values_list("codename", flat=True)
        )
        # Going back puts the chair in the group again.
        back = migrate(BEFORE_CHAIR)
        group = back.get_model("auth", "Group").objects.get(name="SSC chair")
        members = back.get_model("users", "User").objects.filter(groups=group)
        assert list(members.values_list("pk", flat=True)) == [chair.pk]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_several_or_no_chairs_in_the_group_leave_the_office_empty_saying_why():
    try:
        old = migrate(BEFORE_CHAIR)
        _person(old, "first@example.org", "SSC members", "SSC chair")
        _person(old, "second@example.org", "SSC members", "SSC chair")
        assert _chair_after_upgrade() == (
            None,
            "No chair recorded: the SSC chair group had several active SSC members",
        )
        old = migrate(BEFORE_CHAIR)  # the group comes back empty: nobody was recorded
        _person(old, "inactive@example.org", "SSC members", "SSC chair", is_active=False)
        assert _chair_after_upgrade() == (
            None,
            "No chair recorded: the SSC chair group had no active SSC member",
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
