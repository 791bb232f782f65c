"""The pages of an assessment's outcome: SECAS proposes on its page, the SSC decides on the
committee's page, the meeting page, the minutes and the dashboard list outcomes, and the letter
is a PDF for those who may read it."""

import csv
import html
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentState, OutcomeProposal
from notifications.models import UserSystem
from tests import factories
from tests.assessments import journey
from tests.html_forms import form_data, postable

A = AssessmentState


def page(response) -> str:
    return html.unescape(response.content.decode())


def ad_hoc(organisation, kind="vusa"):
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=journey.in_days(60),
        scope="The new head end only.",
    )
    system, _ = UserSystem.objects.get_or_create(organisation=organisation, name="Head end")
    assessment.systems_in_scope.add(system)
    return assessment


@pytest.fixture
def proposed(organisation, secas):
    return journey.outcome_proposed(
        ad_hoc(organisation), by=secas, status="deferred", rationale="Logging falls short of G5."
    )


def committee_url(assessment) -> str:
    return reverse("assessments:committee_assessment", args=[assessment.pk])


def decide_url(assessment) -> str:
    return reverse("assessments:decide_outcome", args=[assessment.pk])


def step_url(assessment, step) -> str:
    return reverse("secas:assessment_step", args=[assessment.pk, step])


# --- SECAS's page --------------------------------------------------------------------------------


def test_secas_proposes_from_the_form_its_page_shows(client, organisation, secas):
    assessment = journey.response_received(ad_hoc(organisation), by=secas)
    client.force_login(secas)
    url = reverse("secas:assessment", args=[assessment.pk])
    shown = page(client.get(url))
    assert "Next step: Propose the outcome to the SSC" in shown
    assert "complete with an assurance status" not in shown.lower()
    data = form_data(shown, action=step_url(assessment, "propose_outcome"))
    data["status"] = "approved"
    data["rationale"] = "Every obligation met."
    response = client.post(step_url(assessment, "propose_outcome"), postable(data), follow=True)
    shown = page(response)
    assert "Proposed to the SSC: Approved. The assessment now awaits the committee's decision." in (
        shown
    )
    assert "Proposed outcome, awaiting the committee: Approved" in shown
    assert "Every obligation met." in shown
    assessment.refresh_from_db()
    assert assessment.state == A.OUTCOME_PROPOSED


def test_a_proposal_without_reasons_keeps_the_status_chosen(client, organisation, secas):
    assessment = journey.response_received(ad_hoc(organisation), by=secas)
    client.force_login(secas)
    response = client.post(step_url(assessment, "propose_outcome"), {"status": "rejected"})
    assert response.status_code == 200
    shown = page(response)
    assert "Please give the reasons for the proposal" in shown
    # Shown again as it was chosen: posting the form back sends it.
    assert form_data(shown, action=step_url(assessment, "propose_outcome"))["status"] == "rejected"
    assert not OutcomeProposal.objects.exists()


def test_secas_replaces_and_withdraws_the_proposal_from_its_page(client, proposed, secas):
    client.force_login(secas)
    url = reverse("secas:assessment", args=[proposed.pk])
    shown = page(client.get(url))
    assert "Replace the proposal" in shown
    assert "Withdraw the proposal" in shown
    # A VUSA: no Panel, only the SSC decides it.
    assert "Record the Panel's decision" not in shown
    data = form_data(shown, action=step_url(proposed, "propose_outcome"))
    assert data["replaces"] == str(OutcomeProposal.objects.get().pk)
    assert data["status"] == "deferred"  # the standing proposal, shown again
    data["status"] = "rejected"
    data["rationale"] = "Worse than thought."
    response = client.post(step_url(proposed, "propose_outcome"), postable(data), follow=True)
    assert "Proposed to the SSC: Rejected." in page(response)
    assert "Earlier proposals, withdrawn (1)" in page(response)

    data = form_data(page(response), action=step_url(proposed, "withdraw_proposal"))
    response = client.post(step_url(proposed, "withdraw_proposal"), postable(data))
    assert response.status_code == 200
    assert "Please say why the proposal is withdrawn." in page(response)
    data["reason"] = "The CIO revises the report."
    response = client.post(step_url(proposed, "withdraw_proposal"), postable(data), follow=True)
    assert "Proposal withdrawn: the assessment waits for a new proposal." in page(response)
    proposed.refresh_from_db()
    assert proposed.state == A.RESPONSE_RECEIVED


