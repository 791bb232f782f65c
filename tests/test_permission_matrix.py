"""Every URL pattern, for every kind of person: the answer each must get, read from the policy.

Each page names the rule it obeys (a rule of an app's policy.py, or a predicate of
users.policy); the answer a person should get is worked out by asking the policy, then checked
against what the page actually does. So a page that forgets to ask, or asks the wrong question,
fails here. A URL pattern missing from the tables fails too: a new page cannot ship without a
decision about who may reach it. The admin's pages are included: the admin site answers to
`users.use_admin_site`, and each model's pages to its ModelAdmin's permissions.
"""

import datetime
import html
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import rules
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_fsm import has_transition_perm

from api.models import ApiToken
from assessments import appeals
from assessments.filters import CaseQueueFilter
from assessments.models import (
    Assessment,
    AssessmentDocument,
    AssuranceRecord,
    DocumentKind,
    MeetingConflict,
    Reminder,
)
from assessments.panel_report import generate_report, previous_period
from assessments.papers import publish_papers
from assessments.services import decide, start_review
from assessments.written import open_written_procedure
from notifications import services as intake
from notifications.models import AssuranceStatus, Attachment, AttachmentDownload, Message
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.api.conftest import make_token
from tests.assessments import journey
from tests.assessments.journey import report_received
from tests.assessments.test_lifecycle import checked_upload
from tests.uploads import PDF_BYTES, upload
from users.filters import AuditTrailFilter
from users.models import CalendarFeed, Membership, SecurityEvent, User
from users.policy import (
    allows,
    conflicted_with,
    is_active_person,
    must_use_two_factor,
    on_committee_side,
    prepares_for,
)
from users.security import record_event

ANONYMOUS = "anonymous"
PREPARER, SUBMITTER, ORG_ADMIN = "preparer", "submitter", "org_admin"
OTHER_ORG = "other_organisation_staff"
SSC, CONFLICTED, CHAIR, SECAS = "ssc_member", "conflicted_member", "ssc_chair", "secas"
SUPERUSER = "superuser"
PEOPLE = [
    ANONYMOUS,
    PREPARER,
    SUBMITTER,
    ORG_ADMIN,
    OTHER_ORG,
    SSC,
    CONFLICTED,
    CHAIR,
    SECAS,
    SUPERUSER,
]

LOGIN = "login"  # expected: redirected to sign in
ADMIN_LOGIN = "admin login"  # expected: redirected to the admin site's sign-in
ADMIN_INDEX = "admin index"  # expected: redirected to the admin site's index
POSTED = (200, 302)  # a form error shown again, or a redirect with a message: both fine

# --- Who a rule lets through ------------------------------------------------------------------

EVERYONE = rules.always_allow
SIGNED_IN = is_active_person
# A submitted case is read by the organisation's people and, without a conflict, the committee.
CASE_READERS = prepares_for | (on_committee_side & ~conflicted_with)
REVIEWERS = on_committee_side & ~conflicted_with


@rules.predicate
def invited_person(user, invitation) -> bool:
    """Only the person an invitation was sent to may answer it."""
    return user == invitation.user


@rules.predicate
def token_owner(user, token) -> bool:
    """A person's API tokens are theirs alone: anyone else's is not found."""
    return user == token.user


@dataclass(frozen=True)
class Answer:
    """Of those the page's rule lets through: `yes` for those `rule` also allows, else `no`."""

    rule: object
    yes: int
    no: int


@dataclass(frozen=True)
class Page:
    method: str
    key: str | None  # which object the URL (and the rule) is about
    rule: object  # a rule's name, or a predicate
    ok: int | Answer = 200
    denied: int = 404
    anonymous: int | str = LOGIN


def every_page():
    """PAGES, and the GET of the URLs in it that answer both methods (ALSO_GET)."""
    return [*PAGES.items(), *ALSO_GET.items()]


def passes(user, rule, obj) -> bool:
    if isinstance(rule, str):
        return allows(user, rule, obj)
    return rule.test(user, obj)


