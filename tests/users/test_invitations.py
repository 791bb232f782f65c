"""Invitations through the pages: nobody joins an organisation until they accept, and the
inviting admin learns nothing about whose address it was."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from tests import factories
from users.models import Membership, SecurityEvent, User
from users.policy import administers, prepares_for, submits_for


def invite(client, organisation, email, role="admin", full_name="Typed Name"):
    return client.post(
        reverse("users:invite", args=[organisation.pk]),
        {"full_name": full_name, "email": email, "role": role},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def invited(client, organisation, org_admin, other_submitter, django_capture_on_commit_callbacks):
    """Another organisation's submitter, invited as an admin of ours."""
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, organisation, other_submitter.email.upper())
    client.logout()
    return Membership.objects.get(user=other_submitter, organisation=organisation)


def test_another_organisations_user_is_nothing_here_until_they_accept(
    invited, organisation, other_organisation, other_submitter
):
    person = fresh(other_submitter)
    assert not prepares_for(person, organisation)
    assert not administers(person, organisation)
    assert invited.invitation == Membership.Invitation.PENDING
    assert invited.is_active is False
    assert submits_for(person, other_organisation)  # their own place is untouched
    (email,) = mail.outbox
    assert email.to == [other_submitter.email]
    assert organisation.name in email.subject
    assert "Nothing changes until you accept" in email.body
    assert "/accounts/invitations/" in email.body
    assert "/accounts/set-password/" not in email.body
    assert SecurityEvent.objects.filter(kind="invitation", organisation=organisation).exists()


def address_of(request, kind) -> str:
    if kind == "new address":
        return "someone.new@example.org"
    return request.getfixturevalue(kind).email


KINDS = ["new address", "other_submitter", "ssc_member", "secas"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_admin_sees_the_same_answer_whatever_the_address_belongs_to(
    request, client, organisation, org_admin, kind
):
    email = address_of(request, kind)
    person = User.objects.filter(email=email).first()
    client.force_login(org_admin)
    response = invite(client, organisation, email.upper(), role="submitter")
    assert messages_of(response) == [
        f"Invitation to {email} as Submitter recorded; the email is on its way. They join "
        f"{organisation.name} when they accept it."
    ]
    row = re.search(
        rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(email)}(?:(?!</tr>).)*</tr>",
        response.content.decode(),
        re.S,
    ).group(0)
    assert "Typed Name" in row
    assert "Invited, waiting for them to accept" in row
    if person is not None:
        assert person.full_name not in response.content.decode()
    # Inviting again is a reminder, with the same answer.
    again = invite(client, organisation, email, role="submitter")
    assert messages_of(again) == messages_of(response)


@pytest.mark.parametrize("kind", ["ssc_member", "secas"])
def test_committee_and_secretariat_accounts_cannot_join_by_invitation(
    request, client, organisation, org_admin, kind, django_capture_on_commit_callbacks
):
    person = request.getfixturevalue(kind)
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, organisation, person.email)
    membership = Membership.objects.get(user=person, organisation=organisation)
    (email,) = mail.outbox
    assert "cannot be added to a User organisation" in email.body
    assert "/accounts/invitations/" not in email.body

    client.force_login(person)
    page = client.get(reverse("users:invitations")).content.decode()
    assert organisation.name not in page
    response = client.post(reverse("users:invitation_accept", args=[membership.pk]))
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.is_active is False
    assert not prepares_for(fresh(person), organisation)


