"""Referral to the SEC Panel and the User's appeals (issue 14 part 8): services, pages, emails."""

import datetime
import html

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assessments import appeals
from assessments.models import Appeal, AppealDocumentDownload, AppealState, PanelReferral
from assessments.services import decide
from notifications import services as intake
from notifications.services import TransitionRefused
from notifications.workdays import add_working_days
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments import journey
from tests.assessments.test_lifecycle import checked_upload
from tests.html_forms import form_data, postable
from tests.uploads import PDF_BYTES, upload
from users.models import SecurityEvent


def page(response) -> str:
    return html.unescape(response.content.decode())


def at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_default_timezone()),
        tick=False,
    )


@pytest.fixture
def decided(under_review, ssc_member, meeting):
    """A notification the SSC decided today: no assessment needed."""
    decide(
        notification=under_review,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Assessed with its SRP.",
        meeting=meeting,
    )
    under_review.refresh_from_db()
    return under_review


@pytest.fixture
def late_case(organisation, preparer, submitter):
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=timezone.localdate(),
    )
    return intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)


@pytest.fixture
def deferred(organisation, secas, submitter, meeting):
    assessment = factories_ad_hoc(organisation)
    journey.outcome_decided(
        assessment, by=secas, status="deferred", user_by=submitter, meeting=meeting
    )
    assessment.refresh_from_db()
    return assessment


def factories_ad_hoc(organisation, kind="vusa"):
    from assessments.models import Assessment

    return Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )


def emails_of(kind):
    return list(OutboundEmail.objects.filter(kind=kind))


# --- Referral: services ------------------------------------------------------------------------


def test_only_the_grounds_that_apply_are_offered(late_case, decided, deferred):
    assert appeals.referral_grounds(notification=late_case) == ["late_notice"]
    assert appeals.referral_grounds(notification=decided) == []
    assert appeals.referral_grounds(assessment=deferred) == ["not_approved"]


def test_a_late_notice_is_referred_and_the_user_is_told(late_case, secas):
    referral = appeals.refer_to_panel(
        by=secas, notification=late_case, ground="late_notice", reason="Went live first."
    )
    assert referral.is_open
    assert referral.organisation == late_case.organisation
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REFERRAL).count() == 1
    (told, *_) = emails_of("panel_referral_made")
    assert "has been referred to the SEC Panel" in told.subject
    assert "Went live first." in told.body_text
    assert "/ssc/" not in told.body_text


def test_a_ground_that_does_not_apply_is_refused_in_words(decided, secas):
    with pytest.raises(TransitionRefused, match="does not apply to this case"):
        appeals.refer_to_panel(by=secas, notification=decided, ground="late_notice", reason="Late?")
    assert not PanelReferral.objects.exists()


def test_one_open_referral_per_case_and_ground(late_case, secas, ssc_member):
    appeals.refer_to_panel(by=secas, notification=late_case, ground="late_notice", reason="A")
    with pytest.raises(TransitionRefused, match="already before the Panel on that ground"):
        appeals.refer_to_panel(
            by=ssc_member, notification=late_case, ground="late_notice", reason="B"
        )
    assert PanelReferral.objects.count() == 1
    assert appeals.grounds_open_to_referral(notification=late_case) == []


def test_a_conflicted_member_and_the_user_cannot_refer(late_case, conflicted_member, submitter):
    for person in (conflicted_member, submitter):
        with pytest.raises(TransitionRefused, match="Only SECAS, or an SSC member"):
            appeals.refer_to_panel(
                by=person, notification=late_case, ground="late_notice", reason="A"
            )


def test_secas_records_the_panels_outcome_once_and_the_user_is_told(late_case, secas):
    referral = appeals.refer_to_panel(
        by=secas, notification=late_case, ground="late_notice", reason="A"
    )
    appeals.record_referral_outcome(
        referral=referral,
        by=secas,
        outcome="Noted; no further action.",
        panel_meeting_date=timezone.localdate(),
    )
    referral.refresh_from_db()
    assert not referral.is_open
    (told, *_) = emails_of("panel_referral_outcome")
    assert "Noted; no further action." in told.body_text
    with pytest.raises(TransitionRefused, match="already recorded by Sam Secas"):
        appeals.record_referral_outcome(
            referral=referral, by=secas, outcome="Again", panel_meeting_date=timezone.localdate()
        )
    # Closed: the same ground may be referred again.
    appeals.refer_to_panel(by=secas, notification=late_case, ground="late_notice", reason="B")


def test_a_deferred_outcome_is_referred_by_the_committee(deferred, ssc_member):
    referral = appeals.refer_to_panel(
        by=ssc_member, assessment=deferred, ground="not_approved", reason="Second deferral."
    )
    assert referral.assessment == deferred


