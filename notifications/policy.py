"""The rules about notifications: who may prepare, submit, triage, question, decide and close.

Every check on a notification asks these (through `users.policy.allows`), the FSM transitions'
`permission=` included. What a person may *see* is `notifications.selectors`'s job.
"""

import rules

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

# The User's side: an organisation's own people (the object is a notification or organisation).
rules.add_perm("notifications.prepare", prepares_for)
rules.add_perm("notifications.submit", submits_for)
rules.add_perm("notifications.withdraw", submits_for | is_secas)
rules.add_perm("notifications.provide_information", submits_for)

# The committee's side.
rules.add_perm(
    "notifications.triage", is_secas & holds_model_permission("notifications.triage_notification")
)
rules.add_perm(
    "notifications.ask_for_information",
    holds_model_permission("notifications.request_information") & ~conflicted_with,
)
# An SSC member who decides for the committee, without a conflict with the organisation: the
# one rule for deciding a case and an assessment's outcome.
decides_for_the_ssc = (
    is_ssc_member & holds_model_permission("notifications.decide_notification") & ~conflicted_with
)
rules.add_perm("notifications.decide", decides_for_the_ssc)
# SECAS, who put cases on the agenda, records the committee's decision from its minutes.
minutes_for_the_ssc = is_secas & holds_model_permission("notifications.triage_notification")
rules.add_perm("notifications.minute_decision", minutes_for_the_ssc)
# The decision steps themselves: a member deciding, or SECAS minuting (the service asks which).
rules.add_perm("notifications.record_decision", decides_for_the_ssc | minutes_for_the_ssc)
# Who hears of a decision taken outside a meeting: SSC members without a conflict.
rules.add_perm("notifications.hear_of_decisions", is_ssc_member & ~conflicted_with)
# A case closes when its assessment's outcome is decided: by SECAS (recording the Panel's
# decision), or by the SSC member who decided it, by the same rule as deciding the case.
rules.add_perm(
    "notifications.close",
    (is_secas & holds_model_permission("notifications.close_notification")) | decides_for_the_ssc,
)
# Who SECAS may name as a case's rapporteur: an SSC member without a conflict.
rules.add_perm("notifications.be_rapporteur", is_ssc_member & ~conflicted_with)
# Reading what older details declare is part of triage.
rules.add_perm(
    "notifications.confirm_non_compliance",
    is_secas & holds_model_permission("notifications.triage_notification"),
)
# Whether an SRP's assessment covered a User System: SECAS reads the SRP's report at triage.
rules.add_perm(
    "notifications.confirm_srp_coverage",
    is_secas & holds_model_permission("notifications.triage_notification"),
)
# The register of User Systems: the organisation's own people, SECAS, and SSC members without a
# conflict (the object is a system or an organisation).
rules.add_perm(
    "notifications.view_systems", prepares_for | on_secas_side | (is_ssc_member & ~conflicted_with)
)
# The User records once when it began to employ a system; SECAS corrects it, with a reason.
rules.add_perm("notifications.record_go_live", submits_for)
rules.add_perm(
    "notifications.correct_go_live",
    is_secas & holds_model_permission("notifications.change_usersystem"),
)
rules.add_perm(
    "notifications.retire_system",
    submits_for | (is_secas & holds_model_permission("notifications.change_usersystem")),
)
# A change to a notified system starts as a draft, which any of the organisation's people may do.
rules.add_perm("notifications.notify_change", prepares_for)
# The link on a case matches the page it opens (SECAS pages: SECAS and superusers).
rules.add_perm("notifications.view_communications_log", on_secas_side)
# Staff see who did what by name on a timeline; a User sees the SSC's steps without names.
rules.add_perm("notifications.see_staff_names", on_committee_side)
