from django.urls import reverse

from notifications.services import submit_notification


def test_the_home_page_invites_anonymous_visitors_to_sign_in(client, db):
    page = client.get(reverse("home")).content.decode()
    assert "Sign in" in page
    assert "Notifications by state" not in page


def test_sign_in_with_email_and_password_lands_on_home(client, submitter):
    response = client.post(
        reverse("login"),
        {"username": submitter.email.upper(), "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_wrong_password_says_so_in_plain_english(client, submitter):
    response = client.post(reverse("login"), {"username": submitter.email, "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_user_staff_see_only_their_own_organisations_notifications(
    client, draft, submitter, other_submitter
):
    client.force_login(submitter)
    assert draft.reference in client.get(reverse("home")).content.decode()
    client.force_login(other_submitter)
    assert draft.reference not in client.get(reverse("home")).content.decode()


def test_secas_sees_counts_per_state_but_never_drafts(client, draft, secas, organisation):
    from tests import factories

    client.force_login(secas)
    assert (
        "No notifications have been submitted yet." in client.get(reverse("home")).content.decode()
    )

    other = factories.NotificationFactory(organisation=organisation, created_by=draft.created_by)
    submitter = factories.MembershipFactory(organisation=organisation, role="submitter").user
    submit_notification(notification=other, by=submitter, declaration_accepted=True)
    page = client.get(reverse("home")).content.decode()
    assert '<td>Submitted</td><td class="text-end">1</td>' in page
    assert "<td>Draft</td>" not in page
