"""Hostile input: every case gets a 4xx or a form error, never a 500, and changes nothing."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Decision
from notifications.models import Message, Notification, NotificationState
from users.models import Membership

S = NotificationState


def test_an_oversized_form_body_is_refused(client, submitted, submitter):
    client.force_login(submitter)
    response = client.post(
        reverse("notifications:message", args=[submitted.pk]), {"body": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_too_many_fields_are_refused(client, submitted, submitter):
    client.force_login(submitter)
    fields = {f"field{n}": "x" for n in range(1100)}
    response = client.post(reverse("notifications:message", args=[submitted.pk]), fields)
    assert response.status_code == 400


def test_a_malformed_multipart_body_is_refused(client, draft, preparer):
    client.force_login(preparer)
    response = client.generic(
        "POST",
        reverse("notifications:attachment_upload", args=[draft.pk]),
        b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\ngarbage",
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in {400, 302}
    assert not draft.attachments.exists()


def test_a_post_without_a_csrf_token_is_refused(submitted, submitter):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(submitter)
    response = browser.post(
        reverse("notifications:withdraw", args=[submitted.pk]), {"reason": "Forged"}
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


@pytest.mark.parametrize("field", ["body", "reason"])
def test_script_in_messages_and_reasons_is_stored_as_typed_and_shown_harmlessly(
    client, submitted, submitter, field
):
    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    client.force_login(submitter)
    if field == "body":
        client.post(reverse("notifications:message", args=[submitted.pk]), {"body": hostile})
    else:
        client.post(reverse("notifications:withdraw", args=[submitted.pk]), {"reason": hostile})
    page = client.get(reverse("notifications:detail", args=[submitted.pk])).content.decode()
    assert "<script>alert(2)" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_a_forged_organisation_in_the_form_is_ignored(
    client, organisation, other_organisation, preparer
):
    client.force_login(preparer)
    client.post(
        reverse("notifications:create", args=[organisation.pk]),
        {"system_name": "Mine", "organisation": other_organisation.pk, "action": "Save draft"},
    )
    assert Notification.objects.get().organisation == organisation


def test_another_organisations_ids_in_the_url_are_404(client, submitted, other_submitter):
    client.force_login(other_submitter)
    for url in [
        reverse("notifications:withdraw", args=[submitted.pk]),
        reverse("notifications:respond", args=[submitted.pk]),
        reverse("notifications:submit", args=[submitted.pk]),
    ]:
        assert client.post(url, {"reason": "x", "response": "x"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999", "abc", "1.5"])
def test_nonsense_ids_are_404(client, submitter, pk):
    client.force_login(submitter)
    assert client.get(f"/notifications/{pk}/").status_code == 404


def test_a_decision_forged_on_a_draft_is_404(client, draft, ssc_member, meeting):
    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:decide", args=[draft.pk]),
        {"outcome": "no_assessment", "rationale": "Forged", "meeting": meeting.pk},
    )
    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_a_wrong_state_step_is_refused_with_a_message(client, submitted, ssc_member, meeting):
    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:decide", args=[submitted.pk]),
        {"outcome": "no_assessment", "rationale": "Too early", "meeting": meeting.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "is not possible" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_a_replayed_decision_is_told_it_was_already_decided(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    form = {
        "outcome": "assessment_required",
        "rationale": "Never assessed.",
        "meeting": meeting.pk,
        "assessment_kind": "fusa",
        "assessment_due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }
    url = reverse("assessments:decide", args=[under_review.pk])
    client.post(url, form)
    replay = client.post(url, form, follow=True)
    assert "already decided by" in replay.content.decode()
    assert Decision.objects.count() == 1


def test_a_replayed_invitation_stays_one_pending_invitation(client, organisation, org_admin):
    client.force_login(org_admin)
    form = {"full_name": "New", "email": "new@example.org", "role": "preparer"}
    client.post(reverse("users:invite", args=[organisation.pk]), form)
    replay = client.post(reverse("users:invite", args=[organisation.pk]), form, follow=True)
    assert "Invitation to new@example.org as" in replay.content.decode()
    (membership,) = Membership.objects.filter(user__email="new@example.org")
    assert membership.is_active is False


def test_a_forged_role_value_is_refused(client, organisation, org_admin, preparer):
    membership = Membership.objects.get(user=preparer)
    client.force_login(org_admin)
    client.post(
        reverse("users:membership", args=[organisation.pk, membership.pk]),
        {f"m{membership.pk}-role": "superuser", f"m{membership.pk}-is_active": "true"},
    )
    membership.refresh_from_db()
    assert membership.role == "preparer"


def test_a_forged_admin_step_on_the_wrong_state_is_refused(client, submitted, secas):
    client.force_login(secas)
    response = client.post(
        reverse(
            "admin:notifications_notification_transition",
            kwargs={"object_id": submitted.pk, "transition_name": "close"},
        ),
        {},
        follow=True,
    )
    assert response.status_code in {200, 404}
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_unknown_secas_steps_and_tables_are_404(client, secas, organisation):
    from assessments.models import Assessment

    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    client.force_login(secas)
    assert (
        client.post(reverse("secas:assessment_step", args=[review.pk, "delete"])).status_code == 404
    )
    assert client.get("/secas/export/../../etc.csv").status_code == 404
    assert client.get(f"/ssc/meetings/{review.pk}/minutes.exe").status_code == 404


def test_a_long_text_field_beyond_its_limit_is_a_form_error(client, draft, preparer):
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:edit", args=[draft.pk]),
        {"system_name": "x" * 500, "action": "Save draft"},
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    draft.refresh_from_db()
    assert len(draft.system_name) < 500


# 262 characters: past User.email (254) and django-axes' AccessAttempt.username (255).
OVER_LONG_EMAIL = "a" * 250 + "@example.org"


@pytest.mark.parametrize("login_page", ["login", "admin:login"])
def test_an_over_long_sign_in_address_is_a_form_error_counted_and_recorded(db, login_page):
    from axes.models import AccessAttempt

    from users.models import SecurityEvent

    browser = Client()
    response = browser.post(reverse(login_page), {"username": OVER_LONG_EMAIL, "password": "guess"})
    assert response.status_code == 200
    assert "An email address has at most 254 characters" in response.content.decode()
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.failures_since_start == 1
    assert attempt.username == OVER_LONG_EMAIL[:255]
    (event,) = SecurityEvent.objects.filter(kind="sign_in_failed")
    assert event.actor_email == OVER_LONG_EMAIL[:254]


def test_repeated_over_long_sign_ins_lock_out_like_any_others(db):
    browser = Client()
    for _ in range(5):
        browser.post(reverse("login"), {"username": OVER_LONG_EMAIL, "password": "guess"})
    locked = browser.post(reverse("login"), {"username": OVER_LONG_EMAIL, "password": "guess"})
    assert locked.status_code == 429


def test_an_over_long_invitation_address_is_a_form_error(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("users:invite", args=[organisation.pk]),
        {"full_name": "Long", "email": OVER_LONG_EMAIL, "role": "preparer"},
    )
    assert response.status_code == 200
    assert "An email address has at most 254 characters" in response.content.decode()
    assert not Membership.objects.filter(user__full_name="Long").exists()
