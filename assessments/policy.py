"""The rules about the SSC's work: the committee's pages, meetings, and assessments."""

import rules

from notifications.policy import decides_for_the_ssc
from users.policy import (
    conflicted_with,
    holds_model_permission,
    is_secas,
    is_ssc_member,
    on_committee_side,
    on_secas_side,
    organisation_of,
    prepares_for,
    submits_for,
)
from users.selectors import acting_chair

# SECAS staff who book, track and complete assessments.
manages_assessments = is_secas & holds_model_permission("assessments.manage_assessment")

rules.add_perm("assessments.view_committee_pages", on_committee_side)
rules.add_perm("assessments.view_secas_pages", on_secas_side)
# An organisation's own home page: its people only (committee accounts use the case pages).
rules.add_perm("assessments.view_organisation_home", prepares_for)

manages_meetings = is_secas & holds_model_permission("assessments.change_sscmeeting")
rules.add_perm("assessments.manage_meetings", manages_meetings)
# Deferring a case to a later meeting: an SSC member who could decide it, or SECAS recording what
# the meeting decided; never anyone with a conflict with the organisation (object: a case).
rules.add_perm(
    "assessments.defer_case", (decides_for_the_ssc | manages_meetings) & ~conflicted_with
)
# A written procedure (decision by correspondence): SECAS opens, withdraws and settles it, as it
# runs meetings; the members who may decide the case reply; the committee side without a
# conflict sees it (the object is a case or a procedure).
rules.add_perm("assessments.open_written_procedure", manages_meetings)
rules.add_perm("assessments.reply_written_procedure", decides_for_the_ssc)
rules.add_perm("assessments.view_written_procedure", on_committee_side & ~conflicted_with)
# Who may attend a meeting as a member, and count towards a case's quorum (object: a case or
# an organisation; without one, attendance in general).
rules.add_perm("assessments.attend_meeting", is_ssc_member)
rules.add_perm("assessments.count_towards_quorum", is_ssc_member & ~conflicted_with)

# An assurance outcome from before the portal (or its correction), added to the history.
rules.add_perm(
    "assessments.record_assurance_history",
    on_secas_side & holds_model_permission("assessments.add_assurancerecord"),
)
rules.add_perm(
    "assessments.record_assessment_steps",
    manages_assessments,
)

# An assessment's page on the User's side: the organisation's people (committee accounts use
# SECAS's page). A self-assessment (USSA) is the User's: its submitters send it; SECAS records
# the CIO's review.
rules.add_perm("assessments.view_own_assessment", prepares_for)
rules.add_perm("assessments.submit_self_assessment", submits_for)
# The User's response to the report: its submitters upload it, as they send a self-assessment.
rules.add_perm("assessments.submit_assessment_response", submits_for)
# The response step itself: recorded by SECAS when it came otherwise, or uploaded by the User
# (SECAS asked first: its page then needs no membership lookup).
rules.add_perm(
    "assessments.receive_response",
    manages_assessments | submits_for,
)
# An assessment's documents: the organisation's people, and SECAS (who passes them on).
rules.add_perm("assessments.view_assessment_documents", prepares_for | on_secas_side)
# Whether an ad-hoc assessment counts as the annual review: SECAS, saying why.
rules.add_perm(
    "assessments.change_counts_as_annual_review",
    manages_assessments,
)
# Remediation steps: the User's submitters mark them done with evidence; SECAS reviews them.
rules.add_perm("assessments.complete_remediation_step", submits_for)
rules.add_perm(
    "assessments.review_remediation_step",
    manages_assessments,
)
# A step's page and its evidence: the organisation's people, and SECAS.
rules.add_perm("assessments.view_remediation_step", prepares_for | on_secas_side)

# --- The assurance status: SECAS proposes, the SSC decides (or the Panel, after an initial FUSA)
rules.add_perm(
    "assessments.propose_outcome",
    manages_assessments,
)
# The same members, by the same rule, as decide on notifications: an SSC member without a
# conflict with the organisation (the object is an assessment or an organisation).
rules.add_perm("assessments.decide_outcome", decides_for_the_ssc)
# The Panel decides after an initial FUSA; SECAS records what it decided.
rules.add_perm(
    "assessments.record_panel_decision",
    manages_assessments,
)
# The completion step itself, which only a decision takes.
rules.add_perm(
    "assessments.record_outcome",
    decides_for_the_ssc | manages_assessments,
)
# An assessment's page for the committee (the proposal, the history, the decision form):
# SECAS and SSC members without a conflict.
rules.add_perm("assessments.view_committee_assessment", on_committee_side & ~conflicted_with)
# The letter of an assessment's decision: the organisation's people, SECAS, and SSC members
# without a conflict.
rules.add_perm(
    "assessments.view_assessment_decision_letter",
    prepares_for | (on_committee_side & ~conflicted_with),
)


# --- The rapporteur's recommendation and the meeting papers -----------------------------------
@rules.predicate
def is_rapporteur_of(user, case) -> bool:
    """The person SECAS named as the case's rapporteur (the object is a notification)."""
    return case is not None and user.pk is not None and case.rapporteur_id == user.pk


# Recorded (and revised) by the case's rapporteur while they may still be it: an SSC member
# without a conflict.
rules.add_perm(
    "assessments.record_recommendation", is_rapporteur_of & is_ssc_member & ~conflicted_with
)
# Read by the committee (SECAS, and SSC members without a conflict); never by the User.
rules.add_perm("assessments.view_recommendation", on_committee_side & ~conflicted_with)
# SECAS generates, publishes and re-issues a meeting's papers, and sees who downloaded them.
rules.add_perm(
    "assessments.publish_papers",
    is_secas & holds_model_permission("assessments.change_sscmeeting"),
)
rules.add_perm("assessments.view_papers_downloads", on_secas_side)
# The papers go to SECAS and SSC members; each member's copy leaves out their conflicts.
rules.add_perm("assessments.view_papers", on_committee_side)
# The periodic report to the SEC Panel: SECAS generates, lists and downloads it.
rules.add_perm("assessments.report_to_panel", on_secas_side)


@rules.predicate
def acts_as_chair_for(user, obj) -> bool:
    """Acts as the SSC chair on the organisation's cases (the deputy where the chair cannot)."""
    acting = acting_chair(organisation_of(obj))
    return acting is not None and acting.pk == getattr(user, "pk", None)


# Chair's action: the acting chair decides a case alone when its go-live comes before the next
# meeting (the service and the page ask about the dates).
rules.add_perm("assessments.take_chairs_action", decides_for_the_ssc & acts_as_chair_for)

# --- Referral to the SEC Panel, and appeals (issue 14 part 8) --------------------------------
# SECAS, or the committee (an SSC member who decides, without a conflict), refers a case.
rules.add_perm("assessments.refer_to_panel", manages_assessments | decides_for_the_ssc)
# Referrals are read where the case is read: SECAS and SSC members without a conflict.
rules.add_perm("assessments.view_referrals", on_committee_side & ~conflicted_with)
# The Panel's outcome of a referral, and of an appeal, is recorded by SECAS.
rules.add_perm("assessments.record_panel_outcome", manages_assessments)
# A User's submitters appeal its decisions, and may withdraw an appeal still open.
rules.add_perm("assessments.lodge_appeal", submits_for)
rules.add_perm("assessments.withdraw_appeal", submits_for)
# An appeal and its documents: the organisation's people, and SECAS.
rules.add_perm("assessments.view_appeal", prepares_for | on_secas_side)
# SECAS takes an appeal to the Panel and records what the Panel decided.
rules.add_perm("assessments.manage_appeals", manages_assessments)
