"""Notifications over the API: what a person sees and does here is what they see and do on the
pages, through the same selectors, forms, services and policy (notifications/views.py)."""

import json
from datetime import date, datetime
from typing import Annotated

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from ninja import Field, File, Form, Path, Query, Router, Schema, Status, UploadedFile

from api.concurrency import check_if_match, etag_of
from api.idempotency import run_once
from api.paging import Page, PageQuery, page_of, whole_number
from api.problems import Problem, form_errors
from assessments.models import Decision
from assessments.views import DecisionLetterView
from notifications import selectors, services
from notifications.forms import (
    WITHDRAWAL_REASON_LIMIT,
    AttachmentForm,
    NotificationForm,
    ProvideInformationForm,
    SubmitForm,
    WithdrawForm,
)
from notifications.models import (
    Attachment,
    DeliveryModel,
    InformationRequest,
    Notification,
    NotificationState,
    TLPMarking,
)
from notifications.views import _member_organisation, _own_notification
from users.models import UserRole
from users.policy import allows

router = Router(tags=["Notifications"])

NOT_SAVED = "Please correct the errors below. Nothing has been saved."
# PostgreSQL's integer column: the largest meter count the database (and so the form) accepts.
MAX_COUNT = 2_147_483_647


NotificationId = Annotated[int, Path(..., ge=1, le=MAX_COUNT)]

# Headers read by api.concurrency and api.idempotency, documented on the operations using them.
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag you read: 428 without it, 412 if the draft has changed since.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 1000},
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "A key of your choosing: a retry with the same key and request gets the "
    "first answer (with `Idempotent-Replayed: true`) and changes nothing.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def headers(*parameters: dict) -> dict:
    return {"parameters": list(parameters)}


def _limit(name: str) -> int:
    return Notification._meta.get_field(name).max_length


# --- What a client reads ---------------------------------------------------------------------


class NotificationSummary(Schema):
    id: int
    reference: str
    organisation_id: int
    organisation: str
    state: NotificationState
    state_label: str
    system_name: str
    planned_go_live_date: date | None
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime


def summary(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "reference": notification.reference,
        "organisation_id": notification.organisation_id,
        "organisation": notification.organisation.name,
        "state": notification.state,
        "state_label": notification.get_state_display(),
        "system_name": notification.system_name,
        "planned_go_live_date": notification.planned_go_live_date,
        "submitted_at": notification.submitted_at,
        "decided_at": notification.decided_at,
        "updated_at": notification.updated_at,
    }


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int = Field(..., ge=0)
    tlp: TLPMarking
    tlp_label: str
    description: str
    uploaded_at: datetime
    information_request_id: int | None = Field(
        ..., description="Set when the file came with an answer to the SSC's question."
    )


def attachment_out(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "original_name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "tlp": attachment.tlp,
        "tlp_label": attachment.get_tlp_display(),
        "description": attachment.description,
        "uploaded_at": attachment.uploaded_at,
        "information_request_id": attachment.information_request_id,
    }


class InformationRequestOut(Schema):
    id: int
    question: str
    requested_at: datetime
    response_due_date: date
    is_open: bool
    response: str
    responded_at: datetime | None


def information_request_out(information_request: InformationRequest) -> dict:
    return {
        "id": information_request.pk,
        "question": information_request.question,
        "requested_at": information_request.requested_at,
        "response_due_date": information_request.response_due_date,
        "is_open": information_request.is_open,
        "response": information_request.response,
        "responded_at": information_request.responded_at,
    }


class DecisionOut(Schema):
    """The SSC's decision as the notification page shows it to the User."""

    outcome: str
    outcome_label: str
    decided_at: datetime
    committee_sentence: str = Field(
        ..., description="How the committee decided, as the page and the letter say it."
    )
    rationale: str
    appeal_closes_on: date


def decision_out(decision) -> dict:
    return {
        "outcome": decision.outcome,
        "outcome_label": decision.get_outcome_display(),
        "decided_at": decision.decided_at,
        "committee_sentence": decision.committee_sentence,
        "rationale": decision.rationale,
        "appeal_closes_on": decision.appeal_closes_on,
    }


