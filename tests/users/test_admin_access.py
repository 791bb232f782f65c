"""Issue 11, part 2: a person's access (account flags and groups) changes in the admin only
through the access service, which refuses what its rules refuse."""

from django.contrib.auth.models import Group
from django.urls import reverse

from tests import factories
from tests.html_forms import form_data, postable
from users.models import SSC_MEMBERS_GROUP, SecurityEvent, User


def change_page(person) -> str:
    return reverse("admin:users_user_change", args=[person.pk])


def post_access(client, person, **changes):
    """Send the person's admin form as the page shows it, with `changes` made."""
    data = form_data(client.get(change_page(person)).content.decode(), form_id="user_form")
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data.setlist(name, value if isinstance(value, list) else [value])
    data["_save"] = "Save"
    return client.post(change_page(person), postable(data))


def ssc_group() -> Group:
    return Group.objects.get(name=SSC_MEMBERS_GROUP)


def test_secas_appoints_an_ssc_member_through_the_access_service(client, secas):
    person = factories.UserFactory(full_name="New Member")
    client.force_login(secas)
    response = post_access(client, person, groups=[str(ssc_group().pk)])
    assert response.status_code == 302
    assert list(User.objects.get(pk=person.pk).groups.all()) == [ssc_group()]
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGE)
    assert event.actor == secas
    assert "changed New Member's access: no groups; is_active → SSC members; is_active" in (
        event.summary
    )


def test_secas_cannot_make_anyone_a_superuser(client, secas):
    person = factories.UserFactory()
    client.force_login(secas)
    page = client.get(change_page(person)).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    post_access(client, person, is_superuser="on", full_name="Renamed")
    person.refresh_from_db()
    assert not person.is_superuser
    assert person.full_name == "Renamed"  # the rest of the form still saves


def test_a_superuser_may_make_someone_a_superuser(client):
    root = factories.UserFactory(is_staff=True, is_superuser=True)
    person = factories.UserFactory()
    client.force_login(root)
    response = post_access(client, person, is_superuser="on")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_superuser


def test_no_one_changes_their_own_access_in_the_admin(client, secas):
    client.force_login(secas)
    response = post_access(client, secas, groups=[str(ssc_group().pk)])
    assert response.status_code == 200  # shown again with the reason
    assert "You cannot change your own access" in response.content.decode()
    assert ssc_group() not in secas.groups.all()


def test_a_users_staff_member_is_not_made_an_ssc_member_while_they_work_there(
    client, secas, submitter, organisation
):
    client.force_login(secas)
    response = post_access(client, submitter, groups=[str(ssc_group().pk)])
    assert response.status_code == 200
    assert f"{submitter} still has a place at {organisation}." in response.content.decode()
    assert not submitter.groups.exists()
    response = post_access(client, submitter, is_staff="on")
    assert "still has a place at" in response.content.decode()
    submitter.refresh_from_db()
    assert not submitter.is_staff


def test_secas_cannot_edit_a_superusers_account(client, secas):
    root = factories.UserFactory(is_staff=True, is_superuser=True, full_name="Root Person")
    client.force_login(secas)
    response = post_access(client, root, full_name="Taken Over")
    assert response.status_code == 403
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "an0ther-Long-passw0rd", "password2": "an0ther-Long-passw0rd"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.full_name == "Root Person"
    assert root.check_password("an0ther-Long-passw0rd") is False


def test_secas_cannot_set_a_colleagues_password_or_email(client, secas):
    colleague = factories.secas_user(full_name="Colleague", email="colleague@example.org")
    client.force_login(secas)
    page = client.get(change_page(colleague)).content.decode()
    assert 'name="email"' not in page  # their sign-in address is not SECAS's to change
    response = client.post(
        reverse("admin:auth_user_password_change", args=[colleague.pk]),
        {"password1": "an0ther-Long-passw0rd", "password2": "an0ther-Long-passw0rd"},
    )
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert not colleague.check_password("an0ther-Long-passw0rd")
    # A User's staff member's details are SECAS's to correct.
    person = factories.UserFactory()
    assert 'name="email"' in client.get(change_page(person)).content.decode()
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "an0ther-Long-passw0rd", "password2": "an0ther-Long-passw0rd"},
    )
    assert response.status_code == 302