# name -> the page's method, its object, and the rule it obeys
PAGES = {
    # Signed-in people are sent on to their own home page.
    "home": Page("get", None, SIGNED_IN, ok=302, anonymous=200),
    "login": Page("get", None, EVERYONE),
    "logout": Page("get", None, EVERYONE, ok=405),
    "password_reset": Page("get", None, EVERYONE),
    "password_reset_done": Page("get", None, EVERYONE),
    "password_reset_confirm": Page("get", "reset", EVERYONE),
    "password_reset_complete": Page("get", None, EVERYONE),
    "organisation_home": Page("get", "organisation", "assessments.view_organisation_home"),
    "users:two_factor": Page("get", None, SIGNED_IN),
    # Committee accounts are already enrolled and verified here, so they are sent on.
    "users:two_factor_setup": Page("get", None, SIGNED_IN & ~must_use_two_factor, denied=302),
    "users:two_factor_verify": Page("get", None, SIGNED_IN & ~must_use_two_factor, denied=302),
    "users:recovery_codes": Page("post", None, must_use_two_factor, denied=302),
    "users:two_factor_disable": Page("post", None, SIGNED_IN, ok=302),
    "users:audit": Page("get", None, "users.view_audit_trail"),
    "users:staff": Page("get", "organisation", "users.administer_organisation"),
    "users:invite": Page("post", "organisation", "users.administer_organisation"),
    "users:membership": Page("post", "membership", "users.administer_organisation", ok=302),
    "users:resend_invitation": Page("post", "membership", "users.administer_organisation", ok=302),
    "users:withdraw_invitation": Page(
        "post", "membership", "users.administer_organisation", ok=302
    ),
    # Everyone sees their own invitations; only the invited person may answer one.
    "users:invitations": Page("get", None, SIGNED_IN),
    "users:invitation_accept": Page("post", "invitation", invited_person),
    "users:invitation_decline": Page("post", "invitation", invited_person),
    "notifications:create": Page("get", "organisation_pk", "notifications.prepare"),
    "notifications:detail": Page("get", "case", CASE_READERS),
    "notifications:edit": Page("get", "draft", "notifications.prepare"),
    "notifications:check": Page("get", "draft", "notifications.prepare"),
    # Submitters are shown the declaration's error; a preparer is sent back to the check page.
    "notifications:submit": Page(
        "post", "draft", "notifications.prepare", ok=Answer("notifications.submit", 200, 302)
    ),
    "notifications:respond": Page("post", "case", CASE_READERS),
    "notifications:withdraw": Page("post", "case", CASE_READERS),
    "notifications:message": Page("post", "case", CASE_READERS),
    "notifications:attachment_upload": Page("post", "draft", "notifications.prepare", ok=302),
    "notifications:attachment_download": Page("get", "attachment", "notifications.prepare"),
    "assessments:dashboard": Page("get", None, "assessments.view_committee_pages"),
    "assessments:organisation_names": Page("get", None, "assessments.view_committee_pages"),
    # The committee's at-risk list: SECAS and SSC members (each without their conflicts).
    "assessments:at_risk": Page("get", None, "assessments.view_committee_pages"),
    "assessments:case": Page("get", "case", REVIEWERS),
    "assessments:triage": Page("post", "case", REVIEWERS),
    "assessments:request_information": Page("post", "case", REVIEWERS),
    "assessments:decide": Page("post", "case", REVIEWERS),
    # Who may defer is asked inside (a refusal is a message); an empty form is shown again.
    "assessments:defer": Page("post", "case", REVIEWERS),
    # Chair's action: the acting chair only; this case's go-live is months away, so the chair
    # is sent back to the case with the reason.
    "assessments:chairs_action": Page("get", "case", "assessments.take_chairs_action", ok=302),
    # SECAS minutes the committee's decision; this page first asks which meeting took it.
    "assessments:minute_decision": Page("get", "case", "notifications.minute_decision"),
    # A written procedure: SECAS opens it from the case page; the committee side without a
    # conflict sees it; replying, withdrawing and settling ask their own rules inside.
    "assessments:open_written_procedure": Page("post", "case", REVIEWERS),
    "assessments:written_procedure": Page(
        "get", "written_procedure", "assessments.view_written_procedure"
    ),
    "assessments:written_procedure_reply": Page(
        "post", "written_procedure", "assessments.view_written_procedure"
    ),
    "assessments:written_procedure_withdraw": Page(
        "post", "written_procedure", "assessments.view_written_procedure"
    ),
    "assessments:written_procedure_close": Page(
        "post", "written_procedure", "assessments.view_written_procedure"
    ),
    "assessments:confirm_non_compliance": Page("post", "case", REVIEWERS),
    "assessments:record_size": Page("post", "case", REVIEWERS),
    "assessments:confirm_srp_coverage": Page("post", "case", REVIEWERS),
    "assessments:decision_letter": Page("get", "decided", CASE_READERS),
    # The register of User Systems: the organisation's people, SECAS, SSC members without a
    # conflict; each step on a system asks its own rule inside (a refusal is a message).
    "assessments:organisation_systems": Page("get", "organisation", "notifications.view_systems"),
    "assessments:system": Page("get", "system", "notifications.view_systems"),
    "assessments:system_go_live": Page("post", "system", "notifications.view_systems"),
    "assessments:system_retire": Page("post", "system", "notifications.view_systems"),
    "assessments:system_notify_change": Page("post", "system", "notifications.view_systems"),
    # An assessment on the User's side: the organisation's people see it (its submitters send
    # the self-assessment and the response, the service refusing the others); its documents are
    # theirs and SECAS's. Committee accounts have SECAS's page instead.
    "assessments:assessment": Page("get", "report_in", "assessments.view_own_assessment"),
    "assessments:submit_response": Page("post", "report_in", "assessments.view_own_assessment"),
    "assessments:document": Page("get", "report", "assessments.view_assessment_documents"),
    # The self-assessment's old addresses: the page sends on to the assessment's.
    "assessments:self_assessment": Page("get", "ussa", "assessments.view_own_assessment", ok=302),
    "assessments:submit_self_assessment": Page("post", "ussa", "assessments.view_own_assessment"),
    "assessments:self_assessment_file": Page(
        "get", "ussa_file", "assessments.view_assessment_documents"
    ),
    # A remediation step: its organisation's people and SECAS; each action asks its own rule
    # inside (a refusal, or an empty form, is a message on the page shown again).
    "assessments:remediation_step": Page(
        "get", "remediation_step", "assessments.view_remediation_step"
    ),
    "assessments:remediation_evidence_upload": Page(
        "post", "remediation_step", "assessments.view_remediation_step"
    ),
    "assessments:remediation_step_done": Page(
        "post", "remediation_step", "assessments.view_remediation_step"
    ),
    "assessments:remediation_step_accept": Page(
        "post", "remediation_step", "assessments.view_remediation_step"
    ),
    "assessments:remediation_step_send_back": Page(
        "post", "remediation_step", "assessments.view_remediation_step"
    ),
    "assessments:remediation_evidence_download": Page(
        "get", "remediation_evidence", "assessments.view_remediation_step"
    ),
    # An assessment's outcome: the committee's page (SECAS, members without a conflict), the
    # decision posted from it (the service asks who may decide: a refusal is a message), and
    # the decision letter (the organisation's people too).
    "assessments:committee_assessment": Page(
        "get", "proposed_assessment", "assessments.view_committee_assessment"
    ),
    "assessments:decide_outcome": Page(
        "post", "proposed_assessment", "assessments.view_committee_assessment"
    ),
    "assessments:assessment_decision_letter": Page(
        "get", "decided_assessment", "assessments.view_assessment_decision_letter"
    ),
    "assessments:meetings": Page("get", None, "assessments.view_committee_pages"),
    "assessments:meeting": Page("get", "meeting", "assessments.view_committee_pages"),
    "assessments:attendance": Page("post", "meeting", "assessments.view_committee_pages", ok=302),
    "assessments:meeting_conflict": Page(
        "post", "meeting", "assessments.view_committee_pages", ok=302
    ),
    "assessments:minutes": Page("get", "minutes", "assessments.view_committee_pages"),
    # The rapporteur's recommendation: the case's readers on the committee side reach the
    # action; the service asks who may record it (a refusal is a message on the case page).
    "assessments:record_recommendation": Page("post", "case", REVIEWERS),
    # The papers: SECAS and SSC members; SECAS publishes and reads who downloaded; a member's
    # case paper is 404 where they are conflicted.
    "assessments:publish_papers": Page("post", "meeting", "assessments.view_papers"),
    "assessments:draft_papers": Page(
        "get",
        "meeting",
        "assessments.view_papers",
        ok=Answer("assessments.publish_papers", 200, 302),
    ),
    "assessments:papers_download": Page("get", "papers", "assessments.view_papers"),
    "assessments:paper_download": Page("get", "paper", REVIEWERS),
    "assessments:papers_downloads": Page("get", "meeting", "assessments.view_papers_downloads"),
    "feeds:manage": Page("get", None, SIGNED_IN),
    "feeds:create": Page("post", None, SIGNED_IN, ok=302),
    "feeds:rotate": Page("post", None, SIGNED_IN, ok=302),
    "feeds:revoke": Page("post", None, SIGNED_IN, ok=302),
    # The secret address is the credential: calendar apps cannot sign in.
    "feeds:ics": Page("get", "feed", EVERYONE),
    # Personal API tokens: everyone signed in has their own; only the owner revokes one.
    "api_tokens:list": Page("get", None, SIGNED_IN),
    "api_tokens:revoke": Page("post", "api_token", token_owner, ok=302),
    "secas:dashboard": Page("get", None, "assessments.view_secas_pages"),
    "secas:awaiting": Page("get", None, "assessments.view_secas_pages"),
    "secas:assessments": Page("get", None, "assessments.view_secas_pages"),
    "secas:annual_reviews": Page("get", None, "assessments.view_secas_pages"),
    "secas:late_notifications": Page("get", None, "assessments.view_secas_pages"),
    "secas:without_first_system": Page("get", None, "assessments.view_secas_pages"),
    "secas:employed_early": Page("get", None, "assessments.view_secas_pages"),
    "secas:organisations_at_risk": Page("get", None, "assessments.view_secas_pages"),
    "secas:overdue_steps": Page("get", None, "assessments.view_secas_pages"),
    "secas:register_history": Page("get", None, "assessments.view_secas_pages"),
    # Seen by SECAS; recording the chair and deputy asks users.record_chair inside.
    "secas:chair": Page("get", None, "assessments.view_secas_pages"),
    "secas:export": Page("get", "export", "assessments.view_secas_pages"),
    "secas:panel_reports": Page("get", None, "assessments.report_to_panel"),
    "secas:panel_report_download": Page("get", "panel_report", "assessments.report_to_panel"),
    "secas:assessment": Page("get", "assessment", "assessments.view_secas_pages"),
    "secas:assessment_step": Page("post", "assessment_step", "assessments.view_secas_pages"),
    "secas:assessment_counts": Page("post", "assessment", "assessments.view_secas_pages"),
    "secas:case_communications": Page("get", "notification_pk", "assessments.view_secas_pages"),
    "secas:organisation_communications": Page(
        "get", "organisation_pk_comms", "assessments.view_secas_pages"
    ),
    # Referral to the SEC Panel: from the committee's case and assessment pages (the service
    # asks who may refer); SECAS's list and the page where it records the Panel's outcome.
    "assessments:refer_case": Page("post", "case", REVIEWERS, ok=302),
    "assessments:refer_assessment": Page(
        "post", "decided_assessment", "assessments.view_committee_assessment"
    ),
    "secas:referrals": Page("get", None, "assessments.view_secas_pages"),
    "secas:referral": Page("get", "referral", "assessments.view_secas_pages"),
    "secas:referral_outcome": Page("post", "referral", "assessments.view_secas_pages"),
    # Appeals: the organisation's people see the appeal page of a decision (its submitters
    # lodge, the service refusing the others), their appeals and documents; SECAS its own pages.
    "assessments:appeal_notification_decision": Page(
        "get", "decided", "assessments.view_own_assessment"
    ),
    "assessments:appeal_assessment_decision": Page(
        "get", "decided_assessment", "assessments.view_own_assessment"
    ),
    "assessments:organisation_appeals": Page(
        "get", "organisation", "assessments.view_organisation_home"
    ),
    "assessments:appeal": Page("get", "appeal", "assessments.view_own_assessment"),
    "assessments:appeal_withdraw": Page("post", "appeal", "assessments.view_own_assessment"),
    "assessments:appeal_document": Page("get", "appeal_document", "assessments.view_appeal"),
    "secas:appeals": Page("get", None, "assessments.view_secas_pages"),
    "secas:appeal": Page("get", "appeal", "assessments.view_secas_pages"),
    "secas:appeal_consider": Page("post", "appeal", "assessments.view_secas_pages", ok=302),
    "secas:appeal_outcome": Page("post", "appeal", "assessments.view_secas_pages"),
}

