"""API fixtures: personal tokens made as the service makes them, and a client that sends them."""

import json
import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, hash_token


def make_token(user, scope=ApiToken.Scope.READ_WRITE, *, days=30, name="Test token") -> str:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        secret_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return raw


class ApiClient:
    """Calls /api/v1/ with a token (or none), JSON in and out; never a session."""

    def __init__(self, token: str | None = None):
        self.client = Client(enforce_csrf_checks=True)
        self.token = token

    def _headers(self, headers):
        sent = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if self.token:
            sent["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return sent

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers(headers))

    def send(self, method, path, body=None, headers=None):
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self._headers(headers),
        )

    def post(self, path, body=None, headers=None):
        return self.send("post", path, body, headers)

    def patch(self, path, body=None, headers=None):
        return self.send("patch", path, body, headers)

    def upload(self, path, data, headers=None):
        return self.client.post(f"/api/v1{path}", data, **self._headers(headers))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def api_as():
    """`api_as(user, scope=...)`: a client carrying a new token of that person's."""

    def build(user, scope=ApiToken.Scope.READ_WRITE, **kwargs):
        return ApiClient(make_token(user, scope, **kwargs))

    return build


# --- The shared scenario: people with data to see, and a token of each kind ------------------

NO_TOKEN = "no token"
PREPARER_READ, PREPARER = "preparer (read token)", "preparer"
SUBMITTER, ORG_ADMIN, OTHER_ORG = "submitter", "org admin", "other organisation's submitter"
SECAS_READ, SECAS = "SECAS (read token)", "SECAS"
SSC, CONFLICTED = "SSC member", "conflicted SSC member"
REVOKED, EXPIRED = "revoked token", "expired token"
PEOPLE = (
    NO_TOKEN,
    PREPARER_READ,
    PREPARER,
    SUBMITTER,
    ORG_ADMIN,
    OTHER_ORG,
    SECAS_READ,
    SECAS,
    SSC,
    CONFLICTED,
    REVOKED,
    EXPIRED,
)
# Who signs in with nothing usable: the API answers them 401 whatever they ask.
UNSIGNED = frozenset({NO_TOKEN, REVOKED, EXPIRED})


class Scenario:
    """The preparer's organisation's draft, submitted case, first User System and an open
    assessment, and a token for every kind of person. `targets[name][parameter]` fills a path's
    parameters: "draft", "submitted", "system", "assessment".

    More targets are built only when a test names one (`target(name)`, `path(...)`), so a test
    that needs none of them does not pay for them: "organisation" and "other-organisation"
    (an `organisation_id` to send), "decided" (a case the SSC decided),
    "asked" (a case under review with the SSC's question open), and assessments at each step
    SECAS records next – "scheduled", "fieldwork", "self-assessed" (a USSA awaiting the CIO's
    review), "report-received", "response-received" and "proposed" (an initial FUSA whose
    outcome SECAS has proposed: the Panel decides it)."""

    def __init__(self, people: dict, tokens: dict, targets: dict, later=None, organisation=None):
        self.people, self.tokens, self.targets = people, tokens, targets
        self.organisation = organisation
        self._later = dict(later or {})

    def client(self, who: str) -> ApiClient:
        return ApiClient(self.tokens[who])

    def target(self, name: str) -> dict:
        if name not in self.targets and name in self._later:
            self.targets[name] = self._later.pop(name)()
        if name not in self.targets:
            raise AssertionError(
                f"the scenario has no target {name!r}; add it to `api_scenario` in "
                "tests/api/conftest.py"
            )
        return self.targets[name]

    def path(self, template: str, target: str) -> str:
        values = self.target(target)
        missing = [name for name in _parameters(template) if name not in values]
        if missing:
            raise AssertionError(
                f"{template}: the scenario's target {target!r} has no {', '.join(missing)}; "
                "add it to `api_scenario` in tests/api/conftest.py"
            )
        return template.format(**values)


