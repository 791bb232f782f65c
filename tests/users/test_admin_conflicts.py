"""Issue 11, part 2: conflicts of interest are recorded and withdrawn in the admin only through
the conflicts service: SSC members only, audited, with their history."""

from django.urls import reverse

from tests import factories
from users.models import ConflictOfInterest, SecurityEvent


def add_conflict(client, member, organisation, reason="Employed by this party until May"):
    return client.post(
        reverse("admin:users_conflictofinterest_add"),
        {"member": member.pk, "organisation": organisation.pk, "reason": reason},
        follow=True,
    )


def test_secas_records_a_conflict_through_the_service(client, secas, ssc_member, organisation):
    client.force_login(secas)
    response = add_conflict(client, ssc_member, organisation)
    assert response.status_code == 200
    conflict = ConflictOfInterest.objects.get(member=ssc_member, organisation=organisation)
    assert conflict.history.first().history_user == secas
    assert conflict.history.first().history_change_reason == "Conflict declared"
    assert SecurityEvent.objects.filter(
        actor=secas, summary__contains=f"recorded {ssc_member}'s conflict of interest"
    ).exists()


def test_the_admin_refuses_a_conflict_for_someone_not_on_the_ssc(
    client, secas, submitter, organisation
):
    client.force_login(secas)
    response = add_conflict(client, submitter, organisation)
    assert (
        f"{submitter} is not an SSC member: conflicts are recorded for SSC members only."
        in response.content.decode()
    )
    assert not ConflictOfInterest.objects.exists()


def test_the_admin_refuses_a_second_open_conflict_with_the_same_organisation(
    client, secas, ssc_member, organisation
):
    client.force_login(secas)
    add_conflict(client, ssc_member, organisation)
    response = add_conflict(client, ssc_member, organisation, reason="Again")
    assert "conflict with" in response.content.decode()
    assert "is already recorded." in response.content.decode()
    assert ConflictOfInterest.objects.count() == 1


def test_a_recorded_conflict_is_not_edited_and_is_withdrawn_by_the_action(
    client, secas, ssc_member, organisation
):
    client.force_login(secas)
    add_conflict(client, ssc_member, organisation)
    conflict = ConflictOfInterest.objects.get()
    change = reverse("admin:users_conflictofinterest_change", args=[conflict.pk])
    assert 'name="reason"' not in client.get(change).content.decode()
    response = client.post(change, {"reason": "Changed behind the service", "_save": "Save"})
    assert response.status_code == 403  # the page is read only, its Save refused
    conflict.refresh_from_db()
    assert conflict.reason == "Employed by this party until May"

    response = client.post(
        reverse("admin:users_conflictofinterest_changelist"),
        {"action": "withdraw", "_selected_action": [conflict.pk]},
        follow=True,
    )
    assert "1 conflict of interest withdrawn: that member can see that organisation" in (
        response.content.decode()
    )
    conflict.refresh_from_db()
    assert conflict.withdrawn_at is not None
    assert conflict.history.first().history_change_reason == "Conflict withdrawn"
    # The member sees the organisation's cases again.
    fresh = type(ssc_member).objects.get(pk=ssc_member.pk)
    assert organisation.pk not in fresh.conflicted_organisation_ids


def test_an_ssc_member_cannot_record_conflicts(client, ssc_member, organisation):
    other = factories.ssc_user()
    client.force_login(ssc_member)
    response = add_conflict(client, other, organisation)
    assert response.status_code == 403
    assert not ConflictOfInterest.objects.exists()


def test_the_register_history_lists_conflicts(client, secas, ssc_member, organisation):
    client.force_login(secas)
    add_conflict(client, ssc_member, organisation)
    page = client.get(reverse("secas:register_history"), {"register": "conflicts"})
    assert f"{ssc_member.full_name} and {organisation.name}" in page.content.decode()
