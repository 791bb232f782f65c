"""Issue 11, part 2: in the admin, memberships change only through the membership service, so
its rules (an organisation keeps one admin; committee accounts never join a User) hold there too.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests import factories
from tests.html_forms import form_data, postable
from users.models import SSC_MEMBERS_GROUP, Membership, SecurityEvent


def change_page(membership) -> str:
    return reverse("admin:users_membership_change", args=[membership.pk])


def post_change(client, membership, **changes):
    """Send the admin's change form as the page shows it, with `changes` typed in."""
    url = change_page(membership)
    data = form_data(client.get(url).content.decode(), form_id="membership_form")
    data.update(changes)
    if changes.get("is_active") is False:
        data.pop("is_active")
    return client.post(url, postable(data), follow=True)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_admin_refuses_to_demote_the_last_admin_of_an_organisation(
    client, secas, org_admin, organisation
):
    membership = Membership.objects.get(user=org_admin)
    client.force_login(secas)
    response = post_change(client, membership, role=Membership.Role.PREPARER)

    assert response.redirect_chain[-1][0] == change_page(membership)
    assert (
        f"Nothing was changed: {org_admin} is the only admin of {organisation}. Make someone "
        "else an admin first." in shown_messages(response)
    )
    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLE_CHANGE).exists()


def test_the_admin_refuses_to_deactivate_the_last_admin_of_an_organisation(
    client, secas, org_admin, organisation
):
    membership = Membership.objects.get(user=org_admin)
    client.force_login(secas)
    response = post_change(client, membership, is_active=False)

    assert any("is the only admin of" in message for message in shown_messages(response))
    membership.refresh_from_db()
    assert membership.is_active
    assert membership.history.count() == 1  # only its creation: the refused change left none


def test_a_normal_role_change_in_the_admin_still_works_and_is_recorded(
    client, secas, org_admin, preparer, organisation
):
    membership = Membership.objects.get(user=preparer)
    client.force_login(secas)
    response = post_change(client, membership, role=Membership.Role.ADMIN)

    assert response.redirect_chain[-1][0] == reverse("admin:users_membership_changelist")
    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGE)
    assert event.actor == secas
    assert "Preparer, active → Organisation admin, active" in event.summary

    # With a second admin, the first may now step down.
    first = Membership.objects.get(user=org_admin)
    post_change(client, first, role=Membership.Role.SUBMITTER)
    first.refresh_from_db()
    assert first.role == Membership.Role.SUBMITTER


def test_secas_may_restore_access_in_the_admin(client, secas, submitter):
    membership = Membership.objects.get(user=submitter)
    membership.is_active = False
    membership.save()
    client.force_login(secas)
    post_change(client, membership, is_active="on")
    membership.refresh_from_db()
    assert membership.is_active


def test_access_is_not_restored_to_someone_who_has_since_joined_the_committee(
    client, secas, submitter, organisation
):
    membership = Membership.objects.get(user=submitter)
    membership.is_active = False
    membership.save()
    submitter.groups.add(Group.objects.get(name=SSC_MEMBERS_GROUP))
    client.force_login(secas)
    response = post_change(client, membership, is_active="on")
    assert (
        f"Nothing was changed: {submitter} cannot be given access to {organisation} again: SSC, "
        "SECAS and admin-site accounts, and closed accounts, are never members of a User."
        in shown_messages(response)
    )
    membership.refresh_from_db()
    assert not membership.is_active


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (Membership.Invitation.PENDING, "has not accepted the invitation yet"),
        (Membership.Invitation.DECLINED, "declined the invitation, so they have no place"),
        (Membership.Invitation.WITHDRAWN, "The invitation to "),
    ],
)
def test_an_unaccepted_invitation_cannot_be_changed_in_the_admin_and_says_why(
    client, secas, organisation, answer, said
):
    invited = factories.MembershipFactory(
        organisation=organisation, invitation=answer, is_active=False
    )
    client.force_login(secas)
    response = post_change(client, invited, role=Membership.Role.ADMIN)
    refusal = next(message for message in shown_messages(response) if said in message)
    assert "below" not in refusal  # the admin has no invitation form below
    if answer != Membership.Invitation.PENDING:
        assert refusal.endswith(
            "The organisation's admin can invite them again from its staff page."
        )
    invited.refresh_from_db()
    assert invited.role != Membership.Role.ADMIN


def test_the_person_and_organisation_of_a_membership_cannot_be_changed_in_the_admin(
    client, secas, org_admin, other_organisation
):
    membership = Membership.objects.get(user=org_admin)
    client.force_login(secas)
    page = client.get(change_page(membership)).content.decode()
    assert 'name="organisation"' not in page
    assert 'name="user"' not in page
    # Sending them anyway moves nothing: the last admin stays where they are.
    post_change(client, membership, organisation=str(other_organisation.pk))
    membership.refresh_from_db()
    assert membership.organisation != other_organisation


def test_the_organisation_page_lists_its_people_read_only(client, secas, org_admin, organisation):
    client.force_login(secas)
    url = reverse("admin:users_organisation_change", args=[organisation.pk])
    page = client.get(url).content.decode()
    assert str(org_admin) in page
    assert 'name="memberships-0-role"' not in page
    assert change_page(Membership.objects.get(user=org_admin)) in page


def test_adding_a_person_in_the_admin_goes_through_the_service(client, secas, organisation):
    person = factories.UserFactory(full_name="Nell New")
    client.force_login(secas)
    response = client.post(
        reverse("admin:users_membership_add"),
        {
            "user": person.pk,
            "organisation": organisation.pk,
            "role": "submitter",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    membership = Membership.objects.get(user=person)
    assert membership.role == Membership.Role.SUBMITTER
    assert membership.is_active
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.ROLE_CHANGE, summary__contains="added Nell New"
    ).exists()


def test_the_admin_refuses_to_add_an_ssc_member_to_a_user_organisation(
    client, secas, ssc_member, organisation
):
    client.force_login(secas)
    response = client.post(
        reverse("admin:users_membership_add"),
        {
            "user": ssc_member.pk,
            "organisation": organisation.pk,
            "role": "admin",
            "is_active": "on",
        },
        follow=True,
    )
    assert any("cannot join Northwind Energy Ltd" in m for m in shown_messages(response))
    assert not Membership.objects.filter(user=ssc_member).exists()