class DeferralOut(Schema):
    deferred_at: datetime
    to_meeting_date: date
    is_after_go_live: bool


class SystemLink(Schema):
    id: int
    name: str
    status: str
    status_label: str


class AllowedActions(Schema):
    """What the person may do now, by the same policy as the page's buttons."""

    edit: bool
    add_attachment: bool
    submit: bool
    withdraw: bool
    answer: bool


class NotificationDetail(NotificationSummary):
    """The notification as its page shows it; never the SSC's internal notes."""

    contact_name: str
    contact_email: str
    contact_phone: str
    purpose: str
    user_roles: list[str] = Field(..., description="User Role codes, e.g. import-supplier.")
    smets1_meter_count: int | None
    smets2_meter_count: int | None
    delivery_model: DeliveryModel | None
    delivery_model_label: str
    provider_id: int | None
    provider: str | None
    third_party_name: str
    hosting_description: str
    hosting_location: str
    dcc_connection: str
    separation_from_existing: str
    key_management: str
    shared_with_existing: str
    same_isms_scope: bool | None
    same_controls: bool | None
    risk_assessment_summary: str
    risk_assessment_date: date | None
    penetration_test_summary: str
    penetration_test_date: date | None
    has_known_non_compliances: bool | None
    known_non_compliances: str
    is_change: bool
    changes_system_id: int | None
    change_summary: str
    is_late: bool
    submitted_by: str | None
    user_system: SystemLink | None
    missing_fields: list[str] = Field(
        ..., description="What a draft still needs before it can be submitted."
    )
    attachments: list[AttachmentOut]
    open_information_request: InformationRequestOut | None
    information_requests: list[InformationRequestOut]
    decision: DecisionOut | None
    deferrals: list[DeferralOut]
    allowed_actions: AllowedActions


def answers_of(notification: Notification) -> dict:
    """The draft's answers as the API writes them (the fields a PATCH may send)."""
    return {
        "contact_name": notification.contact_name,
        "contact_email": notification.contact_email,
        "contact_phone": notification.contact_phone,
        "system_name": notification.system_name,
        "purpose": notification.purpose,
        "user_roles": [role.code for role in notification.user_roles.all()],
        "planned_go_live_date": notification.planned_go_live_date,
        "smets1_meter_count": notification.smets1_meter_count,
        "smets2_meter_count": notification.smets2_meter_count,
        "delivery_model": notification.delivery_model or None,
        "provider_id": notification.provider_id,
        "third_party_name": notification.third_party_name,
        "hosting_description": notification.hosting_description,
        "hosting_location": notification.hosting_location,
        "dcc_connection": notification.dcc_connection,
        "separation_from_existing": notification.separation_from_existing,
        "key_management": notification.key_management,
        "shared_with_existing": notification.shared_with_existing,
        "same_isms_scope": notification.same_isms_scope,
        "same_controls": notification.same_controls,
        "risk_assessment_summary": notification.risk_assessment_summary,
        "risk_assessment_date": notification.risk_assessment_date,
        "penetration_test_summary": notification.penetration_test_summary,
        "penetration_test_date": notification.penetration_test_date,
        "has_known_non_compliances": notification.has_known_non_compliances,
        "known_non_compliances": notification.known_non_compliances,
        "change_summary": notification.change_summary,
    }