# Pages of their own that a meeting's agenda items link to (?meeting=<id>); without a meeting
# they send the person on to the case page, which has the same form.
ALSO_GET = {
    "assessments:decide": Page("get", "case", REVIEWERS, ok=302),
    "assessments:defer": Page("get", "case", REVIEWERS, ok=302),
}

# The admin site's own pages (a model's pages are worked out from its ModelAdmin below):
# name -> (method, object key, what someone who may use the admin site gets).
ADMIN_SITE_PAGES = {
    "admin:index": ("get", None, "index"),
    "admin:login": ("get", None, "login"),
    "admin:logout": ("get", None, "logout"),
    "admin:password_change": ("get", None, "index"),
    "admin:password_change_done": ("get", None, "index"),
    "admin:jsi18n": ("get", None, "index"),
    "admin:autocomplete": ("get", None, "autocomplete"),
    "admin:view_on_site": ("get", "admin_view_on_site", "view_on_site"),
    "admin:app_list": ("get", "admin_app", "app_list"),
    "admin:auth_user_password_change": ("get", "admin_user", "user_password"),
    "admin:otp_totp_totpdevice_config": ("get", "admin_totp", "otp_device"),
    "admin:otp_totp_totpdevice_qrcode": ("get", "admin_totp", "otp_device"),
}
MODEL_PAGE_KINDS = ("changelist", "add", "change", "history", "delete")
HISTORY_VERSION, TRANSITION = "simple_history", "transition"


