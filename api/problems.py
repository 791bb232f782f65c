"""Errors as `application/problem+json` (RFC 9457), in the same plain English as the pages."""

from http import HTTPStatus

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """Refuse a request with a status, a plain-English detail and optional per-field errors."""

    def __init__(self, status: int, detail: str, *, errors: list[dict] | None = None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem_response(request, status: int, detail: str, *, errors=None, headers=None):
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def form_errors(form) -> list[dict]:
    """A form's errors as the API's per-field details: the pages' own messages."""
    return [
        {"field": field if field != "__all__" else None, "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]


def _plain(error: dict) -> str:
    """Pydantic's message for one field, in the pages' plain English where we know the kind."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    messages = {
        "missing": "This field is required.",
        "int_parsing": "Enter a whole number.",
        "int_type": "Enter a whole number.",
        "int_from_float": "Enter a whole number.",
        "date_parsing": "Enter a real date in the form YYYY-MM-DD.",
        "date_from_datetime_parsing": "Enter a real date in the form YYYY-MM-DD.",
        "date_from_datetime_inexact": "Enter a date without a time, in the form YYYY-MM-DD.",
        "date_type": "Enter a real date in the form YYYY-MM-DD.",
        "string_type": "Enter text.",
        "bool_parsing": "Answer true or false.",
        "bool_type": "Answer true or false.",
        "json_invalid": "The request body is not valid JSON.",
        "model_attributes_type": "Send a JSON object.",
        "dict_type": "Send a JSON object.",
        "list_type": "Send a list.",
        "extra_forbidden": "This field is not recognised.",
    }
    if kind in messages:
        return messages[kind]
    if kind == "greater_than_equal":
        return f"Enter a number of at least {ctx.get('ge')}."
    if kind == "less_than_equal":
        return f"Enter a number of at most {ctx.get('le')}."
    if kind == "string_too_long":
        return f"Keep this to {ctx.get('max_length')} characters or fewer."
    if kind == "string_too_short":
        return "This field is required." if ctx.get("min_length") == 1 else error["msg"] + "."
    if kind in ("literal_error", "enum"):
        return f"Choose one of: {ctx.get('expected', '')}."
    return str(error.get("msg", "This value is not valid.")).rstrip(".") + "."


def validation_errors(errors) -> list[dict]:
    details = []
    for error in errors:
        # The location starts with where it came from ("body", "query") and the schema's name.
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] == "body" and len(location) > 1:
            location = location[2:]
        elif location:
            location = location[1:]
        details.append({"field": ".".join(location) or None, "message": _plain(error)})
    return details