def detail(notification: Notification, user) -> dict:
    """Everything the notification page shows the person, in a bounded number of queries."""
    notification = (
        Notification.objects.select_related(
            "organisation", "provider", "submitted_by", "user_system"
        )
        .prefetch_related("user_roles", "attachments", "information_requests")
        .get(pk=notification.pk)
    )
    requests = list(notification.information_requests.all())
    available = {t.name for t in notification.get_available_user_state_transitions(user)}
    is_member = allows(user, "notifications.prepare", notification)
    system = notification.user_system
    # Read only for a decided case, as a query of its own: one join fewer to plan (issue 10).
    decision = (
        Decision.objects.select_related("meeting").filter(notification=notification).first()
        if notification.is_decided
        else None
    )
    deferrals = notification.deferrals.select_related("to_meeting")
    return {
        **summary(notification),
        **answers_of(notification),
        "delivery_model_label": notification.get_delivery_model_display(),
        "provider": notification.provider.name if notification.provider else None,
        "is_change": notification.is_change,
        "changes_system_id": notification.changes_system_id,
        "is_late": notification.is_late,
        "submitted_by": str(notification.submitted_by) if notification.submitted_by else None,
        "user_system": (
            {
                "id": system.pk,
                "name": system.name,
                "status": system.status,
                "status_label": system.get_status_display(),
            }
            if system
            else None
        ),
        "missing_fields": notification.missing_fields() if notification.is_draft else [],
        "attachments": [attachment_out(a) for a in notification.attachments.all()],
        "open_information_request": next(
            (information_request_out(r) for r in requests if r.is_open), None
        ),
        "information_requests": [information_request_out(r) for r in requests],
        "decision": decision_out(decision) if decision else None,
        "deferrals": [
            {
                "deferred_at": deferral.deferred_at,
                "to_meeting_date": deferral.to_meeting.date,
                "is_after_go_live": deferral.is_after_go_live,
            }
            for deferral in deferrals
        ],
        "allowed_actions": {
            "edit": notification.is_editable and is_member,
            "add_attachment": notification.is_editable and is_member,
            "submit": notification.is_draft and allows(user, "notifications.submit", notification),
            "withdraw": "withdraw" in available,
            "answer": "provide_information" in available,
        },
    }


def _as_json(body: dict) -> dict:
    """The body as JSON values: what run_once stores and replays, so both answers match."""
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


# --- Lists and reads -------------------------------------------------------------------------


class NotificationFilters(PageQuery):
    state: NotificationState | None = None
    organisation_id: int | None = Field(None, ge=1, le=2_147_483_647)


@router.get("/notifications", response=Page[NotificationSummary], summary="List notifications")
def list_notifications(request, filters: Query[NotificationFilters]):
    """Your organisations' notifications (drafts included); for SECAS and SSC members, the
    submitted ones they may see. Newest first."""
    notifications = selectors.notifications_visible_to(request.user).select_related("organisation")
    if filters.state:
        notifications = notifications.filter(state=filters.state)
    if filters.organisation_id:
        notifications = notifications.filter(organisation_id=filters.organisation_id)
    return page_of(notifications.order_by("-created_at", "-pk"), filters, summary)


@router.get(
    "/notifications/{notification_id}",
    response=NotificationDetail,
    summary="Read a notification",
)
def read_notification(request, notification_id: NotificationId, response: HttpResponse):
    """One notification with everything its page shows you: the answers, the files (with
    their TLP marking), any question from the SSC, the decision, and what you may do next.
    Its `ETag` header is what `If-Match` sends back on an update or a submission."""
    notification = selectors.get_visible_notification(request.user, notification_id)
    response["ETag"] = etag_of(notification)
    return detail(notification, request.user)


# --- Drafts ----------------------------------------------------------------------------------


def _text(name: str, description: str = ""):
    return Field(None, max_length=_limit(name), description=description or None)


