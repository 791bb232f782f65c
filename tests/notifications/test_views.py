import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import (
    Attachment,
    AttachmentDownload,
    Message,
    Notification,
    NotificationState,
)
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.uploads import PDF_BYTES, PNG_BYTES, WINDOWS_EXECUTABLE, office_zip, upload

S = NotificationState
FORM_DEFAULTS = {
    "contact_name": "Alex Jones",
    "contact_email": "alex.jones@example.org",
    "system_name": "Customer app platform",
    "purpose": "Self-service for prepayment customers.",
    "planned_go_live_date": "",
    "delivery_model": "in_house",
    "hosting_description": "Private cloud, UK.",
    "dcc_connection": "Second DCC User Gateway connection.",
    "separation_from_existing": "Separate networks.",
    "key_management": "Separate HSM partition.",
    "risk_assessment_summary": "Done under G5.14.",
}


def form_data(**overrides):
    go_live = timezone.localdate() + datetime.timedelta(days=120)
    return {**FORM_DEFAULTS, "planned_go_live_date": go_live.isoformat(), **overrides}


def text_of(response) -> str:
    return response.content.decode()


def declaration(notification) -> dict:
    """What the check page's form sends: the declaration and the version that was checked."""
    version = Notification.objects.get(pk=notification.pk).updated_at.isoformat()
    return {"declaration_accepted": "on", "checked_version": version}


# --- Landing pages ------------------------------------------------------------------------------


def test_user_staff_land_on_their_organisations_home(client, submitter, organisation):
    client.force_login(submitter)
    response = client.get(reverse("home"))
    assert response.url == reverse("organisation_home", args=[organisation.pk])


@pytest.mark.parametrize("who", ["secas", "ssc_member"])
def test_ssc_and_secas_land_on_the_staff_home(request, client, db, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("home")).url == reverse("assessments:dashboard")


def test_user_staff_cannot_open_the_staff_home(client, submitter):
    client.force_login(submitter)
    assert client.get(reverse("assessments:dashboard")).status_code == 404


def test_sign_in_by_email_then_land_at_home(client, submitter):
    response = client.post(
        reverse("login"), {"username": submitter.email.upper(), "password": "correct-horse-battery"}
    )
    assert response.url == reverse("home")


def test_a_wrong_password_says_so_in_plain_english(client, submitter):
    response = client.post(reverse("login"), {"username": submitter.email, "password": "nope"})
    assert "did not match" in text_of(response)


def test_the_organisation_home_lists_what_waits_most_urgent_first(
    client, organisation, submitter, under_review, ssc_member
):
    services.request_information(
        notification=under_review,
        by=ssc_member,
        question="Who holds the keys?",
        response_due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    client.force_login(submitter)
    page = text_of(client.get(reverse("organisation_home", args=[organisation.pk])))
    assert "the SSC asked a question about" in page
    assert under_review.reference in page
    assert "Notify a new User System" in page


def test_the_organisation_home_has_a_helpful_empty_state(client, organisation, submitter):
    client.force_login(submitter)
    page = text_of(client.get(reverse("organisation_home", args=[organisation.pk])))
    assert "Nothing is waiting on you." in page
    assert "has not notified the SSC of any new User System yet" in page


def test_the_organisation_home_paginates_notifications(client, organisation, preparer):
    for _ in range(25):
        factories.NotificationFactory(organisation=organisation, created_by=preparer)
    client.force_login(preparer)
    url = reverse("organisation_home", args=[organisation.pk])
    assert "Page 1 of 2" in text_of(client.get(url))
    assert text_of(client.get(url + "?page=2")).count("<tr>") == 1 + 5


# --- Drafting -------------------------------------------------------------------------------------


def test_a_preparer_starts_a_draft_and_comes_back_to_it(client, organisation, preparer):
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:create", args=[organisation.pk]),
        {"system_name": "Half-written", "action": "Save draft"},
    )
    draft = Notification.objects.get()
    assert response.url == reverse("notifications:edit", args=[draft.pk])
    assert draft.state == S.DRAFT
    assert draft.created_by == preparer
    assert draft.system_name == "Half-written"
    page = text_of(client.get(response.url))
    assert 'value="Half-written"' in page
    assert f"Draft {draft.reference} saved" in page