# --- The URL patterns -------------------------------------------------------------------------


def url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def model_admin_pages() -> dict[str, tuple]:
    """Every registered model's admin pages: name -> (model admin, kind)."""
    pages = {}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        for kind in MODEL_PAGE_KINDS:
            pages[prefix + kind] = (model_admin, kind)
        if hasattr(model_admin, "history_form_view"):
            pages[prefix + HISTORY_VERSION] = (model_admin, HISTORY_VERSION)
        if hasattr(model_admin, "fsm_transition_view"):
            pages[prefix + TRANSITION] = (model_admin, TRANSITION)
    return pages


# The API's operations have their own matrix, by person and token scope, which fails on any
# operation it has no row for (tests/api/test_api_matrix.py).
API_NAMESPACE = "api-v1:"


def out_of_step(names: set[str]) -> list[str]:
    """URL names the tables do not know, and table entries no URL pattern has."""
    names = {name for name in names if not name.startswith(API_NAMESPACE)}
    known = set(PAGES) | set(ADMIN_SITE_PAGES) | set(model_admin_pages())
    generated = set(model_admin_pages())
    unknown = names - known
    stale = (known - generated) - names
    return sorted(f"{name}: not in the tables" for name in unknown) + sorted(
        f"{name}: no such URL pattern" for name in stale
    )


def test_every_url_pattern_has_an_entry_in_the_tables():
    assert out_of_step(url_names()) == []


def test_a_new_page_without_a_rule_fails_the_matrix():
    # As if someone added a view and forgot to decide who may reach it.
    assert out_of_step(url_names() | {"users:new_page", "admin:users_extra_report"}) == [
        "admin:users_extra_report: not in the tables",
        "users:new_page: not in the tables",
    ]


# --- The people and the objects ---------------------------------------------------------------