RoleCode = Annotated[str, Field(max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]


class DraftFields(Schema):
    """The draft's answers, as on the notification form. Every one may be left out of a draft;
    a submission needs them all (see `missing_fields`)."""

    contact_name: str | None = _text("contact_name")
    contact_email: str | None = Field(None, max_length=254, description="An email address.")
    contact_phone: str | None = _text("contact_phone")
    system_name: str | None = _text(
        "system_name", "Kept as the register's name on a change to a notified system."
    )
    purpose: str | None = _text("purpose")
    user_roles: list[RoleCode] | None = Field(
        None,
        max_length=50,
        description="User Role codes your organisation holds, e.g. import-supplier.",
    )
    planned_go_live_date: date | None = None
    smets1_meter_count: whole_number(ge=0, le=MAX_COUNT) | None = None  # type: ignore[valid-type]
    smets2_meter_count: whole_number(ge=0, le=MAX_COUNT) | None = None  # type: ignore[valid-type]
    delivery_model: DeliveryModel | None = None
    provider_id: whole_number(ge=1, le=MAX_COUNT) | None = Field(  # type: ignore[valid-type]
        None, description="A Shared Resource Provider in the SRP register."
    )
    third_party_name: str | None = _text("third_party_name")
    hosting_description: str | None = _text("hosting_description")
    hosting_location: str | None = _text("hosting_location")
    dcc_connection: str | None = _text("dcc_connection")
    separation_from_existing: str | None = _text("separation_from_existing")
    key_management: str | None = _text("key_management")
    shared_with_existing: str | None = _text("shared_with_existing")
    same_isms_scope: bool | None = Field(None, strict=True)
    same_controls: bool | None = Field(None, strict=True)
    risk_assessment_summary: str | None = _text("risk_assessment_summary")
    risk_assessment_date: date | None = None
    penetration_test_summary: str | None = _text("penetration_test_summary")
    penetration_test_date: date | None = None
    has_known_non_compliances: bool | None = Field(None, strict=True)
    known_non_compliances: str | None = _text("known_non_compliances")
    change_summary: str | None = _text(
        "change_summary", "Only on a change to a notified system: what has changed."
    )

    model_config = {"extra": "forbid"}


class NewDraft(DraftFields):
    organisation_id: whole_number(ge=1, le=MAX_COUNT) = Field(  # type: ignore[valid-type]
        ..., description="Your organisation."
    )


def _form_value(value):
    """One answer as the form's own field reads it from a page's POST."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def _form_data(answers: dict) -> tuple[dict, list[dict]]:
    """The answers as the notification form's POST data; unknown role codes are refused."""
    data, errors = {}, []
    for name, value in answers.items():
        if name == "user_roles":
            codes = list(dict.fromkeys(value or []))
            roles = dict(UserRole.objects.filter(code__in=codes).values_list("code", "pk"))
            if unknown := [code for code in codes if code not in roles]:
                errors.append(
                    {
                        "field": "user_roles",
                        "message": f"There is no User Role with the code {', '.join(unknown)}.",
                    }
                )
            data["user_roles"] = [str(roles[code]) for code in codes if code in roles]
        elif name == "provider_id":
            data["provider"] = _form_value(value)
        else:
            data[name] = _form_value(value)
    return data, errors


def _field_of(error: dict) -> dict:
    return {**error, "field": "provider_id"} if error["field"] == "provider" else error


def _valid_form(form: NotificationForm, extra_errors: list[dict], answers: dict) -> None:
    errors = extra_errors[:]
    if answers.get("change_summary") and "change_summary" not in form.fields:
        errors.append(
            {
                "field": "change_summary",
                "message": "Only a change to a notified system has a summary of what changed.",
            }
        )
    if not form.is_valid() or errors:
        raise Problem(422, NOT_SAVED, errors=[_field_of(e) for e in form_errors(form)] + errors)


@router.post(
    "/notifications",
    response={201: NotificationDetail},
    summary="Start a draft notification",
    openapi_extra=headers(IDEMPOTENCY_KEY),
)
def create_draft(request, draft: NewDraft, response: HttpResponse):
    """Start a draft for one of your organisations, with as many answers as you have (the
    notification form's checks apply). Send an `Idempotency-Key` so a retry creates nothing
    new. The answer carries the draft's `Location` and `ETag`."""
    organisation = _member_organisation(request.user, draft.organisation_id)
    answers = draft.model_dump(exclude={"organisation_id"}, exclude_unset=True)

    def act():
        data, errors = _form_data(answers)
        form = NotificationForm(data, organisation=organisation)
        _valid_form(form, errors, answers)
        content = {k: v for k, v in form.cleaned_data.items() if k != "loaded_at"}
        notification = services.create_draft(organisation=organisation, by=request.user, **content)
        return 201, _as_json(detail(notification, request.user))

    status, body = run_once(request, response, act)
    _locate(request, response, body)
    return Status(status, body)


def _locate(request, response: HttpResponse, body: dict) -> None:
    response["Location"] = f"/api/v1/notifications/{body['id']}"
    notification = selectors.notifications_visible_to(request.user).filter(pk=body["id"]).first()
    # A replayed answer carries an ETag only while it still describes the current version.
    if notification and _as_json({"at": notification.updated_at})["at"] == body["updated_at"]:
        response["ETag"] = etag_of(notification)


@router.patch(
    "/notifications/{notification_id}",
    response=NotificationDetail,
    summary="Change a draft",
    openapi_extra=headers(IF_MATCH),
)
def update_draft(
    request, notification_id: NotificationId, changes: DraftFields, response: HttpResponse
):
    """Change some of a draft's answers: answers you do not send keep their values. Send the
    `ETag` you read in `If-Match`: without it the answer is 428, and 412 if someone has saved
    the draft since. The answer carries the new `ETag`."""
    notification = _own_notification(request.user, notification_id)
    check_if_match(request, notification)
    sent = changes.model_dump(exclude_unset=True)
    answers = {**answers_of(notification), **sent}
    data, errors = _form_data(answers)
    form = NotificationForm(data, instance=notification)
    _valid_form(form, errors, sent)
    content = {k: v for k, v in form.cleaned_data.items() if k != "loaded_at"}
    notification = services.update_draft(
        notification=notification,
        by=request.user,
        content=content,
        # The version the client read (If-Match matched it): the service checks it again
        # under its lock, so a save in between is refused, not overwritten.
        loaded_at=notification.updated_at,
    )
    response["ETag"] = etag_of(notification)
    return detail(notification, request.user)


# --- Files -----------------------------------------------------------------------------------


@router.post(
    "/notifications/{notification_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file to a draft",
    openapi_extra=headers(IDEMPOTENCY_KEY),
)
def add_attachment(
    request,
    notification_id: NotificationId,
    response: HttpResponse,
    file: File[UploadedFile],
    tlp: Form[TLPMarking] = TLPMarking.AMBER,
    description: str = Form("", max_length=255),
):
    """Attach a supporting file to a draft (`multipart/form-data`), with its protective
    marking. The same checks as the page: PDF, PNG, JPEG, DOCX, XLSX, ODT or plain text,
    recognised by its content, within the size limit. Send an `Idempotency-Key` to retry safely."""
    notification = _own_notification(request.user, notification_id)

    def act():
        form = AttachmentForm(
            {"tlp": tlp, "description": description}, {"file": request.FILES.get("file")}
        )
        if not form.is_valid():
            raise Problem(422, "The file was not added.", errors=form_errors(form))
        upload = form.cleaned_data["file"]
        attachment = services.add_attachment(
            notification=notification,
            by=request.user,
            upload=upload,
            kind=upload.kind,
            tlp=form.cleaned_data["tlp"],
            description=form.cleaned_data["description"],
        )
        return 201, _as_json(attachment_out(attachment))

    return Status(*run_once(request, response, act))


# --- Submitting, withdrawing, answering ------------------------------------------------------


class Submission(Schema):
    declaration: bool = Field(
        ...,
        strict=True,
        description="I declare that the content of this notification is accurate and complete.",
    )

    model_config = {"extra": "forbid"}


@router.post(
    "/notifications/{notification_id}/submit",
    response=NotificationDetail,
    summary="Declare and submit a draft to the SSC",
    openapi_extra=headers(IF_MATCH, IDEMPOTENCY_KEY),
)
def submit(
    request, notification_id: NotificationId, submission: Submission, response: HttpResponse
):
    """Submit a draft (submitters and admins of the organisation). Your declaration covers the
    version you read: send its `ETag` in `If-Match` (428 without, 412 if it changed since).
    Send an `Idempotency-Key` so a retry submits nothing twice."""
    notification = _own_notification(request.user, notification_id)

    def act():
        if not allows(request.user, "notifications.submit", notification):
            raise Problem(
                403,
                "Only a submitter or an admin of your organisation can submit. Ask one of them "
                "to check the answers and submit.",
            )
        # The declaration covers the version the client read: `*` names none.
        check_if_match(request, notification, any_version=False)
        form = SubmitForm({"declaration_accepted": "on" if submission.declaration else ""})
        if not form.is_valid():
            errors = [{**e, "field": "declaration"} for e in form_errors(form)]
            raise Problem(422, "The notification has not been submitted.", errors=errors)
        submitted = services.submit_notification(
            notification=notification,
            by=request.user,
            declaration_accepted=True,
            checked_version=notification.updated_at,
        )
        return 200, _as_json(detail(submitted, request.user))

    return Status(*run_once(request, response, act))


class Withdrawal(Schema):
    reason: str = Field(..., min_length=1, max_length=WITHDRAWAL_REASON_LIMIT)

    model_config = {"extra": "forbid"}


def _may(user, rule: str, notification, refusal: str) -> None:
    if not allows(user, rule, notification):
        raise Problem(403, refusal)


@router.post(
    "/notifications/{notification_id}/withdraw",
    response=NotificationDetail,
    summary="Withdraw a notification",
    openapi_extra=headers(IDEMPOTENCY_KEY),
)
def withdraw(
    request, notification_id: NotificationId, withdrawal: Withdrawal, response: HttpResponse
):
    """Withdraw a draft or a notification not yet decided, with a reason (submitters and
    admins of the organisation, and SECAS). This cannot be undone."""
    notification = selectors.get_visible_notification(request.user, notification_id)

    def act():
        _may(
            request.user,
            "notifications.withdraw",
            notification,
            "Only a submitter or an admin of the organisation can withdraw its notification.",
        )
        form = WithdrawForm({"reason": withdrawal.reason})
        if not form.is_valid():
            raise Problem(422, "The notification has not been withdrawn.", errors=form_errors(form))
        withdrawn = services.withdraw_notification(
            notification=notification, by=request.user, reason=form.cleaned_data["reason"]
        )
        return 200, _as_json(detail(withdrawn, request.user))

    return Status(*run_once(request, response, act))


class Answer(Schema):
    response: str = Field(
        ..., min_length=1, max_length=InformationRequest._meta.get_field("response").max_length
    )

    model_config = {"extra": "forbid"}


@router.post(
    "/notifications/{notification_id}/answers",
    response={201: InformationRequestOut},
    summary="Answer the SSC's question",
    openapi_extra=headers(IDEMPOTENCY_KEY),
)
def answer_question(
    request, notification_id: NotificationId, answer: Answer, response: HttpResponse
):
    """Answer the open question from the SSC (submitters and admins of the organisation); the
    review carries on. Send an `Idempotency-Key` to retry safely."""
    notification = selectors.get_visible_notification(request.user, notification_id)

    def act():
        _may(
            request.user,
            "notifications.provide_information",
            notification,
            "Only a submitter or an admin of the organisation can answer the SSC's questions.",
        )
        form = ProvideInformationForm({"response": answer.response})
        if not form.is_valid():
            raise Problem(422, "Your answer has not been sent.", errors=form_errors(form))
        answered = services.provide_information(
            notification=notification, by=request.user, response=form.cleaned_data["response"]
        )
        return 201, _as_json(information_request_out(answered))

    return Status(*run_once(request, response, act))


# --- The decision letter ---------------------------------------------------------------------

PDF_RESPONSE = {
    200: {
        "description": "The decision letter.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/notifications/{notification_id}/decision-letter",
    summary="Download the decision letter (PDF)",
    openapi_extra={"responses": PDF_RESPONSE},
)
def decision_letter(request, notification_id: NotificationId):
    """The SSC's decision letter as a PDF, the same one the notification page offers. 404
    while there is no decision, or if the notification is not yours to see."""
    return DecisionLetterView.as_view()(request, pk=notification_id)