def test_the_invited_person_accepts_from_their_home_page(
    client, invited, organisation, org_admin, other_submitter, django_capture_on_commit_callbacks
):
    client.force_login(other_submitter)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert reverse("users:invitations") in home.content.decode()
    page = client.get(reverse("users:invitations")).content.decode()
    assert organisation.name in page
    assert "Organisation admin" in page
    assert org_admin.full_name in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("users:invitation_accept", args=[invited.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("organisation_home", args=[organisation.pk])
    assert f"You are now Organisation admin at {organisation.name}." in messages_of(response)
    assert administers(fresh(other_submitter), organisation)
    invited.refresh_from_db()
    assert invited.invitation == Membership.Invitation.ACCEPTED
    assert invited.is_active is True
    assert SecurityEvent.objects.filter(kind="invitation_accepted", actor=other_submitter).exists()
    told = mail.outbox[-1]
    assert told.to == [org_admin.email]
    assert "accepted" in told.subject
    # Answered once: the invitation no longer shows, and cannot be answered again.
    assert organisation.name not in client.get(reverse("users:invitations")).content.decode()
    again = client.post(reverse("users:invitation_decline", args=[invited.pk]))
    assert again.status_code == 404


def test_the_invited_person_may_decline(
    client, invited, organisation, org_admin, other_submitter, django_capture_on_commit_callbacks
):
    client.force_login(other_submitter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("users:invitation_decline", args=[invited.pk]), follow=True)
    assert f"You declined the invitation to join {organisation.name}." in messages_of(response)
    invited.refresh_from_db()
    assert invited.invitation == Membership.Invitation.DECLINED
    assert not prepares_for(fresh(other_submitter), organisation)
    assert SecurityEvent.objects.filter(kind="invitation_declined", actor=other_submitter).exists()
    told = mail.outbox[-1]
    assert told.to == [org_admin.email]
    assert "declined" in told.subject
    assert client.get(reverse("home")).status_code == 302  # back to their one organisation

    client.force_login(org_admin)
    page = client.get(reverse("users:staff", args=[organisation.pk])).content.decode()
    assert "Declined" in page
    invite(client, organisation, other_submitter.email)
    invited.refresh_from_db()
    assert invited.invitation == Membership.Invitation.PENDING


def test_nobody_else_can_answer_an_invitation(client, invited, submitter, org_admin):
    for person in (submitter, org_admin):
        client.force_login(person)
        for name in ("users:invitation_accept", "users:invitation_decline"):
            assert client.post(reverse(name, args=[invited.pk])).status_code == 404
    invited.refresh_from_db()
    assert invited.invitation == Membership.Invitation.PENDING


def test_the_admin_cannot_switch_a_pending_invitation_on(client, invited, organisation, org_admin):
    client.force_login(org_admin)
    prefix = f"m{invited.pk}"
    response = client.post(
        reverse("users:membership", args=[organisation.pk, invited.pk]),
        {f"{prefix}-role": "admin", f"{prefix}-is_active": "True"},
        follow=True,
    )
    assert "has not accepted the invitation yet" in response.content.decode()
    invited.refresh_from_db()
    assert invited.is_active is False
    assert invited.invitation == Membership.Invitation.PENDING


def test_a_new_colleague_chooses_a_password_then_accepts(
    client, organisation, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, organisation, "New.Person@Example.org", role="submitter")
    person = User.objects.get(email="new.person@example.org")
    assert person.has_usable_password() is False
    assert not submits_for(person, organisation)
    (invitation,) = mail.outbox
    assert invitation.to == ["new.person@example.org"]
    link = re.search(r"http://\S+/accounts/set-password/\S+/", invitation.body).group(0)
    assert "/accounts/invitations/" in invitation.body

    client.logout()
    form_page = client.get(link.split("127.0.0.1:8000", 1)[1], follow=True)
    assert "Choose your password" in form_page.content.decode()
    new_password = "a-long-new-passphrase-2026"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    signed_in = client.post(
        reverse("login"), {"username": "new.person@example.org", "password": new_password}
    )
    assert signed_in.url == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert reverse("users:invitations") in home
    membership = Membership.objects.get(user=person)
    client.post(reverse("users:invitation_accept", args=[membership.pk]))
    assert submits_for(fresh(person), organisation)


def test_a_former_member_invited_again_must_accept_again(
    client, organisation, org_admin, django_capture_on_commit_callbacks
):
    former = factories.MembershipFactory(organisation=organisation, is_active=False)
    client.force_login(org_admin)
    invite(client, organisation, former.user.email, role="preparer")
    former.refresh_from_db()
    assert former.is_active is False
    assert former.invitation == Membership.Invitation.PENDING


def test_the_admin_withdraws_an_invitation_and_it_can_no_longer_be_accepted(
    client, invited, organisation, org_admin, other_submitter
):
    client.force_login(org_admin)
    response = client.post(
        reverse("users:withdraw_invitation", args=[organisation.pk, invited.pk]), follow=True
    )
    assert any("withdrawn" in message for message in messages_of(response))
    assert "Invitation withdrawn" in response.content.decode()
    invited.refresh_from_db()
    assert invited.invitation == Membership.Invitation.WITHDRAWN
    client.force_login(other_submitter)
    client.post(reverse("users:invitation_accept", args=[invited.pk]))
    assert not prepares_for(fresh(other_submitter), organisation)
    assert SecurityEvent.objects.filter(kind="invitation_withdrawn").exists()


def test_a_deactivated_member_regains_access_only_by_accepting_a_new_invitation(
    client, organisation, org_admin
):
    former = factories.MembershipFactory(organisation=organisation, role="submitter")
    former.is_active = False
    former.save()
    client.force_login(org_admin)
    response = client.post(
        reverse("users:membership", args=[organisation.pk, former.pk]),
        {f"m{former.pk}-role": "admin", f"m{former.pk}-is_active": "True"},
        follow=True,
    )
    assert any("invite them again" in message for message in messages_of(response))
    former.refresh_from_db()
    assert (former.is_active, former.role) == (False, "submitter")
