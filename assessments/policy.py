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
    prepares_for,
    submits_for,
)

# SECAS staff who book, track and complete assessments.
manages_assessments = is_secas & holds_model_permission("assessments.manage_assessment")

rules.add_perm("assessments.view_committee_pages", on_committee_side)
rules.add_perm("assessments.view_secas_pages", on_secas_side)
# An organisation's own home page: its people only (committee accounts use the case pages).
rules.add_perm("assessments.view_organisation_home", prepares_for)

manages_meetings = is_secas & holds_model_permission("assessments.change_sscmeeting")
rules.add_perm("assessments.manage_meetings", manages_meetings)
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