def test_drafts_are_shared_within_the_organisation(client, draft, submitter):
    client.force_login(submitter)
    response = client.post(
        reverse("notifications:edit", args=[draft.pk]),
        form_data(system_name="Renamed by a colleague", action="Save draft"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.system_name == "Renamed by a colleague"


def test_a_date_that_is_not_a_date_keeps_what_was_typed_and_saves_nothing(
    client, organisation, preparer
):
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:create", args=[organisation.pk]),
        form_data(planned_go_live_date="31/02/2027x", system_name="Keep me", action="Save draft"),
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Enter a real date, for example 27/03/2027." in page
    assert 'value="Keep me"' in page
    assert 'value="31/02/2027x"' in page
    assert not Notification.objects.exists()


def test_script_in_text_is_kept_as_typed_and_shown_harmlessly(client, draft, preparer):
    client.force_login(preparer)
    hostile = '<script>alert("x")</script><b>bold</b>'
    client.post(
        reverse("notifications:edit", args=[draft.pk]),
        form_data(purpose=hostile, action="Save and check your answers"),
    )
    draft.refresh_from_db()
    assert draft.purpose == hostile
    page = text_of(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_an_srp_is_offered_with_its_latest_assessment(client, organisation, preparer):
    factories.SharedResourceProviderFactory(
        name="Helix Shared Services Ltd",
        latest_assessment_date=datetime.date(2026, 7, 14),
        latest_assessment_outcome="approved",
    )
    client.force_login(preparer)
    page = text_of(client.get(reverse("notifications:create", args=[organisation.pk])))
    assert "Helix Shared Services Ltd – last assessed 14/07/2026, Approved" in page


def test_naming_an_srp_for_an_in_house_system_is_an_error(client, draft, preparer):
    provider = factories.SharedResourceProviderFactory()
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:edit", args=[draft.pk]),
        form_data(provider=provider.pk, action="Save draft"),
    )
    assert "Choose an SRP only if the system is provided by an SRP." in text_of(response)


def test_a_draft_changed_by_someone_else_meanwhile_is_not_overwritten(client, draft, preparer):
    client.force_login(preparer)
    page = text_of(client.get(reverse("notifications:edit", args=[draft.pk])))
    loaded_at = re.search(r'name="loaded_at" value="([^"]+)"', page).group(1)
    Notification.objects.filter(pk=draft.pk).update(
        system_name="Colleague's name", updated_at=timezone.now() + datetime.timedelta(seconds=5)
    )
    response = client.post(
        reverse("notifications:edit", args=[draft.pk]),
        form_data(system_name="My name", loaded_at=loaded_at, action="Save draft"),
    )
    assert response.status_code == 200
    assert "Someone else saved this draft" in text_of(response)
    assert 'value="My name"' in text_of(response)
    draft.refresh_from_db()
    assert draft.system_name == "Colleague's name"


# --- Checking and submitting ----------------------------------------------------------------------


def test_the_check_page_lists_what_is_missing(client, organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, key_management=""
    )
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "This notification is not complete yet" in page
    assert "Key management (User Role signing keys)" in page
    assert "Submit to the SSC" not in page


def test_a_preparer_is_told_who_can_submit(client, draft, preparer, submitter):
    client.force_login(preparer)
    page = text_of(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "Only a submitter can submit" in page
    assert submitter.full_name in page
    response = client.post(
        reverse("notifications:submit", args=[draft.pk]),
        declaration(draft),
        follow=True,
    )
    assert "You do not have permission" in text_of(response)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_a_late_go_live_is_warned_about_before_submit(client, organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, planned_go_live_date=timezone.localdate()
    )
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "Late notice." in page


def test_a_go_live_within_twenty_working_days_is_warned_about(
    client, organisation, preparer, submitter
):
    from notifications.workdays import add_working_days

    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=add_working_days(timezone.localdate(), 12),
    )
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "Short notice." in page
    assert "is 12 SEC working days away" in page


def test_submitting_sends_a_receipt_and_alerts_secas(
    client, draft, submitter, organisation, settings, django_capture_on_commit_callbacks
):
    client.force_login(submitter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:submit", args=[draft.pk]), declaration(draft))
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED
    assert response.url == reverse("notifications:detail", args=[draft.pk])
    *receipts, alert = sorted(mail.outbox, key=lambda m: settings.SECAS_MAILBOX in m.to)
    # One email per recipient, each greeting its own reader.
    assert sorted(m.to[0] for m in receipts) == sorted(
        [submitter.email, draft.contact_email, organisation.contact_email]
    )
    receipt = next(m for m in receipts if m.to == [submitter.email])
    assert f"{draft.reference}: your notification" in receipt.subject
    assert f"/notifications/{draft.pk}/" in receipt.body
    assert "What happens next" in receipt.body
    assert receipt.alternatives[0][1] == "text/html"
    assert alert.to == [settings.SECAS_MAILBOX]
    assert OutboundEmail.objects.filter(sent_at__isnull=False).count() == 4


def test_secas_is_told_of_a_late_notification(
    client, organisation, preparer, submitter, django_capture_on_commit_callbacks
):
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=timezone.localdate() - datetime.timedelta(days=2),
    )
    client.force_login(submitter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:submit", args=[draft.pk]), declaration(draft))
    draft.refresh_from_db()
    assert draft.is_late is True
    assert any(m.subject.startswith("LATE NOTICE") for m in mail.outbox)


def test_submitting_without_the_declaration_is_refused(client, draft, submitter):
    client.force_login(submitter)
    response = client.post(reverse("notifications:submit", args=[draft.pk]), {}, follow=True)
    assert "Please confirm the declaration before submitting." in text_of(response)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_a_double_submit_is_told_and_sends_nothing_twice(
    client, draft, submitter, django_capture_on_commit_callbacks
):
    client.force_login(submitter)
    url = reverse("notifications:submit", args=[draft.pk])
    form = declaration(draft)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, form)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert "is submitted" in text_of(response)
    assert len(mail.outbox) == sent


def test_a_submitted_notification_cannot_be_edited(client, submitted, submitter):
    client.force_login(submitter)
    response = client.get(reverse("notifications:edit", args=[submitted.pk]))
    assert response.url == reverse("notifications:detail", args=[submitted.pk])
    response = client.post(
        reverse("notifications:edit", args=[submitted.pk]),
        form_data(system_name="Sneaky change", action="Save draft"),
    )
    assert "can no longer be edited" in text_of(response)
    assert 'value="Sneaky change"' in text_of(response)
    submitted.refresh_from_db()
    assert submitted.system_name != "Sneaky change"


# --- Attachments ------------------------------------------------------------------------------


def post_file(client, notification, name, content, tlp="amber"):
    return client.post(
        reverse("notifications:attachment_upload", args=[notification.pk]),
        {"file": upload(name, content), "tlp": tlp, "description": "Diagram"},
        follow=True,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("architecture.pdf", PDF_BYTES),
        ("diagram.png", PNG_BYTES),
        ("design.docx", office_zip("docx")),
        ("controls.xlsx", office_zip("xlsx")),
        ("notes.odt", office_zip("odt")),
        ("notes.txt", b"Plain notes.\n"),
    ],
)
def test_accepted_files_are_stored_under_a_random_name(client, draft, preparer, name, content):
    client.force_login(preparer)
    response = post_file(client, draft, name, content)
    attachment = Attachment.objects.get()
    assert f"Added {name}" in text_of(response)
    assert attachment.original_name == name
    assert name not in attachment.file.name
    assert attachment.uploaded_by == preparer
    assert attachment.size == len(content)


def test_an_executable_renamed_pdf_is_refused(client, draft, preparer):
    client.force_login(preparer)
    response = post_file(client, draft, "report.pdf", WINDOWS_EXECUTABLE)
    assert "“report.pdf” is not a file type we accept" in text_of(response)
    assert not Attachment.objects.exists()


def test_a_file_whose_name_and_content_disagree_is_refused(client, draft, preparer):
    client.force_login(preparer)
    response = post_file(client, draft, "report.pdf", PNG_BYTES)
    assert "its content is a PNG image" in text_of(response)
    assert not Attachment.objects.exists()


def test_a_25_mb_file_is_refused(client, draft, preparer):
    client.force_login(preparer)
    response = post_file(client, draft, "big.pdf", PDF_BYTES + b"0" * (25 * 1024 * 1024))
    assert "the limit is 20 MB" in text_of(response)
    assert not Attachment.objects.exists()


def test_a_path_in_the_file_name_is_removed(client, draft, preparer):
    client.force_login(preparer)
    post_file(client, draft, "../../etc/evil name.pdf", PDF_BYTES)
    assert Attachment.objects.get().original_name == "evil_name.pdf"


def test_no_new_files_on_a_submitted_notification_except_with_an_answer(
    client, submitted, submitter
):
    client.force_login(submitter)
    response = post_file(client, submitted, "late.pdf", PDF_BYTES)
    assert "send further files with your answer" in text_of(response)
    assert not Attachment.objects.exists()


def test_a_download_is_an_attachment_and_is_recorded(client, draft, preparer):
    client.force_login(preparer)
    post_file(client, draft, "architecture.pdf", PDF_BYTES)
    attachment = Attachment.objects.get()
    response = client.get(reverse("notifications:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="architecture.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AttachmentDownload.objects.get().user == preparer


# --- Following a notification ---------------------------------------------------------------------


def test_the_notification_page_shows_the_frozen_submission_and_timeline(
    client, submitted, submitter
):
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:detail", args=[submitted.pk])))
    assert "The notification as submitted" in page
    assert submitted.system_name in page
    assert "Submitted to the SSC" in page
    assert submitter.full_name in page


def test_user_staff_see_the_ssc_not_the_members_names(client, under_review, submitter, ssc_member):
    services.request_information(notification=under_review, by=ssc_member, question="Keys?")
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:detail", args=[under_review.pk])))
    assert "The SSC asked for more information" in page
    assert ssc_member.full_name not in page
    assert "Rapporteur" not in page


def test_answering_a_question_with_a_file_returns_the_case_to_review(
    client, under_review, submitter, ssc_member, settings, django_capture_on_commit_callbacks
):
    services.request_information(notification=under_review, by=ssc_member, question="Pen test?")
    client.force_login(submitter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:respond", args=[under_review.pk]),
            {
                "response": "Attached.",
                "file-file": upload("pentest.pdf", PDF_BYTES),
                "file-tlp": "red",
            },
            follow=True,
        )
    assert "Your answer has been sent" in text_of(response)
    under_review.refresh_from_db()
    assert under_review.state == S.UNDER_REVIEW
    attachment = Attachment.objects.get()
    assert attachment.information_request.response == "Attached."
    assert attachment.tlp == "red"
    assert any(settings.SECAS_MAILBOX in m.to and "answered" in m.subject for m in mail.outbox)


def test_a_bad_file_with_an_answer_keeps_the_answer_and_sends_nothing(
    client, under_review, submitter, ssc_member
):
    services.request_information(notification=under_review, by=ssc_member, question="Pen test?")
    client.force_login(submitter)
    response = client.post(
        reverse("notifications:respond", args=[under_review.pk]),
        {"response": "My careful answer", "file-file": upload("x.pdf", WINDOWS_EXECUTABLE)},
    )
    assert response.status_code == 200
    assert "My careful answer" in text_of(response)
    assert "is not a file type we accept" in text_of(response)
    under_review.refresh_from_db()
    assert under_review.state == S.INFORMATION_REQUESTED


def test_withdrawing_needs_a_reason(client, submitted, submitter):
    client.force_login(submitter)
    url = reverse("notifications:withdraw", args=[submitted.pk])
    assert "give a reason" in text_of(client.post(url, {"reason": ""}))
    client.post(url, {"reason": "Project cancelled"})
    submitted.refresh_from_db()
    assert submitted.state == S.WITHDRAWN


def test_a_message_reaches_secas(client, submitted, submitter, settings):
    client.force_login(submitter)
    client.post(reverse("notifications:message", args=[submitted.pk]), {"body": "A question."})
    assert Message.objects.get().author == submitter
    assert OutboundEmail.objects.filter(kind="message", to=[settings.SECAS_MAILBOX]).exists()


def test_posting_to_a_get_only_page_or_getting_an_action_is_refused(client, submitted, submitter):
    client.force_login(submitter)
    assert client.get(reverse("notifications:withdraw", args=[submitted.pk])).status_code == 405


# --- Nothing of organisation A is reachable by organisation B -----------------------------------


@pytest.fixture
def everything_of_organisation_a(draft, preparer, submitter, client):
    client.force_login(preparer)
    post_file(client, draft, "architecture.pdf", PDF_BYTES)
    client.logout()
    return {"draft": draft, "attachment": Attachment.objects.get()}


def urls_of(objects, organisation):
    draft = objects["draft"]
    return [
        ("get", reverse("organisation_home", args=[organisation.pk])),
        ("get", reverse("notifications:create", args=[organisation.pk])),
        ("post", reverse("notifications:create", args=[organisation.pk])),
        ("get", reverse("notifications:detail", args=[draft.pk])),
        ("get", reverse("notifications:edit", args=[draft.pk])),
        ("post", reverse("notifications:edit", args=[draft.pk])),
        ("get", reverse("notifications:check", args=[draft.pk])),
        ("post", reverse("notifications:submit", args=[draft.pk])),
        ("post", reverse("notifications:respond", args=[draft.pk])),
        ("post", reverse("notifications:withdraw", args=[draft.pk])),
        ("post", reverse("notifications:message", args=[draft.pk])),
        ("post", reverse("notifications:attachment_upload", args=[draft.pk])),
        ("get", reverse("notifications:attachment_download", args=[objects["attachment"].pk])),
        ("get", reverse("users:staff", args=[organisation.pk])),
        ("post", reverse("users:invite", args=[organisation.pk])),
    ]


def test_another_organisations_staff_get_404_everywhere(
    client, everything_of_organisation_a, organisation, other_organisation
):
    admin_of_b = factories.MembershipFactory(organisation=other_organisation, role="admin").user
    client.force_login(admin_of_b)
    before = Notification.objects.get().updated_at
    for method, url in urls_of(everything_of_organisation_a, organisation):
        response = getattr(client, method)(url, form_data(reason="x", body="x", response="x"))
        assert response.status_code == 404, (method, url, response.status_code)
    assert Notification.objects.get().updated_at == before
    assert Notification.objects.get().state == S.DRAFT
    assert AttachmentDownload.objects.count() == 0


@pytest.mark.parametrize("who", ["conflicted_member", "ssc_member", "secas"])
def test_staff_never_see_drafts_and_conflicted_members_never_see_cases(
    request, client, everything_of_organisation_a, organisation, who
):
    client.force_login(request.getfixturevalue(who))
    for method, url in urls_of(everything_of_organisation_a, organisation):
        assert getattr(client, method)(url, {}).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, everything_of_organisation_a, organisation):
    for method, url in urls_of(everything_of_organisation_a, organisation):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_a_conflicted_member_cannot_open_a_submitted_case(client, submitted, conflicted_member):
    client.force_login(conflicted_member)
    assert client.get(reverse("notifications:detail", args=[submitted.pk])).status_code == 404


def test_an_unconflicted_member_can_open_a_submitted_case(client, submitted, ssc_member):
    client.force_login(ssc_member)
    assert client.get(reverse("notifications:detail", args=[submitted.pk])).status_code == 200


@pytest.mark.parametrize("who", ["secas", "ssc_member"])
def test_a_withdrawn_draft_is_never_shown_to_staff(request, client, draft, submitter, who):
    services.withdraw_notification(notification=draft, by=submitter, reason="Not needed.")
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("notifications:detail", args=[draft.pk])).status_code == 404
    assert draft.reference not in text_of(client.get(reverse("assessments:dashboard")))


def test_a_conflicted_member_gets_404_on_every_page_of_a_submitted_case(
    client, submitted, conflicted_member, organisation
):
    client.force_login(conflicted_member)
    for method, url in [
        ("get", reverse("notifications:detail", args=[submitted.pk])),
        ("post", reverse("notifications:message", args=[submitted.pk])),
        ("post", reverse("notifications:withdraw", args=[submitted.pk])),
        ("post", reverse("notifications:respond", args=[submitted.pk])),
        ("get", reverse("assessments:case", args=[submitted.pk])),
        ("post", reverse("assessments:triage", args=[submitted.pk])),
        ("post", reverse("assessments:request_information", args=[submitted.pk])),
        ("post", reverse("assessments:decide", args=[submitted.pk])),
        ("get", reverse("assessments:decision_letter", args=[submitted.pk])),
    ]:
        response = getattr(client, method)(url, {"body": "x", "reason": "x"})
        assert response.status_code == 404, (method, url)
    assert not Message.objects.exists()


def test_an_ssc_member_who_works_for_the_organisation_cannot_decide_its_case(
    client, under_review, ssc_member, meeting
):
    from assessments.services import decide
    from notifications.services import TransitionRefused

    factories.MembershipFactory(user=ssc_member, organisation=under_review.organisation)
    member = type(ssc_member).objects.get(pk=ssc_member.pk)
    with pytest.raises(TransitionRefused, match="permission"):
        decide(
            notification=under_review,
            by=member,
            outcome="no_assessment",
            rationale="Looks fine to me.",
            meeting=meeting,
        )
    client.force_login(member)
    assert client.get(reverse("assessments:case", args=[under_review.pk])).status_code == 404


# --- Edge cases found in review ----------------------------------------------------------------


def test_the_declaration_covers_only_the_version_that_was_checked(client, draft, submitter):
    client.force_login(submitter)
    checked = declaration(draft)
    Notification.objects.filter(pk=draft.pk).update(
        purpose="Changed by a colleague", updated_at=timezone.now() + datetime.timedelta(seconds=3)
    )
    response = client.post(reverse("notifications:submit", args=[draft.pk]), checked, follow=True)
    assert "was changed after you checked it" in text_of(response)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_submitting_without_having_checked_is_sent_back_to_check(client, draft, submitter):
    client.force_login(submitter)
    response = client.post(
        reverse("notifications:submit", args=[draft.pk]), {"declaration_accepted": "on"}
    )
    assert response.url == reverse("notifications:check", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_adding_a_file_counts_as_a_change_to_what_is_declared(client, draft, preparer):
    before = Notification.objects.get(pk=draft.pk).updated_at
    client.force_login(preparer)
    post_file(client, draft, "architecture.pdf", PDF_BYTES)
    assert Notification.objects.get(pk=draft.pk).updated_at > before


def test_a_system_cannot_take_the_name_of_the_live_first_system(organisation, preparer, submitter):
    from notifications.models import UserSystem

    UserSystem.objects.create(
        organisation=organisation,
        name="Main platform",
        delivery_model="in_house",
        is_first_system=True,
        status="live",
    )
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name="main platform"
    )
    with pytest.raises(services.TransitionRefused, match="already has a live User System"):
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_notifying_again_after_a_withdrawal_reuses_the_register_entry(
    organisation, preparer, submitter
):
    first = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name="Portal"
    )
    first = services.submit_notification(
        notification=first, by=submitter, declaration_accepted=True
    )
    services.withdraw_notification(notification=first, by=submitter, reason="Re-scoping")
    again = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name="Portal"
    )
    again = services.submit_notification(
        notification=again, by=submitter, declaration_accepted=True
    )
    assert again.user_system_id == first.user_system_id
    assert again.user_system.status == "planned"