@pytest.fixture
def world(
    organisation,
    other_organisation,
    preparer,
    submitter,
    org_admin,
    secas,
    ssc_member,
    conflicted_member,
    meeting,
    client,
):
    other = factories.MembershipFactory(organisation=other_organisation, role="admin").user
    chair = factories.ssc_chair(full_name="Cass Chair")
    superuser = User.objects.create_superuser("root@example.org", "x" * 20, full_name="Root")
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    client.force_login(preparer)
    client.post(
        reverse("notifications:attachment_upload", args=[draft.pk]),
        {"file": upload("a.pdf", PDF_BYTES), "tlp": "amber"},
    )
    client.logout()
    submitted = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    case = intake.submit_notification(
        notification=submitted, by=submitter, declaration_accepted=True
    )
    start_review(notification=case, by=secas, rapporteur=ssc_member, meeting=meeting)
    procedure = open_written_procedure(
        notification=case, by=secas, outcome="no_assessment", rationale="Assessed with its SRP."
    )
    to_decide = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    decided = intake.submit_notification(
        notification=to_decide, by=submitter, declaration_accepted=True
    )
    start_review(notification=decided, by=secas, rapporteur=ssc_member, meeting=meeting)
    decide(
        notification=decided,
        by=ssc_member,
        outcome="no_assessment",
        rationale="Fine.",
        meeting=meeting,
    )
    review = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        cycle_year=1,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    ussa = Assessment.objects.create(
        organisation=organisation,
        kind="ussa",
        cycle_year=3,
        due_date=timezone.localdate() + datetime.timedelta(days=90),
    )
    ussa_file = AssessmentDocument.objects.create(
        assessment=ussa,
        kind=DocumentKind.SELF_ASSESSMENT,
        file=ContentFile(PDF_BYTES, name="self-assessment.pdf"),
        original_name="self-assessment.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=submitter,
    )
    # One outcome awaiting the committee, one decided at the meeting.
    proposed = journey.outcome_proposed(
        _ad_hoc(organisation, "fusa"), by=secas, status="approved", user_by=submitter
    )
    decided_assessment = journey.outcome_decided(
        _ad_hoc(organisation, "vusa"), by=secas, status="deferred", meeting=meeting
    )
    # The report is in: the page offers the response form, and lists the report.
    report_in = report_received(
        Assessment.objects.create(
            organisation=organisation,
            kind="vusa",
            reason="g8_13",
            counts_as_annual_review=False,
            due_date=timezone.localdate() + datetime.timedelta(days=90),
        ),
        by=secas,
    )
    report = report_in.documents.get()
    reader = factories.MembershipFactory(organisation=organisation).user
    feed = CalendarFeed.objects.create(user=reader, token="matrix-test-token")
    make_token(preparer, name="Matrix script")
    api_token = ApiToken.objects.get(name="Matrix script")
    # Someone outside PEOPLE is invited, so no person in the matrix may answer it.
    invitation = factories.MembershipFactory(
        organisation=organisation, is_active=False, invitation=Membership.Invitation.PENDING
    )
    attachment = Attachment.objects.get()
    step, evidence = _remediation_step(organisation, secas, submitter)
    papers_version = publish_papers(meeting=meeting, by=secas)
    case_paper = papers_version.case_papers.get(notification=case)
    panel_report = generate_report(period=previous_period(timezone.localdate()), by=secas)
    appeal = appeals.lodge_appeal(
        by=submitter,
        grounds="The SSC did not read our report.",
        documents=[checked_upload("appeal.pdf")],
        decision=decided.decision,
    )
    referral = appeals.refer_to_panel(
        by=secas, assessment=decided_assessment, ground="not_approved", reason="Deferred."
    )
    people = {
        PREPARER: preparer,
        SUBMITTER: submitter,
        ORG_ADMIN: org_admin,
        OTHER_ORG: other,
        SSC: ssc_member,
        CONFLICTED: conflicted_member,
        CHAIR: chair,
        SECAS: secas,
        SUPERUSER: superuser,
    }
    for person in people.values():  # committee accounts get their authenticator
        client.force_login(person)
    client.logout()
    _admin_records(people, organisation, case, attachment, meeting)
    membership = Membership.objects.get(user=preparer)
    # key -> (the URL's arguments, the object the rule is asked about)
    objects = {
        None: ({}, None),
        "reset": ({"uidb64": "MQ", "token": "not-a-token"}, None),
        "organisation": ({"pk": organisation.pk}, organisation),
        "organisation_pk": ({"organisation_pk": organisation.pk}, organisation),
        "organisation_pk_comms": ({"organisation_pk": organisation.pk}, organisation),
        "membership": ({"pk": organisation.pk, "membership_pk": membership.pk}, organisation),
        "case": ({"pk": case.pk}, case),
        "written_procedure": ({"pk": procedure.pk}, procedure),
        "system": ({"pk": case.user_system_id}, case.user_system),
        "draft": ({"pk": draft.pk}, draft),
        "decided": ({"pk": decided.pk}, decided),
        "attachment": ({"pk": attachment.pk}, draft),
        "meeting": ({"pk": meeting.pk}, meeting),
        "minutes": ({"pk": meeting.pk, "extension": "csv"}, meeting),
        "papers": ({"pk": meeting.pk, "version": papers_version.version}, meeting),
        "paper": (
            {"pk": meeting.pk, "version": papers_version.version, "number": case_paper.number},
            case,
        ),
        "feed": ({"token": feed.token}, None),
        "api_token": ({"pk": api_token.pk}, api_token),
        "export": ({"name": "assessments"}, None),
        "panel_report": ({"pk": panel_report.pk, "extension": "csv"}, panel_report),
        "assessment": ({"pk": review.pk}, review),
        "assessment_step": ({"pk": review.pk, "step": "schedule"}, review),
        "ussa": ({"pk": ussa.pk}, ussa),
        "proposed_assessment": ({"pk": proposed.pk}, proposed),
        "decided_assessment": ({"pk": decided_assessment.pk}, decided_assessment),
        "ussa_file": ({"pk": ussa_file.pk}, ussa),
        "report_in": ({"pk": report_in.pk}, report_in),
        "report": ({"pk": report.pk}, report_in),
        "remediation_step": ({"pk": step.pk}, step),
        "remediation_evidence": ({"pk": evidence.pk}, step),
        "appeal": ({"pk": appeal.pk}, appeal),
        "appeal_document": ({"pk": appeal.documents.get().pk}, appeal),
        "referral": ({"pk": referral.pk}, referral),
        "notification_pk": ({"notification_pk": case.pk}, case),
        "invitation": ({"pk": invitation.pk}, invitation),
        "admin_view_on_site": (
            {
                "content_type_id": ContentType.objects.get_for_model(Membership).pk,
                "object_id": membership.pk,
            },
            membership,
        ),
        "admin_app": ({"app_label": "users"}, None),
        "admin_user": ({"id": preparer.pk}, preparer),
        "admin_totp": ({"pk": secas.totpdevice_set.get().pk}, secas.totpdevice_set.get()),
    }
    # The record each model's admin pages are asked about: the case a conflict is about, so
    # the admin's own filtering is checked too.
    preferred = {
        "notifications.notification": case,
        "users.organisation": organisation,
        "users.membership": membership,
        "users.user": preparer,
        "assessments.assessment": review,
    }
    return objects, people, preferred


