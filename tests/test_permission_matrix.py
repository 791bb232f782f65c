"""Every URL pattern, for every kind of person: the answer each must get.

A URL pattern missing from MATRIX fails the test, so a new page cannot ship without a decision
about who may reach it. Django's own admin namespace is covered by tests/assessments/test_admin.py.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import decide, start_review
from notifications import services as intake
from notifications.models import Attachment
from tests import factories
from tests.uploads import PDF_BYTES, upload
from users.models import CalendarFeed, Membership

ANONYMOUS = "anonymous"
PREPARER, SUBMITTER, ORG_ADMIN = "preparer", "submitter", "org_admin"
OTHER_ORG = "other_organisation_staff"
SSC, CONFLICTED, SECAS = "ssc_member", "conflicted_member", "secas"
PEOPLE = [ANONYMOUS, PREPARER, SUBMITTER, ORG_ADMIN, OTHER_ORG, SSC, CONFLICTED, SECAS]

MEMBERS = {PREPARER, SUBMITTER, ORG_ADMIN}
COMMITTEE = {SSC, CONFLICTED, SECAS}
CASE_READERS = MEMBERS | {SSC, SECAS}  # a submitted case: never the conflicted member
SIGNED_IN = set(PEOPLE) - {ANONYMOUS}
LOGIN = "login"  # expected: redirected to sign in


def allow(who, ok=200, denied=404):
    """Expected answers: `ok` for those in `who`, `denied` for the rest, sign-in for anonymous."""
    return {person: (ok if person in who else denied) for person in SIGNED_IN} | {ANONYMOUS: LOGIN}


def everyone(code):
    return dict.fromkeys(PEOPLE, code)


POSTED = (200, 302)  # a form error shown again, or a redirect with a message: both fine

# name -> (method, object key for the URL, expected answers)
MATRIX = {
    "home": ("get", None, {ANONYMOUS: 200} | dict.fromkeys(SIGNED_IN, 302)),
    "login": ("get", None, everyone(200)),
    "logout": ("get", None, everyone(405)),
    "password_reset": ("get", None, everyone(200)),
    "password_reset_done": ("get", None, everyone(200)),
    "password_reset_confirm": ("get", "reset", everyone(200)),
    "password_reset_complete": ("get", None, everyone(200)),
    "organisation_home": ("get", "organisation", allow(MEMBERS)),
    "users:two_factor": ("get", None, allow(SIGNED_IN)),
    "users:two_factor_setup": ("get", None, allow(MEMBERS | {OTHER_ORG}, denied=302)),
    "users:two_factor_verify": ("get", None, allow(MEMBERS | {OTHER_ORG}, denied=302)),
    "users:recovery_codes": ("post", None, allow(COMMITTEE, denied=302)),
    "users:two_factor_disable": ("post", None, allow(SIGNED_IN, ok=302)),
    "users:audit": ("get", None, allow({SECAS})),
    "users:staff": ("get", "organisation", allow({ORG_ADMIN})),
    "users:invite": ("post", "organisation", allow({ORG_ADMIN})),
    "users:membership": ("post", "membership", allow({ORG_ADMIN}, ok=302)),
    "users:resend_invitation": ("post", "membership", allow({ORG_ADMIN}, ok=302)),
    "users:withdraw_invitation": ("post", "membership", allow({ORG_ADMIN}, ok=302)),
    # Everyone sees their own invitations; only the invited person may answer one.
    "users:invitations": ("get", None, allow(SIGNED_IN)),
    "users:invitation_accept": ("post", "invitation", allow(set())),
    "users:invitation_decline": ("post", "invitation", allow(set())),
    "notifications:create": ("get", "organisation_pk", allow(MEMBERS)),
    "notifications:detail": ("get", "case", allow(CASE_READERS)),
    "notifications:edit": ("get", "draft", allow(MEMBERS)),
    "notifications:check": ("get", "draft", allow(MEMBERS)),
    # Submitters are shown the declaration's error; a preparer is sent back to the check page.
    "notifications:submit": (
        "post",
        "draft",
        allow(MEMBERS, ok=302) | {SUBMITTER: 200, ORG_ADMIN: 200},
    ),
    "notifications:respond": ("post", "case", allow(CASE_READERS)),
    "notifications:withdraw": ("post", "case", allow(CASE_READERS)),
    "notifications:message": ("post", "case", allow(CASE_READERS)),
    "notifications:attachment_upload": ("post", "draft", allow(MEMBERS, ok=302)),
    "notifications:attachment_download": ("get", "attachment", allow(MEMBERS)),
    "assessments:dashboard": ("get", None, allow(COMMITTEE)),
    "assessments:organisation_names": ("get", None, allow(COMMITTEE)),
    "assessments:case": ("get", "case", allow({SSC, SECAS})),
    "assessments:triage": ("post", "case", allow({SSC, SECAS})),
    "assessments:request_information": ("post", "case", allow({SSC, SECAS})),
    "assessments:decide": ("post", "case", allow({SSC, SECAS})),
    "assessments:confirm_non_compliance": ("post", "case", allow({SSC, SECAS})),
    "assessments:decision_letter": ("get", "decided", allow(CASE_READERS)),
    "assessments:meetings": ("get", None, allow(COMMITTEE)),
    "assessments:meeting": ("get", "meeting", allow(COMMITTEE)),
    "assessments:attendance": ("post", "meeting", allow(COMMITTEE, ok=302)),
    "assessments:meeting_conflict": ("post", "meeting", allow(COMMITTEE, ok=302)),
    "assessments:minutes": ("get", "minutes", allow(COMMITTEE)),
    "feeds:manage": ("get", None, allow(SIGNED_IN)),
    "feeds:create": ("post", None, allow(SIGNED_IN, ok=302)),
    "feeds:rotate": ("post", None, allow(SIGNED_IN, ok=302)),
    "feeds:revoke": ("post", None, allow(SIGNED_IN, ok=302)),
    # The secret address is the credential: calendar apps cannot sign in.
    "feeds:ics": ("get", "feed", everyone(200)),
    "secas:dashboard": ("get", None, allow({SECAS})),
    "secas:awaiting": ("get", None, allow({SECAS})),
    "secas:assessments": ("get", None, allow({SECAS})),
    "secas:annual_reviews": ("get", None, allow({SECAS})),
    "secas:late_notifications": ("get", None, allow({SECAS})),
    "secas:organisations_at_risk": ("get", None, allow({SECAS})),
    "secas:export": ("get", "export", allow({SECAS})),
    "secas:assessment": ("get", "assessment", allow({SECAS})),
    "secas:assessment_step": ("post", "assessment_step", allow({SECAS})),
    "secas:case_communications": ("get", "notification_pk", allow({SECAS})),
    "secas:organisation_communications": ("get", "organisation_pk_comms", allow({SECAS})),
}


# SECAS staff after the password but before the second factor: only these pages answer;
# everything else sends them to enter their code.
UNVERIFIED_ANSWERS = {"login": 200, "logout": 405, "users:two_factor_verify": 200, "feeds:ics": 200}


def url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_url_pattern_has_an_entry_in_the_matrix():
    assert url_names() == set(MATRIX)


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
    reader = factories.MembershipFactory(organisation=organisation).user
    feed = CalendarFeed.objects.create(user=reader, token="matrix-test-token")
    # Someone outside PEOPLE is invited, so no person in the matrix may answer it.
    invitation = factories.MembershipFactory(
        organisation=organisation, is_active=False, invitation=Membership.Invitation.PENDING
    )
    kwargs = {
        None: {},
        "reset": {"uidb64": "MQ", "token": "not-a-token"},
        "organisation": {"pk": organisation.pk},
        "organisation_pk": {"organisation_pk": organisation.pk},
        "organisation_pk_comms": {"organisation_pk": organisation.pk},
        "membership": {
            "pk": organisation.pk,
            "membership_pk": Membership.objects.get(user=preparer).pk,
        },
        "case": {"pk": case.pk},
        "draft": {"pk": draft.pk},
        "decided": {"pk": decided.pk},
        "attachment": {"pk": Attachment.objects.get().pk},
        "meeting": {"pk": meeting.pk},
        "minutes": {"pk": meeting.pk, "extension": "csv"},
        "feed": {"token": feed.token},
        "export": {"name": "assessments"},
        "assessment": {"pk": review.pk},
        "assessment_step": {"pk": review.pk, "step": "schedule"},
        "notification_pk": {"notification_pk": case.pk},
        "invitation": {"pk": invitation.pk},
    }
    people = {
        PREPARER: preparer,
        SUBMITTER: submitter,
        ORG_ADMIN: org_admin,
        OTHER_ORG: other,
        SSC: ssc_member,
        CONFLICTED: conflicted_member,
        SECAS: secas,
    }
    return kwargs, people


def test_every_person_gets_the_expected_answer_on_every_page(world, client):
    kwargs, people = world
    wrong = []
    for name, (method, key, expected) in MATRIX.items():
        url = reverse(name, kwargs=kwargs[key])
        for person in PEOPLE:
            client.logout()
            if person != ANONYMOUS:
                client.force_login(people[person])
            response = getattr(client, method)(url)
            if response.streaming:
                # Reading to the end closes the file the way the test client expects.
                b"".join(response.streaming_content)
            want = expected[person]
            if want == LOGIN:
                ok = response.status_code == 302 and response.url.startswith(reverse("login"))
            elif want in POSTED and method == "post" and want == 200:
                ok = response.status_code in POSTED
            else:
                ok = response.status_code == want
            if not ok:
                wrong.append(f"{name} as {person}: got {response.status_code}, expected {want}")
    assert wrong == []


def test_a_password_alone_reaches_nothing_but_the_second_factor(world, secas):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    kwargs, _ = world
    TOTPDevice.objects.get_or_create(user=secas, name="Phone", defaults={"confirmed": True})
    half_signed_in = Client()
    half_signed_in.force_login(secas)  # no second factor in this session
    wrong = []
    for name, (method, key, _expected) in MATRIX.items():
        response = getattr(half_signed_in, method)(reverse(name, kwargs=kwargs[key]))
        if response.streaming:
            b"".join(response.streaming_content)
        want = UNVERIFIED_ANSWERS.get(name, 302)
        if response.status_code != want:
            wrong.append(f"{name}: got {response.status_code}, expected {want}")
        elif want == 302 and not response.url.startswith(
            (reverse("users:two_factor_verify"), reverse("users:two_factor"))
        ):
            wrong.append(f"{name}: redirected to {response.url}")
    assert wrong == []