def test_the_same_system_cannot_be_notified_twice_at_once(organisation, preparer, submitter):
    first = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name="Portal"
    )
    first = services.submit_notification(
        notification=first, by=submitter, declaration_accepted=True
    )
    second = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name="Portal"
    )
    with pytest.raises(
        services.TransitionRefused, match=f"already notified under {first.reference}"
    ):
        services.submit_notification(notification=second, by=submitter, declaration_accepted=True)


def test_a_withdrawn_notifications_question_no_longer_waits(
    client, under_review, ssc_member, submitter, organisation
):
    services.request_information(notification=under_review, by=ssc_member, question="Keys?")
    services.withdraw_notification(notification=under_review, by=submitter, reason="Cancelled")
    client.force_login(submitter)
    page = text_of(client.get(reverse("organisation_home", args=[organisation.pk])))
    assert "Nothing is waiting on you." in page


@pytest.mark.parametrize("value", ["9999-12-31", "1999-01-01"])
def test_an_absurd_go_live_date_is_refused_in_plain_english(client, draft, preparer, value):
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:edit", args=[draft.pk]),
        form_data(planned_go_live_date=value, action="Save draft"),
    )
    assert response.status_code == 200
    assert "Enter a go-live date between 01/01/2015 and" in text_of(response)


def test_a_garbled_or_naive_version_does_not_break_saving(client, draft, preparer):
    client.force_login(preparer)
    for loaded_at in ["2020-01-01", "yesterday", "2020-01-01T00:00:00"]:
        response = client.post(
            reverse("notifications:edit", args=[draft.pk]),
            form_data(loaded_at=loaded_at, action="Save draft"),
        )
        assert response.status_code == 302, loaded_at


def test_a_head_request_is_not_recorded_as_a_download(client, draft, preparer):
    client.force_login(preparer)
    post_file(client, draft, "architecture.pdf", PDF_BYTES)
    url = reverse("notifications:attachment_download", args=[Attachment.objects.get().pk])
    assert client.head(url).status_code == 405
    assert AttachmentDownload.objects.count() == 0


def test_someone_who_has_left_no_longer_receives_case_mail(submitted, submitter):
    from notifications.recipients import recipients_for
    from users.models import Membership

    Membership.objects.filter(user=submitter).update(is_active=False)
    submitted.submitted_by = type(submitter).objects.get(pk=submitter.pk)
    addresses = [r.email for r in recipients_for("information_requested", notification=submitted)]
    assert submitter.email not in addresses
    assert submitted.contact_email in addresses


def test_a_go_live_exactly_twenty_working_days_away_is_warned_about(
    client, organisation, preparer, submitter
):
    from notifications.workdays import add_working_days

    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=add_working_days(timezone.localdate(), 20),
    )
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "is 20 SEC working days away" in page