def _ad_hoc(organisation, kind):
    return Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )


def _remediation_step(organisation, secas, submitter):
    """A plan with one step and one piece of evidence, as "Approved subject to steps" leaves."""
    from assessments.remediation import StepPlan, add_step_evidence, create_remediation_plan
    from notifications.filetypes import sniff

    record = AssuranceRecord.objects.create(
        organisation=organisation,
        status=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
        kind="fusa",
        fieldwork_end_date=timezone.localdate(),
        effective_date=timezone.localdate(),
        assessment=Assessment.objects.create(
            organisation=organisation, kind="fusa", due_date=timezone.localdate()
        ),
    )
    plan = create_remediation_plan(
        record=record,
        steps=[StepPlan("Patch it", "Pat Owner", "pat@example.org", _in_days(30))],
        by=secas,
    )
    step = plan.steps.get()
    file = upload("evidence.pdf", PDF_BYTES)
    file.safe_name = "evidence.pdf"
    evidence = add_step_evidence(
        step=step, by=submitter, upload=file, kind=sniff(file), tlp="amber"
    )
    return step, evidence


def _in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def _admin_records(people, organisation, case, attachment, meeting):
    """One record of every model the admin shows, so each admin page has something to show."""
    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.create(user=people[SECAS], name="Recovery codes", confirmed=True)
    record_event(SecurityEvent.Kind.SIGN_IN, actor=people[SECAS], summary="Signed in")
    AttachmentDownload.objects.create(attachment=attachment, user=people[PREPARER])
    Message.objects.get_or_create(
        notification=case, author=people[SUBMITTER], defaults={"body": "Hello"}
    )
    if not OutboundEmail.objects.exists():
        OutboundEmail.objects.create(kind="test", to=["a@example.org"], subject="Test")
    factories.AssuranceRecordFactory(organisation=organisation)
    factories.SharedResourceProviderFactory()
    MeetingConflict.objects.create(
        meeting=meeting, member=people[CONFLICTED], organisation=organisation
    )
    Reminder.objects.create(
        kind=Reminder.Kind.WEEKLY_DIGEST,
        target="digest",
        milestone=timezone.localdate(),
        run_id=uuid.uuid4(),
    )
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessAttempt.objects.create(username="x@example.org", failures_since_start=1)
    AccessLog.objects.create(username="x@example.org")
    AccessFailureLog.objects.create(username="x@example.org")
    assert AssuranceRecord.objects.exists()


# --- What each person should get --------------------------------------------------------------


def expected_on_a_page(page: Page, user, obj):
    if not passes(user, page.rule, obj):
        return page.anonymous if not user.is_authenticated else page.denied
    if isinstance(page.ok, Answer):
        return page.ok.yes if passes(user, page.ok.rule, obj) else page.ok.no
    return page.ok


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def admin_record(model_admin, preferred):
    label = model_admin.model._meta.label_lower
    return preferred.get(label) or model_admin.model._default_manager.order_by("pk").first()


def admin_model_url(name, model_admin, kind, record, user):
    """The URL of a model's admin page, and the answer it should give someone who may use the
    admin site: what the ModelAdmin's permissions (and its choice of records) allow."""
    request = admin_request(user)
    if kind == "changelist":
        return reverse(name), 200 if model_admin.has_view_or_change_permission(request) else 403
    if kind == "add":
        return reverse(name), 200 if model_admin.has_add_permission(request) else 403
    visible = model_admin.get_queryset(request).filter(pk=record.pk).exists()
    # The admin looks the record up among those it shows this person: one it does not show
    # is, to them, a record that does not exist (sent back to the index, or not found).
    shown = record if visible else None
    if kind == HISTORY_VERSION:
        version = record.history.order_by("history_id").first()
        url = reverse(name, args=[record.pk, version.history_id])
        if not visible:
            return url, 302
        allowed = model_admin.has_view_history_or_change_history_permission(request, record)
        return url, 200 if allowed else 403
    if kind == TRANSITION:
        available = [
            t.name
            for t in getattr(record, f"get_available_{model_admin.fsm_fields[0]}_transitions")()
            if t.name in model_admin.transition_services
        ]
        step = available[0]
        url = reverse(name, args=[record.pk, step])
        if not visible:
            return url, 404
        # A step the person may not take: back to the record's page with a message.
        return url, 200 if has_transition_perm(getattr(record, step), user) else 302
    url = reverse(name, args=[record.pk])
    if kind == "history":
        if not visible:
            return url, 302
        # django-simple-history's pages ask their own question; Django's ask view-or-change.
        ask = getattr(
            model_admin,
            "has_view_history_or_change_history_permission",
            model_admin.has_view_or_change_permission,
        )
        return url, 200 if ask(request, record) else 403
    # Django asks about the permission first (for a record not shown: in general), then
    # sends a person back to the index if the record is not one it shows them.
    if kind == "delete":
        allowed = model_admin.has_delete_permission(request, shown)
    else:
        allowed = model_admin.has_view_or_change_permission(request, shown)
    if not allowed:
        return url, 403
    return url, 200 if visible else 302