# --- Appeals: services -------------------------------------------------------------------------


def test_a_submitter_appeals_within_the_window_and_everyone_is_told(
    decided, submitter, secas, organisation
):
    chair = factories.ssc_chair(full_name="Cass Chair")
    appeal = appeals.lodge_appeal(
        by=submitter,
        grounds="The SRP's assessment did not cover it.",
        documents=[checked_upload("evidence.pdf")],
        decision=decided.decision,
    )
    assert appeal.state == AppealState.LODGED
    assert appeal.documents.count() == 1
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.APPEAL).count() == 1
    receipt = emails_of("appeal_lodged")
    assert submitter.email in {address for e in receipt for address in e.to}
    assert "What happens next" in receipt[0].body_text
    committee = {e.to[0]: e for e in emails_of("appeal_lodged_committee")}
    assert chair.email in committee
    assert "/secas/appeals/" in committee[next(a for a in committee if a != chair.email)].body_text
    assert f"/ssc/cases/{decided.pk}/" in committee[chair.email].body_text


def test_an_appeal_after_the_window_is_refused_with_the_last_date(decided, submitter):
    last = decided.decision.appeal_closes_on
    assert last == add_working_days(timezone.localdate(), 20)
    with at(last + datetime.timedelta(days=1)), pytest.raises(TransitionRefused) as refused:
        appeals.lodge_appeal(by=submitter, grounds="Late.", documents=[], decision=decided.decision)
    assert f"lodged by {last:%d/%m/%Y}" in str(refused.value)
    with at(last):
        appeals.lodge_appeal(
            by=submitter, grounds="Just in time.", documents=[], decision=decided.decision
        )


def test_one_appeal_per_decision_the_second_is_told_who_appealed(decided, submitter, org_admin):
    appeals.lodge_appeal(by=submitter, grounds="First.", documents=[], decision=decided.decision)
    with pytest.raises(TransitionRefused, match="already lodged by"):
        appeals.lodge_appeal(
            by=org_admin, grounds="Second.", documents=[], decision=decided.decision
        )
    assert Appeal.objects.count() == 1


def test_a_preparer_cannot_appeal(decided, preparer):
    with pytest.raises(TransitionRefused, match="Only a submitter or admin"):
        appeals.lodge_appeal(by=preparer, grounds="No.", documents=[], decision=decided.decision)


def test_an_assessment_outcome_is_appealed_and_dismissed(deferred, submitter, secas):
    appeal = appeals.lodge_appeal(
        by=submitter,
        grounds="The CIO misread our controls.",
        documents=[],
        assessment_decision=deferred.decision,
    )
    with pytest.raises(TransitionRefused, match="is not possible"):
        appeals.record_appeal_outcome(
            appeal=appeal,
            by=secas,
            upheld=False,
            reasons="Too early.",
            panel_meeting_date=timezone.localdate(),
        )
    appeals.start_consideration(appeal=appeal, by=secas)
    appeal = appeals.record_appeal_outcome(
        appeal=appeal,
        by=secas,
        upheld=False,
        reasons="The report stands.",
        panel_meeting_date=timezone.localdate(),
    )
    assert appeal.state == AppealState.DISMISSED
    (told, *_) = emails_of("appeal_outcome")
    assert "the decision stands" in told.body_text
    assert not emails_of("appeal_upheld_committee")


def test_an_upheld_appeal_sends_the_case_back_to_the_committee(decided, submitter, secas):
    appeal = appeals.lodge_appeal(
        by=submitter, grounds="X.", documents=[], decision=decided.decision
    )
    appeals.start_consideration(appeal=appeal, by=secas)
    appeal = appeals.record_appeal_outcome(
        appeal=appeal,
        by=secas,
        upheld=True,
        reasons="The SSC should reconsider.",
        panel_meeting_date=timezone.localdate(),
    )
    assert appeal.is_upheld
    # The decision on record is not rewritten.
    decided.decision.refresh_from_db()
    assert decided.decision.outcome == "no_assessment"
    (told, *_) = emails_of("appeal_outcome")
    assert "reconsiders it at a meeting" in told.body_text
    (secas_told,) = emails_of("appeal_upheld_committee")
    assert "returns to the SSC" in secas_told.subject


def test_the_user_withdraws_an_open_appeal(decided, submitter, secas):
    appeal = appeals.lodge_appeal(
        by=submitter, grounds="X.", documents=[], decision=decided.decision
    )
    appeal = appeals.withdraw_appeal(appeal=appeal, by=submitter, reason="Resolved with SECAS.")
    assert appeal.state == AppealState.WITHDRAWN
    with pytest.raises(TransitionRefused, match="is not possible"):
        appeals.start_consideration(appeal=appeal, by=secas)