def test_a_stale_replacement_is_refused_with_what_was_typed(client, proposed, secas):
    client.force_login(secas)
    data = form_data(
        page(client.get(reverse("secas:assessment", args=[proposed.pk]))),
        action=step_url(proposed, "propose_outcome"),
    )
    data["replaces"] = "999999"
    data["rationale"] = "TYPED-REASONS"
    response = client.post(step_url(proposed, "propose_outcome"), postable(data))
    assert response.status_code == 200
    shown = page(response)
    assert "Sam Secas proposed deferred on" in shown
    assert "TYPED-REASONS" in shown


def test_secas_records_the_panels_decision_after_an_initial_fusa(
    client, organisation, secas, submitter
):
    first = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=journey.in_days(60)
    )
    fusa = journey.outcome_proposed(first, by=secas, status="approved")
    client.force_login(secas)
    url = reverse("secas:assessment", args=[fusa.pk])
    shown = page(client.get(url))
    assert "Record the Panel's decision" in shown
    action = step_url(fusa, "record_panel_decision")
    data = form_data(shown, action=action)
    assert data["status"] == "approved"
    data["rationale"] = "The Panel approved."
    data["panel_meeting_date"] = "not a date"
    response = client.post(action, postable(data))
    assert response.status_code == 200
    assert "Enter a real date" in page(response)
    assert "The Panel approved." in page(response)
    data["panel_meeting_date"] = timezone.localdate().isoformat()
    response = client.post(action, postable(data), follow=True)
    shown = page(response)
    assert (
        "The Panel's decision is recorded: Approved. The decision letter has been sent "
        "to the User." in shown
    )
    assert f"By the Panel at its meeting of {timezone.localdate():%d/%m/%Y}" in shown
    fusa.refresh_from_db()
    assert fusa.decision.is_panel_decision