def admin_site_expected(kind, user, obj):
    request = admin_request(user)
    if kind == "index":
        return 200
    if kind == "login":
        return 302  # already signed in: sent on to the index
    if kind == "logout":
        return 405  # signing out is a form's POST
    if kind == "autocomplete":
        target = admin.site._registry[User]
        return 200 if target.has_view_permission(request) else 403
    if kind == "view_on_site":
        return 404  # no register entry has a page of its own on the site
    if kind == "app_list":
        return 200 if admin.site.get_app_list(request, "users") else 404
    if kind == "user_password":
        return 200 if admin.site._registry[User].has_change_permission(request, obj) else 403
    if kind == "otp_device":
        from django_otp.plugins.otp_totp.models import TOTPDevice

        hidden = getattr(settings, "OTP_ADMIN_HIDE_SENSITIVE_DATA", False)
        allowed = admin.site._registry[TOTPDevice].has_view_or_change_permission(request, obj)
        return 200 if allowed and not hidden else 403
    raise AssertionError(kind)


def admin_answers(objects, people, preferred):
    """name -> (method, url, {person: expected}) for every admin page."""
    answers = {}
    for name, (method, key, kind) in ADMIN_SITE_PAGES.items():
        url_kwargs, obj = objects[key]
        url = reverse(name, kwargs=url_kwargs)
        if name == "admin:autocomplete":
            url += "?" + urlencode(
                {"app_label": "users", "model_name": "membership", "field_name": "user"}
            )
        answers[name] = (method, url, {})
        for person in PEOPLE:
            user = people.get(person, AnonymousUser())
            if not allows(user, "users.use_admin_site"):
                # Signing out of a site one never reached leads to its index (then sign-in).
                refused = {"login": 200, "logout": ADMIN_INDEX}.get(kind, ADMIN_LOGIN)
                answers[name][2][person] = refused
            else:
                answers[name][2][person] = admin_site_expected(kind, user, obj)
    missing = []
    for name, (model_admin, kind) in model_admin_pages().items():
        record = admin_record(model_admin, preferred)
        if record is None:
            missing.append(model_admin.model.__name__)
            continue
        expected = {}
        for person in PEOPLE:
            user = people.get(person, AnonymousUser())
            if not allows(user, "users.use_admin_site"):
                url, _ = admin_model_url(name, model_admin, kind, record, people[SECAS])
                expected[person] = ADMIN_LOGIN
            else:
                url, expected[person] = admin_model_url(name, model_admin, kind, record, user)
        answers[name] = ("get", url, expected)
    assert missing == [], f"the matrix has no record of these to show: {sorted(set(missing))}"
    return answers


def ask(client, method, url):
    response = getattr(client, method)(url)
    if response.streaming:
        # Reading to the end closes the file the way the test client expects.
        b"".join(response.streaming_content)
    return response


def answered(response, want, method) -> bool:
    if want == LOGIN:
        return response.status_code == 302 and response.url.startswith(reverse("login"))
    if want == ADMIN_INDEX:
        return response.status_code == 302 and response.url == reverse("admin:index")
    if want == ADMIN_LOGIN:
        return response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    if want == 200 and method == "post":
        return response.status_code in POSTED
    return response.status_code == want


def sign_in(client, people, person):
    client.logout()
    if person != ANONYMOUS:
        # Fresh from the database: nothing cached from an earlier person's run.
        client.force_login(User.objects.get(pk=people[person].pk))


def test_every_person_gets_the_answer_the_policy_gives_on_every_page(world, client):
    objects, people, _ = world
    wrong = []
    for name, page in every_page():
        url_kwargs, obj = objects[page.key]
        url = reverse(name, kwargs=url_kwargs)
        for person in PEOPLE:
            user = User.objects.get(pk=people[person].pk) if person in people else AnonymousUser()
            want = expected_on_a_page(page, user, obj)
            sign_in(client, people, person)
            response = ask(client, page.method, url)
            if not answered(response, want, page.method):
                wrong.append(f"{name} as {person}: got {response.status_code}, expected {want}")
    assert wrong == [], "\n".join(wrong)


def test_every_person_gets_the_answer_the_policy_gives_in_the_admin(world, client, monkeypatch):
    # Only who gets in is checked here: the pages are Django's and django-otp's own HTML,
    # which the every-page HTML check (a monkeypatch) would judge instead.
    monkeypatch.undo()
    objects, people, preferred = world
    wrong = []
    for name, (method, url, expected) in admin_answers(objects, people, preferred).items():
        for person in PEOPLE:
            sign_in(client, people, person)
            response = ask(client, method, url)
            if not answered(response, expected[person], method):
                wrong.append(
                    f"{name} as {person}: got {response.status_code}, expected {expected[person]}"
                )
    assert wrong == [], "\n".join(wrong)


# SECAS staff after the password but before the second factor: only these pages answer;
# everything else sends them to enter their code.
UNVERIFIED_ANSWERS = {"login": 200, "logout": 405, "users:two_factor_verify": 200, "feeds:ics": 200}


def test_a_password_alone_reaches_nothing_but_the_second_factor(world, secas):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    objects, people, preferred = world
    assert TOTPDevice.objects.filter(user=secas, confirmed=True).exists()
    half_signed_in = Client()
    half_signed_in.force_login(secas)  # no second factor in this session
    urls = {
        name: (page.method, reverse(name, kwargs=objects[page.key][0]))
        for name, page in PAGES.items()
    } | {
        name: (method, url)
        for name, (method, url, _) in admin_answers(objects, people, preferred).items()
    }
    wrong = []
    for name, (method, url) in urls.items():
        response = ask(half_signed_in, method, url)
        want = UNVERIFIED_ANSWERS.get(name, 302)
        if response.status_code != want:
            wrong.append(f"{name}: got {response.status_code}, expected {want}")
        elif want == 302 and not response.url.startswith(
            (reverse("users:two_factor_verify"), reverse("users:two_factor"))
        ):
            wrong.append(f"{name}: redirected to {response.url}")
    assert wrong == [], "\n".join(wrong)