def test_the_panel_meeting_cannot_be_in_the_future(decided, submitter, secas):
    appeal = appeals.lodge_appeal(
        by=submitter, grounds="X.", documents=[], decision=decided.decision
    )
    appeals.start_consideration(appeal=appeal, by=secas)
    with pytest.raises(TransitionRefused, match="cannot be in the future"):
        appeals.record_appeal_outcome(
            appeal=appeal,
            by=secas,
            upheld=True,
            reasons="R",
            panel_meeting_date=timezone.localdate() + datetime.timedelta(days=1),
        )


# --- Pages ----------------------------------------------------------------------------------


def test_the_user_lodges_an_appeal_through_the_page_with_a_document(client, decided, submitter):
    client.force_login(submitter)
    shown = page(client.get(reverse("notifications:detail", args=[decided.pk])))
    url = reverse("assessments:appeal_notification_decision", args=[decided.pk])
    assert "Appeal this decision" in shown
    assert url in shown
    shown = page(client.get(url))
    assert "Last day to appeal" in shown
    data = form_data(shown, action=url)
    data["grounds"] = "The SRP's assessment did not cover this service."
    data["file1-tlp"] = "green"
    response = client.post(
        url, {**postable(data), "file1-file": upload("support.pdf", PDF_BYTES)}, follow=True
    )
    shown = page(response)
    assert "Your appeal has been lodged" in shown
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == reverse("assessments:appeal", args=[appeal.pk])
    document = appeal.documents.get()
    assert document.get_tlp_display() == "TLP:GREEN"
    assert "support.pdf" in shown
    # Downloaded as an attachment, and logged.
    download = client.get(reverse("assessments:appeal_document", args=[document.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert AppealDocumentDownload.objects.filter(user=submitter).count() == 1
    # The page now says it was appealed; a stale second post is told who appealed first.
    again = page(
        client.post(url, {**postable(data), "file1-file": upload("support.pdf", PDF_BYTES)})
    )
    assert "already lodged by" in again


def test_a_refused_appeal_keeps_what_was_typed(client, decided, submitter):
    client.force_login(submitter)
    url = reverse("assessments:appeal_notification_decision", args=[decided.pk])
    data = form_data(page(client.get(url)), action=url)
    data["grounds"] = "My reasons."
    shown = page(
        client.post(url, {**postable(data), "file1-file": upload("fake.pdf", b"not a pdf")})
    )
    assert "has not been lodged" in shown
    assert "My reasons." in shown
    assert not Appeal.objects.exists()


def test_after_the_window_the_page_has_no_form_and_says_the_last_date(client, decided, submitter):
    last = decided.decision.appeal_closes_on
    with at(last + datetime.timedelta(days=3)):
        client.force_login(submitter)
        shown = page(client.get(reverse("notifications:detail", args=[decided.pk])))
        assert "The SSC's decision" in shown
        assert "Appeal this decision" not in shown
        shown = page(
            client.get(reverse("assessments:appeal_notification_decision", args=[decided.pk]))
        )
    assert f"lodged by {last:%d/%m/%Y}" in shown
    assert "Lodge the appeal" not in shown


def test_another_organisation_gets_404(client, decided, submitter, other_submitter):
    appeal = appeals.lodge_appeal(
        by=submitter, grounds="X.", documents=[], decision=decided.decision
    )
    client.force_login(other_submitter)
    for url in (
        reverse("assessments:appeal_notification_decision", args=[decided.pk]),
        reverse("assessments:appeal", args=[appeal.pk]),
        reverse("assessments:organisation_appeals", args=[decided.organisation_id]),
    ):
        assert client.get(url).status_code == 404


def test_the_user_sees_its_appeals_and_withdraws_one(client, decided, submitter):
    appeal = appeals.lodge_appeal(
        by=submitter, grounds="X.", documents=[], decision=decided.decision
    )
    client.force_login(submitter)
    shown = page(
        client.get(reverse("assessments:organisation_appeals", args=[decided.organisation_id]))
    )
    assert "Your appeals" in shown
    assert "Lodged" in shown
    url = reverse("assessments:appeal", args=[appeal.pk])
    withdraw = reverse("assessments:appeal_withdraw", args=[appeal.pk])
    data = form_data(page(client.get(url)), action=withdraw)
    empty = page(client.post(withdraw, postable(data)))
    assert "Please say why the appeal is withdrawn." in empty
    data["reason"] = "Settled."
    shown = page(client.post(withdraw, postable(data), follow=True))
    assert "Your appeal is withdrawn" in shown


def test_secas_takes_an_appeal_to_the_panel_and_records_the_outcome(
    client, decided, submitter, secas
):
    appeal = appeals.lodge_appeal(
        by=submitter, grounds="X.", documents=[], decision=decided.decision
    )
    client.force_login(secas)
    listing = page(client.get(reverse("secas:appeals")))
    assert "Appeals (1)" in listing
    url = reverse("secas:appeal", args=[appeal.pk])
    consider = reverse("secas:appeal_consider", args=[appeal.pk])
    form_data(page(client.get(url)), action=consider)
    shown = page(client.post(consider, follow=True))
    assert "The appeal is under consideration" in shown
    outcome = reverse("secas:appeal_outcome", args=[appeal.pk])
    data = form_data(shown, action=outcome)
    data["upheld"] = "True"
    data["reasons"] = "The SSC should look again."
    shown = page(client.post(outcome, postable(data)))
    assert "Enter" in shown or "This field is required" in shown or "Panel meeting date" in shown
    data["panel_meeting_date"] = timezone.localdate().isoformat()
    shown = page(client.post(outcome, postable(data), follow=True))
    assert "Recorded: upheld" in shown
    appeal.refresh_from_db()
    assert appeal.state == AppealState.UPHELD


def test_the_committee_refers_a_late_notice_from_the_case_page(
    client, late_case, ssc_member, secas
):
    client.force_login(ssc_member)
    url = reverse("assessments:case", args=[late_case.pk])
    refer = reverse("assessments:refer_case", args=[late_case.pk])
    data = form_data(page(client.get(url)), action=refer)
    shown = page(client.post(refer, postable(data)))
    assert "Please choose the ground" in shown
    data["ground"] = "late_notice"
    data["reason"] = "Live before notice."
    shown = page(client.post(refer, postable(data), follow=True))
    assert "Referred to the SEC Panel" in shown
    assert "Awaiting the Panel" in shown
    # SECAS lists it and records the Panel's outcome.
    referral = PanelReferral.objects.get()
    client.force_login(secas)
    assert "Referrals to the SEC Panel (1)" in page(client.get(reverse("secas:referrals")))
    outcome = reverse("secas:referral_outcome", args=[referral.pk])
    data = form_data(
        page(client.get(reverse("secas:referral", args=[referral.pk]))), action=outcome
    )
    data["outcome"] = "A warning letter."
    data["panel_meeting_date"] = timezone.localdate().isoformat()
    shown = page(client.post(outcome, postable(data), follow=True))
    assert "The Panel's outcome is recorded" in shown
    assert "A warning letter." in shown


def test_a_deferred_assessment_is_referred_from_its_committee_page(client, deferred, ssc_member):
    client.force_login(ssc_member)
    url = reverse("assessments:committee_assessment", args=[deferred.pk])
    refer = reverse("assessments:refer_assessment", args=[deferred.pk])
    data = form_data(page(client.get(url)), action=refer)
    data["ground"] = "not_approved"
    data["reason"] = "Deferred twice."
    shown = page(client.post(refer, postable(data), follow=True))
    assert "Referred to the SEC Panel" in shown
    assert PanelReferral.objects.get().assessment == deferred


def test_the_user_appeals_an_assessment_outcome_from_its_page(client, deferred, submitter):
    client.force_login(submitter)
    shown = page(client.get(reverse("assessments:assessment", args=[deferred.pk])))
    url = reverse("assessments:appeal_assessment_decision", args=[deferred.pk])
    assert url in shown
    data = form_data(page(client.get(url)), action=url)
    data["grounds"] = "Our response answered every point."
    shown = page(client.post(url, postable(data), follow=True))
    assert "Your appeal has been lodged" in shown
    assert Appeal.objects.get().assessment_decision == deferred.decision


# --- Two at once, on PostgreSQL --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submitters_appealing_at_once_lodge_one_appeal(organisation, secas, meeting):
    from tests.assessments.test_concurrency import _at_once

    member = factories.ssc_user(full_name="Rapp Orteur")
    people = [factories.MembershipFactory(organisation=organisation, role="submitter").user]
    people.append(factories.MembershipFactory(organisation=organisation, role="admin").user)
    draft = factories.NotificationFactory(organisation=organisation, created_by=people[0])
    case = intake.submit_notification(notification=draft, by=people[0], declaration_accepted=True)
    from assessments.services import start_review

    start_review(notification=case, by=secas, rapporteur=member, meeting=meeting)
    decision = decide(
        notification=case, by=member, outcome="no_assessment", rationale="Fine.", meeting=meeting
    )
    outcomes = _at_once(
        *(
            lambda person=person: appeals.lodge_appeal(
                by=person, grounds=f"By {person.pk}", documents=[], decision=decision
            )
            for person in people
        )
    )
    assert outcomes.count("done") == 1
    assert any("already lodged by" in outcome for outcome in outcomes)
    assert Appeal.objects.count() == 1
