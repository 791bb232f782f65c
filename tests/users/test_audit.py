import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from users.models import SecurityEvent
from users.security import record_event


def test_the_audit_trail_is_append_only(secas):
    event = record_event(SecurityEvent.Kind.EXPORT, actor=secas, summary="Exported")
    event.summary = "Tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.filter(pk=event.pk).update(summary="Tampered")
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().delete()
    assert SecurityEvent.objects.get(pk=event.pk).summary == "Exported"


def test_no_admin_page_can_add_change_or_delete_events(client, secas, db):
    from django.contrib.auth import get_user_model

    event = record_event(SecurityEvent.Kind.EXPORT, actor=secas, summary="Exported")
    superuser = get_user_model().objects.create_superuser(
        "root@example.org", "x" * 20, full_name="Root"
    )
    client.force_login(superuser)
    assert client.get(reverse("admin:users_securityevent_changelist")).status_code == 200
    assert client.get(reverse("admin:users_securityevent_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:users_securityevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    change = client.post(
        reverse("admin:users_securityevent_change", args=[event.pk]), {"summary": "x"}
    )
    assert change.status_code in {200, 403}
    assert SecurityEvent.objects.get(pk=event.pk).summary == "Exported"


def test_secas_reads_and_filters_the_trail(client, secas, submitter):
    record_event(SecurityEvent.Kind.DOWNLOAD, actor=submitter, summary="Downloaded a file")
    record_event(SecurityEvent.Kind.EXPORT, actor=secas, summary="Exported a table")
    client.force_login(secas)
    page = client.get(reverse("users:audit") + "?kind=download").content.decode()
    assert "Downloaded a file" in page
    assert "Exported a table" not in page
    by_person = client.get(reverse("users:audit") + f"?who={submitter.email[:6]}").content.decode()
    assert "Downloaded a file" in by_person
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert (
        "No events match."
        in client.get(reverse("users:audit") + f"?since={tomorrow}").content.decode()
    )


def test_the_trail_exports_as_csv_and_the_export_is_itself_recorded(client, secas):
    record_event(SecurityEvent.Kind.DOWNLOAD, actor=secas, summary="Downloaded a file")
    client.force_login(secas)
    response = client.get(reverse("users:audit") + "?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    assert "Downloaded a file" in b"".join(response.streaming_content).decode()
    assert SecurityEvent.objects.filter(kind="export", summary__contains="audit trail").exists()


@pytest.mark.parametrize("who", ["ssc_member", "submitter", "org_admin"])
def test_only_secas_reads_the_trail(request, client, db, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("users:audit")).status_code == 404


def test_the_trail_records_what_the_issue_lists(
    client, submitter, org_admin, preparer, under_review, ssc_member, meeting, secas
):
    from assessments.services import decide
    from users.models import Membership
    from users.services import change_membership

    client.post(reverse("login"), {"username": submitter.email, "password": "nope"})
    change_membership(
        membership=Membership.objects.get(user=preparer),
        by=org_admin,
        role="submitter",
        is_active=True,
    )
    decide(
        notification=under_review,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Assessed provider.",
        meeting=meeting,
    )
    client.force_login(secas)
    client.get(reverse("secas:export", args=["assessments"]))
    kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
    assert {"sign_in_failed", "role_change", "decision", "export", "sign_in"} <= kinds
    role_change = SecurityEvent.objects.get(kind="role_change")
    assert "Preparer, active → Submitter, active" in role_change.summary
    assert role_change.organisation == under_review.organisation


def test_a_formula_typed_at_sign_in_is_defused_in_the_csv(client, secas):
    client.post(reverse("login"), {"username": '=HYPERLINK("http://x")', "password": "x"})
    client.force_login(secas)
    response = client.get(reverse("users:audit") + "?format=csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body


def test_access_changed_in_the_admin_is_recorded(client, db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tests import factories

    # Someone with no place at a User: a User's staff cannot be made SECAS while there.
    submitter = factories.UserFactory()

    superuser = get_user_model().objects.create_superuser(
        "root@example.org", "x" * 20, full_name="Root"
    )
    client.force_login(superuser)
    secas_group = Group.objects.get(name="SECAS staff")
    response = client.post(
        reverse("admin:users_user_change", args=[submitter.pk]),
        {
            "email": submitter.email,
            "full_name": submitter.full_name,
            "is_active": "on",
            "is_staff": "on",
            "groups": [secas_group.pk],
            "date_joined_0": "01/01/2026",
            "date_joined_1": "10:00:00",
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = SecurityEvent.objects.get(kind="role_change")
    assert "no groups; is_active → SECAS staff; is_active, is_staff" in event.summary


def test_a_membership_changed_in_the_admin_is_recorded(client, db, preparer, organisation):
    from django.contrib.auth import get_user_model

    from users.models import Membership

    superuser = get_user_model().objects.create_superuser(
        "root@example.org", "x" * 20, full_name="Root"
    )
    client.force_login(superuser)
    membership = Membership.objects.get(user=preparer)
    client.post(
        reverse("admin:users_membership_change", args=[membership.pk]),
        {"user": preparer.pk, "organisation": organisation.pk, "role": "admin", "is_active": "on"},
    )
    event = SecurityEvent.objects.get(kind="role_change")
    # The admin goes through the membership service, which writes the same entry as the site.
    assert "Preparer, active → Organisation admin, active" in event.summary
    assert event.actor == superuser


def test_setting_a_password_from_a_link_and_calendar_addresses_are_recorded(client, submitter):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    url = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(submitter.pk)),
            "token": default_token_generator.make_token(submitter),
        },
    )
    form_page = client.get(url, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "another-long-passphrase-9",
            "new_password2": "another-long-passphrase-9",
        },
    )
    assert SecurityEvent.objects.filter(kind="password_changed", actor=submitter).exists()
    client.force_login(type(submitter).objects.get(pk=submitter.pk))
    client.post(reverse("feeds:create"))
    client.post(reverse("feeds:rotate"))
    client.post(reverse("feeds:revoke"))
    assert SecurityEvent.objects.filter(kind="calendar_address", actor=submitter).count() == 3


def test_the_recorded_address_is_the_socket_unless_behind_our_proxy(settings, rf):
    from users.security import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7", REMOTE_ADDR="10.0.0.1")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.1"
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "10.0.0.7"