def _parameters(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


@pytest.fixture
def api_scenario(
    organisation,
    preparer,
    submitter,
    org_admin,
    other_submitter,
    secas,
    ssc_member,
    conflicted_member,
):
    from assessments.models import Assessment
    from notifications import services
    from notifications.models import DeliveryModel, UserSystem
    from tests import factories

    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    to_submit = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    submitted = services.submit_notification(
        notification=to_submit, by=submitter, declaration_accepted=True
    )
    system = UserSystem.objects.create(
        organisation=organisation,
        name="Northwind first User System",
        delivery_model=DeliveryModel.IN_HOUSE,
        is_first_system=True,
        status=UserSystem.Status.LIVE,
        go_live_date=timezone.localdate() - timedelta(days=400),
    )
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + timedelta(days=60),
    )
    read = ApiToken.Scope.READ
    tokens = {
        NO_TOKEN: None,
        PREPARER_READ: make_token(preparer, read),
        PREPARER: make_token(preparer),
        SUBMITTER: make_token(submitter),
        ORG_ADMIN: make_token(org_admin),
        OTHER_ORG: make_token(other_submitter),
        SECAS_READ: make_token(secas, read),
        SECAS: make_token(secas),
        SSC: make_token(ssc_member),
        CONFLICTED: make_token(conflicted_member),
        REVOKED: make_token(submitter, name="Revoked"),
        EXPIRED: make_token(secas, name="Expired"),
    }
    ApiToken.objects.filter(name="Revoked").update(revoked_at=timezone.now())
    ApiToken.objects.filter(name="Expired").update(expires_at=timezone.now() - timedelta(days=1))
    people = {
        PREPARER_READ: preparer,
        PREPARER: preparer,
        SUBMITTER: submitter,
        ORG_ADMIN: org_admin,
        OTHER_ORG: other_submitter,
        SECAS_READ: secas,
        SECAS: secas,
        SSC: ssc_member,
        CONFLICTED: conflicted_member,
    }
    targets = {
        "draft": {"notification_id": draft.pk},
        "submitted": {"notification_id": submitted.pk},
        "system": {"system_id": system.pk},
        "assessment": {"assessment_id": assessment.pk},
    }
    later = {
        # Not path parameters: the organisation a new draft is for.
        "organisation": lambda: {"organisation_id": organisation.pk},
        "other-organisation": lambda: {
            "organisation_id": other_submitter.memberships.get().organisation_id
        },
        **_later_targets(organisation, submitter, secas, ssc_member),
    }
    return Scenario(people, tokens, targets, later, organisation=organisation)


def _later_targets(organisation, submitter, secas, ssc_member) -> dict:
    """The targets built on demand (see `Scenario`): each through the services, as in use."""
    from assessments import services as ssc_services
    from assessments.models import Assessment, Decision
    from notifications import services
    from notifications.models import AssuranceStatus
    from tests import factories
    from tests.assessments.journey import checked_upload, in_days, report_received

    def a_case():
        notification = factories.NotificationFactory(organisation=organisation)
        return services.submit_notification(
            notification=notification, by=submitter, declaration_accepted=True
        )

    def under_review():
        meeting = factories.SSCMeetingFactory(attendees=[ssc_member])
        case = ssc_services.start_review(
            notification=a_case(), by=secas, rapporteur=ssc_member, meeting=meeting
        )
        return case, meeting

    def decided():
        case, meeting = under_review()
        ssc_services.decide(
            notification=case,
            by=ssc_member,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Hosted with the same controls as the first system.",
            meeting=meeting,
        )
        return {"notification_id": case.pk}

    def asked():
        case, _ = under_review()
        services.request_information(notification=case, by=secas, question="Which hosts?")
        return {"notification_id": case.pk}

    def an_assessment(kind="fusa", **fields):
        fields = fields or {"reason": "g8_13", "counts_as_annual_review": False}
        return Assessment.objects.create(
            organisation=organisation, kind=kind, due_date=in_days(60), **fields
        )

    def scheduled():
        assessment = an_assessment()
        ssc_services.schedule_assessment(
            assessment=assessment,
            by=secas,
            cio_name="A. CIO",
            fieldwork_start_date=in_days(-40),
            fieldwork_end_date=in_days(-30),
        )
        return {"assessment_id": assessment.pk}

    def fieldwork():
        assessment_id = scheduled()["assessment_id"]
        ssc_services.start_fieldwork(
            assessment=Assessment.objects.get(pk=assessment_id), by=secas, started_on=in_days(-40)
        )
        return {"assessment_id": assessment_id}

    def self_assessed():
        assessment = an_assessment("ussa")
        ssc_services.submit_self_assessment(
            assessment=assessment, by=submitter, files=[checked_upload("self-assessment.pdf")]
        )
        return {"assessment_id": assessment.pk}

    def with_report(assessment=None):
        assessment = assessment or an_assessment()
        report_received(assessment, by=secas)
        return assessment

    def response_received(assessment=None):
        assessment = with_report(assessment)
        ssc_services.record_response(
            assessment=assessment,
            by=secas,
            received_on=timezone.localdate(),
            documents=[checked_upload("response.pdf")],
        )
        return assessment

    def proposed():
        # The organisation's first FUSA (no assurance record yet): the Panel decides it.
        assessment = response_received(an_assessment(reason="annual_review", cycle_year=1))
        ssc_services.propose_outcome(
            assessment=assessment,
            by=secas,
            status=AssuranceStatus.APPROVED,
            rationale="The report and the User's response support this status.",
        )
        return {"assessment_id": assessment.pk}

    return {
        "decided": decided,
        "asked": asked,
        "scheduled": scheduled,
        "fieldwork": fieldwork,
        "self-assessed": self_assessed,
        "report-received": lambda: {"assessment_id": with_report().pk},
        "response-received": lambda: {"assessment_id": response_received().pk},
        "proposed": proposed,
    }
