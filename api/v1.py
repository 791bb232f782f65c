"""`/api/v1/`: the portal's REST API, on the same selectors, services and policy as the pages."""

import functools
import logging
from http import HTTPStatus

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from api.auth import PerTokenRateLimit, TokenAuth
from api.problems import PROBLEM_CONTENT_TYPE, Problem, problem_response, validation_errors
from notifications.services import TransitionRefused

logger = logging.getLogger(__name__)

# Every operation may answer these; writes may also meet a conflict or a precondition.
READ_PROBLEMS = (400, 401, 403, 404, 422, 429)
WRITE_PROBLEMS = (*READ_PROBLEMS, 409, 412, 413, 428)
# The detail of a 422 for a request the schema itself refuses (as opposed to a form's rules).
SCHEMA_REFUSAL = "Please correct the errors below. Nothing has been saved."

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details, with per-field errors where a value was refused.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                codes = READ_PROBLEMS if method in ("get", "head") else WRITE_PROBLEMS
                responses = operation.setdefault("responses", {})
                for code in codes:
                    responses.setdefault(
                        str(code), {"description": HTTPStatus(code).phrase, "content": problem}
                    )
        return schema

    def _get_urls(self):
        # Django's own answers to a wrong method or an unknown address are HTML; a client of
        # the API reads problem+json, so both are answered in it.
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _method_problems(pattern.callback)
        return [*patterns, re_path(r"^.*$", _no_such_address, name="no-such-address")]


def _method_problems(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            return problem_response(
                request,
                405,
                f"{request.method} is not allowed here. Allowed: {allowed}.",
                headers={"Allow": allowed},
            )
        return response

    return wrapped


@csrf_exempt
def _no_such_address(request):
    return problem_response(
        request, 404, "There is no such address in the API. See /api/v1/docs/ for the addresses."
    )


api = PortalAPI(
    title="SSC Portal API",
    version="1",
    description=(
        "Notify the Security Sub-Committee of a further User System, follow the review, and "
        "(for SECAS) work the queue and the registers. Sign in with a personal API token: "
        "`Authorization: Bearer sscp_…`. Errors are `application/problem+json`."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    throttle=[PerTokenRateLimit()],
    docs=Swagger(
        settings={
            "persistAuthorization": False,
            "tryItOutEnabled": False,
            # No badge from an outside validator: the CSP would block it, and rightly.
            "validatorUrl": None,
        }
    ),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return problem_response(request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    return problem_response(
        request,
        422,
        SCHEMA_REFUSAL,
        errors=validation_errors(exc.errors),
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response(
        request,
        401,
        "Sign in with a personal API token: send it as Authorization: Bearer <token>. "
        "The token may be mistyped, expired or revoked.",
        headers={"WWW-Authenticate": 'Bearer realm="SSC Portal API"'},
    )


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    return problem_response(
        request, 429, "Too many requests with this token. Wait a moment, then try again."
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(request, 404, "Not found, or not yours to see.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem_response(request, 403, str(exc) or "You may not do this.")


@api.exception_handler(TransitionRefused)
def _refused(request, exc: TransitionRefused):
    return problem_response(request, 409, str(exc))


@api.exception_handler(DjangoValidationError)
def _django_invalid(request, exc: DjangoValidationError):
    return problem_response(request, 422, " ".join(exc.messages))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problem_response(request, 413, "The request is too large.")


@api.exception_handler(TooManyFilesSent)
def _too_many_files(request, exc):
    return problem_response(request, 413, "Too many files in one request.")


@api.exception_handler(TooManyFieldsSent)
def _too_many_fields(request, exc):
    return problem_response(request, 400, "Too many fields or parameters in one request.")


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
def _unreadable(request, exc):
    # Django answers these 400 itself; caught here, they would otherwise reach the 500 below.
    return problem_response(
        request,
        400,
        "The request could not be read: send JSON, or multipart/form-data (with its boundary) "
        "where the operation takes files.",
    )


@api.exception_handler(OverflowError)
def _too_large_a_number(request, exc):
    # SQLite refuses a number beyond 64 bits (PostgreSQL compares it and finds nothing); an id
    # the schema bounds (`le=`) is refused before it reaches the database.
    return problem_response(request, 422, "A number in the request is too large to be an id.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:  # ninja's own "Cannot parse request body".
        return _unreadable(request, exc)
    return problem_response(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("API error on %s", request.path, exc_info=exc)
    return problem_response(
        request,
        500,
        "Something went wrong on our side. Try again later; if it goes on, tell SECAS.",
    )


def _register_routers() -> None:
    from api.routers import assessments, committee, decisions, notifications, systems

    for module in (notifications, systems, decisions, committee, assessments):
        api.add_router("/", module.router)


_register_routers()