def test_every_link_in_the_navigation_opens_for_whoever_is_shown_it(world, client):
    """The header asks the policy as the pages do: no link that then refuses (a superuser who
    is not admin-site staff, nor SECAS, once saw Admin and Outstanding)."""
    _, people, _ = world
    bare_superuser = User.objects.create_superuser(
        "bare-root@example.org", "x" * 20, full_name="Bare Root", is_staff=False
    )
    shown_and_refused = []
    for person in [*PEOPLE, "bare_superuser"]:
        if person == ANONYMOUS:
            continue
        client.logout()
        client.force_login(bare_superuser if person == "bare_superuser" else people[person])
        home = client.get(reverse("home"), follow=True).content.decode()
        links = re.findall(r'<a class="nav-link" href="([^"]+)">', home)
        assert links, f"no navigation shown to {person}"
        for link in links:
            response = client.get(link, follow=True)
            if response.status_code != 200 or (
                response.redirect_chain and "login" in (response.redirect_chain[-1][0])
            ):
                shown_and_refused.append(f"{person}: {link} → {response.status_code}")
    assert shown_and_refused == [], "\n".join(shown_and_refused)


def test_no_page_shows_a_person_a_link_that_refuses_them(world, client):
    """Every portal link on every page a person opens also opens for them: a link is shown by
    the same rule as the page it leads to (the communications log once was not)."""
    objects, people, _ = world
    refused = []
    for person in PEOPLE:
        if person == ANONYMOUS:
            continue
        sign_in(client, people, person)
        pages, links = set(), set()
        for name, page in PAGES.items():
            if page.method != "get":
                continue
            url = reverse(name, kwargs=objects[page.key][0])
            response = ask(client, "get", url)
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                pages.add(url)
                links |= set(re.findall(r'<a [^>]*href="(/[^"#]*)', response.content.decode()))
        for link in sorted(links - pages):
            link = html.unescape(link)
            if link.startswith(("/admin/", "/static/", "/media/")):
                continue  # the admin's own pages are the admin matrix's business
            response = ask(client, "get", link)
            if response.status_code in (403, 404) or (
                response.status_code == 302 and "login" in response.url
            ):
                refused.append(f"{person}: {link} → {response.status_code}")
    assert refused == [], "\n".join(refused)


def test_the_communications_link_is_shown_to_exactly_those_its_page_lets_in(world):
    objects, people, _ = world
    case = objects["case"][1]
    for person, user in people.items():
        fresh = User.objects.get(pk=user.pk)
        assert allows(fresh, "notifications.view_communications_log", case) == allows(
            fresh, "assessments.view_secas_pages"
        ), person


# Every query parameter a view or filter reads, found in the source so a new one is covered.
QUERY_PARAMETER = re.compile(r"""GET(?:\.get|\.getlist)?[(\[]["']([a-z_]+)["']""")
HOSTILE_QUERY_VALUES = ["²", "-1", "9" * 40, "<script>", "1.5", " "]


def query_parameters_read() -> set[str]:
    names = set()
    for app in ("assessments", "notifications", "users", "sscportal"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            names |= set(QUERY_PARAMETER.findall(path.read_text()))
    for filterset in (CaseQueueFilter, AuditTrailFilter):
        names |= set(filterset.base_filters)
    return names


def someone_let_in(page, obj, people):
    """A signed-in person the page answers 200, if any."""
    return next(
        (
            person
            for person in PEOPLE
            if person != ANONYMOUS
            and expected_on_a_page(page, User.objects.get(pk=people[person].pk), obj) == 200
        ),
        None,
    )


def test_out_of_range_ids_in_any_address_are_404_never_a_failure(world, client):
    """Every address with a number in it, asked with a number past any database's integers by
    someone the real address lets in: 404 (on SQLite such a number overflows unless the lookup
    goes through the model's own key)."""
    objects, people, _ = world
    broken = []
    for name, page in PAGES.items():
        url_kwargs, obj = objects[page.key]
        numbers = {
            key: 10**30 for key, value in (url_kwargs or {}).items() if isinstance(value, int)
        }
        person = someone_let_in(page, obj, people) if numbers else None
        if person is None:
            continue
        sign_in(client, people, person)
        url = reverse(name, kwargs={**url_kwargs, **numbers})
        response = ask(client, page.method, url)
        if response.status_code != 404:
            broken.append(f"{name} ({page.method.upper()} {url}): {response.status_code}")
    assert broken == []


def test_hostile_query_values_never_break_a_page(world, client):
    """Each GET page, opened by someone it lets in, with every query parameter the portal reads
    set to each hostile value at once: a page may ignore or refuse them, never fail."""
    objects, people, _ = world
    names = query_parameters_read()
    assert {"page", "meeting", "state"} <= names  # the scan finds what the views read
    broken = []
    for name, page in every_page():
        if page.method != "get":
            continue
        url_kwargs, obj = objects[page.key]
        url = reverse(name, kwargs=url_kwargs)
        person = someone_let_in(page, obj, people)
        if person is None:
            continue
        sign_in(client, people, person)
        for value in HOSTILE_QUERY_VALUES:
            response = ask(client, "get", f"{url}?{urlencode(dict.fromkeys(names, value))}")
            if response.status_code >= 500:
                broken.append(f"{name} with {value!r}: {response.status_code}")
    assert broken == []