def test_the_panels_decision_is_refused_in_words_for_a_later_assessment(
    client, organisation, secas
):
    factories.AssuranceRecordFactory(organisation=organisation)
    fusa = journey.outcome_proposed(ad_hoc(organisation, kind="fusa"), by=secas, status="approved")
    client.force_login(secas)
    shown = page(client.get(reverse("secas:assessment", args=[fusa.pk])))
    assert "Record the Panel's decision" not in shown
    response = client.post(
        step_url(fusa, "record_panel_decision"),
        {
            "status": "approved",
            "rationale": "Panel.",
            "panel_meeting_date": timezone.localdate().isoformat(),
            "steps-TOTAL_FORMS": "0",
            "steps-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "only after an initial FUSA" in page(response)


# --- The committee's page ------------------------------------------------------------------------


def test_a_member_sees_the_proposal_and_decides_it_from_the_page(
    client, proposed, ssc_member, meeting, submitter
):
    client.force_login(ssc_member)
    shown = page(client.get(committee_url(proposed)))
    assert "Proposed outcome, awaiting the committee: Deferred" in shown
    assert "Logging falls short of G5." in shown
    assert "Head end" in shown  # the systems in scope
    assert "The new head end only." in shown
    assert "Outcome proposed" in shown  # the history
    assert "Record the SSC's decision" in shown
    data = form_data(shown, action=decide_url(proposed))
    assert data["status"] == "deferred"  # offered as proposed; the SSC may decide otherwise
    data["meeting"] = str(meeting.pk)
    data["status"] = "approved"
    data["rationale"] = "The response closes the gaps."
    response = client.post(decide_url(proposed), postable(data), follow=True)
    shown = page(response)
    assert (
        f"Decision recorded: Approved. The decision letter has been sent to "
        f"{proposed.organisation}." in shown
    )
    assert "Decided: Approved" in shown
    assert "SECAS had proposed Deferred." in shown
    assert reverse("assessments:assessment_decision_letter", args=[proposed.pk]) in shown
    proposed.refresh_from_db()
    assert proposed.state == A.COMPLETED


def test_a_wrong_decision_form_keeps_what_was_typed(client, proposed, ssc_member, meeting):
    client.force_login(ssc_member)
    response = client.post(
        decide_url(proposed),
        {"meeting": meeting.pk, "status": "rejected", "rationale": ""},
    )
    assert response.status_code == 200
    shown = response.content.decode()
    assert "A decision needs a written rationale." in shown
    again = form_data(shown, action=decide_url(proposed))
    assert (again["meeting"], again["status"]) == (str(meeting.pk), "rejected")
    proposed.refresh_from_db()
    assert proposed.state == A.OUTCOME_PROPOSED


def test_a_refused_decision_says_why_and_keeps_the_rationale(
    client, proposed, ssc_member, conflicted_member
):
    not_quorate = factories.SSCMeetingFactory(attendees=[conflicted_member])
    client.force_login(ssc_member)
    response = client.post(
        decide_url(proposed),
        {"meeting": not_quorate.pk, "status": "approved", "rationale": "KEPT-RATIONALE"},
    )
    assert response.status_code == 200
    shown = page(response)
    assert "is not quorate for this assessment: 0 of the 1 members needed" in shown
    assert "KEPT-RATIONALE" in shown


def test_a_late_second_decision_is_told_who_decided_first(client, proposed, ssc_member, meeting):
    first = factories.ssc_user(full_name="First Member")
    journey.services.decide_assessment_outcome(
        assessment=proposed, by=first, meeting=meeting, status="rejected", rationale="No."
    )
    client.force_login(ssc_member)
    response = client.post(
        decide_url(proposed), {"meeting": meeting.pk, "status": "approved", "rationale": "Yes."}
    )
    assert "already decided by First Member on" in page(response)
    assert ": rejected." in page(response)


def test_secas_reads_the_committee_page_but_the_ssc_decides(client, proposed, secas):
    client.force_login(secas)
    shown = page(client.get(committee_url(proposed)))
    assert "Record the SSC's decision" not in shown
    assert "This outcome awaits the SSC's decision" in shown
    assert reverse("secas:assessment", args=[proposed.pk]) in shown


@pytest.mark.parametrize("who", ["conflicted_member", "submitter", "other_submitter"])
def test_the_committee_page_is_404_to_the_conflicted_and_to_users(client, request, proposed, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(committee_url(proposed)).status_code == 404
    assert client.post(decide_url(proposed), {}).status_code == 404
    proposed.refresh_from_db()
    assert proposed.state == A.OUTCOME_PROPOSED


# --- The letter --------------------------------------------------------------------------------


@pytest.fixture
def decided(organisation, secas, meeting):
    return journey.outcome_decided(
        ad_hoc(organisation), by=secas, status="deferred", meeting=meeting
    )


@pytest.mark.parametrize("who", ["submitter", "preparer", "secas", "ssc_member"])
def test_the_decision_letter_is_a_pdf_for_the_organisation_and_the_committee(
    client, request, decided, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("assessments:assessment_decision_letter", args=[decided.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"assessment-{decided.pk}-decision-letter.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["conflicted_member", "other_submitter"])
def test_the_decision_letter_is_404_to_others(client, request, decided, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("assessments:assessment_decision_letter", args=[decided.pk])
    assert client.get(url).status_code == 404


def test_there_is_no_letter_before_the_decision(client, proposed, submitter):
    client.force_login(submitter)
    url = reverse("assessments:assessment_decision_letter", args=[proposed.pk])
    assert client.get(url).status_code == 404


# --- Meetings, minutes and the dashboard -------------------------------------------------------


def test_the_meeting_page_lists_outcomes_decided_and_awaiting(
    client, organisation, other_organisation, secas, meeting, ssc_member, conflicted_member
):
    decided = journey.outcome_decided(
        ad_hoc(organisation), by=secas, status="approved", proposed="deferred", meeting=meeting
    )
    awaiting = journey.outcome_proposed(ad_hoc(other_organisation), by=secas, status="rejected")
    own_awaiting = journey.outcome_proposed(ad_hoc(organisation), by=secas, status="approved")
    client.force_login(ssc_member)
    shown = page(client.get(reverse("assessments:meeting", args=[meeting.pk])))
    assert "Assessment outcomes decided at this meeting" in shown
    assert f'{committee_url(decided)}">{organisation.name}' in shown
    assert "(SECAS proposed Deferred)" in shown
    assert "Proposed outcomes awaiting the committee (2)" in shown
    assert f"{committee_url(awaiting)}?meeting={meeting.pk}" in shown
    assert "1 assessment outcome)" in shown
    # A member with a conflict sees neither of the organisation's outcomes.
    client.force_login(conflicted_member)
    shown = page(client.get(reverse("assessments:meeting", args=[meeting.pk])))
    assert committee_url(decided) not in shown
    assert committee_url(own_awaiting) not in shown
    assert committee_url(awaiting) in shown
    assert "Proposed outcomes awaiting the committee (1)" in shown


def test_the_minutes_include_the_outcomes_decided_at_the_meeting(
    client, organisation, secas, meeting, ssc_member, conflicted_member
):
    journey.outcome_decided(
        ad_hoc(organisation),
        by=secas,
        status="deferred",
        meeting=meeting,
        rationale="=SUM(evil) G5 gaps",
    )
    client.force_login(ssc_member)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("assessments:minutes", args=[meeting.pk, "csv"])
                ).content.decode()
            )
        )
    )
    assert rows[1][:5] == [
        "Ad-hoc assessment required under G8.13",
        organisation.name,
        "Head end",
        "Verification User Security Assessment (VUSA) – assurance status: Deferred",
        "'=SUM(evil) G5 gaps",
    ]
    pdf = client.get(reverse("assessments:minutes", args=[meeting.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF-")
    client.force_login(conflicted_member)
    minutes = client.get(reverse("assessments:minutes", args=[meeting.pk, "csv"]))
    assert organisation.name not in minutes.content.decode()


def test_the_dashboard_shows_outcomes_awaiting_a_decision_a_page_at_a_time(
    client, organisation, secas, ssc_member, conflicted_member
):
    proposals = [
        journey.outcome_proposed(ad_hoc(organisation), by=secas, status="approved")
        for _ in range(11)
    ]
    client.force_login(ssc_member)
    shown = page(client.get(reverse("assessments:dashboard")))
    assert "Assessment outcomes awaiting the committee (11)" in shown
    assert committee_url(proposals[0]) in shown
    assert committee_url(proposals[10]) not in shown
    shown = page(client.get(reverse("assessments:dashboard") + "?outcomes_page=2"))
    assert committee_url(proposals[10]) in shown
    client.force_login(conflicted_member)
    shown = page(client.get(reverse("assessments:dashboard")))
    assert "Assessment outcomes awaiting the committee (0)" in shown


def test_an_assessment_completed_before_decisions_were_kept_says_so(
    client, organisation, ssc_member
):
    older = ad_hoc(organisation)
    Assessment.objects.filter(pk=older.pk).update(
        state=A.COMPLETED, assurance_status="approved", completed_at=timezone.now()
    )
    client.force_login(ssc_member)
    shown = page(client.get(committee_url(older)))
    assert "Completed with the assurance status Approved, recorded before" in shown
    assert "Record the SSC's decision" not in shown


# --- What the User sees, and pages left open while someone else acts ----------------------------


def test_the_user_never_sees_secas_proposal_or_its_reasons(client, proposed, submitter, secas):
    services.withdraw_proposal(assessment=proposed, by=secas, reason="WITHDRAWN-REASON")
    journey.outcome_proposed(proposed, by=secas, status="rejected", rationale="SECRET-REASONS")
    client.force_login(submitter)
    shown = page(client.get(reverse("assessments:assessment", args=[proposed.pk])))
    assert "Outcome proposed" in shown  # where it stands, not what is proposed
    for committee_text in ("SECRET-REASONS", "WITHDRAWN-REASON", "Logging falls short of G5."):
        assert committee_text not in shown


def test_the_user_sees_the_decision_its_letter_and_the_follow_up(
    client, organisation, secas, submitter, meeting
):
    deferred = journey.outcome_decided(
        ad_hoc(organisation),
        by=secas,
        status="deferred",
        meeting=meeting,
        rationale="Logging must improve.",
    )
    follow_up = deferred.follow_ups.get()
    client.force_login(submitter)
    shown = page(client.get(reverse("assessments:assessment", args=[deferred.pk])))
    assert "Decided: Deferred" in shown
    assert f"By the Security Sub-Committee at its meeting of {meeting.date:%d/%m/%Y}." in shown
    assert "Logging must improve." in shown
    assert reverse("assessments:assessment_decision_letter", args=[deferred.pk]) in shown
    assert (
        f"A follow-up {follow_up.get_kind_display()} is due by {follow_up.due_date:%d/%m/%Y}:"
        in shown
    )
    assert reverse("assessments:assessment", args=[follow_up.pk]) in shown


def test_a_decision_on_a_proposal_replaced_since_the_page_opened_is_refused_then_offered_again(
    client, proposed, secas, ssc_member, meeting
):
    client.force_login(ssc_member)
    shown = page(client.get(committee_url(proposed)))
    data = form_data(shown, action=decide_url(proposed))
    data.update(meeting=str(meeting.pk), status="deferred", rationale="As SECAS proposes.")
    standing = OutcomeProposal.objects.get(assessment=proposed, withdrawn_at__isnull=True)
    services.propose_outcome(
        assessment=proposed,
        by=secas,
        status="rejected",
        rationale="The CIO's addendum.",
        replaces=standing.pk,
    )

    response = client.post(decide_url(proposed), postable(data))

    assert response.status_code == 200
    again = page(response)
    assert "SECAS changed its proposal since the page was opened" in again
    assert "The CIO's addendum." in again  # the new proposal is on the page
    proposed.refresh_from_db()
    assert proposed.state == A.OUTCOME_PROPOSED
    # Posted again from the page as it now is, the decision is taken on the new proposal.
    retry = form_data(again, action=decide_url(proposed))
    assert retry["rationale"] == "As SECAS proposes."
    response = client.post(decide_url(proposed), postable(retry), follow=True)
    assert "Decision recorded: Deferred." in page(response)


def test_a_replacement_refused_for_a_stale_page_is_offered_against_the_new_proposal(
    client, proposed, secas
):
    client.force_login(secas)
    url = reverse("secas:assessment", args=[proposed.pk])
    data = form_data(page(client.get(url)), action=step_url(proposed, "propose_outcome"))
    standing = OutcomeProposal.objects.get(assessment=proposed, withdrawn_at__isnull=True)
    services.propose_outcome(
        assessment=proposed,
        by=secas,
        status="approved",
        rationale="A colleague's proposal.",
        replaces=standing.pk,
    )
    data.update(status="rejected", rationale="Mine.")

    response = client.post(step_url(proposed, "propose_outcome"), postable(data))

    assert "Read that proposal before replacing it." in page(response)
    retry = form_data(page(response), action=step_url(proposed, "propose_outcome"))
    assert retry["rationale"] == "Mine."
    response = client.post(step_url(proposed, "propose_outcome"), postable(retry), follow=True)
    assert "Proposed to the SSC: Rejected." in page(response)
