"""ETag / If-Match on drafts: two clients cannot silently overwrite each other's changes."""

from api.problems import Problem

IF_MATCH_MAX_LENGTH = 1000


def etag_of(notification) -> str:
    return f'"{notification.pk}-{int(notification.updated_at.timestamp() * 1_000_000)}"'


def check_if_match(request, notification, *, any_version: bool = True) -> None:
    """Refuse an update sent without If-Match (428), or against an older version (412).

    `any_version=False` refuses `If-Match: *` too: a submission declares the version read."""
    header = request.headers.get("If-Match")
    if header and len(header) > IF_MATCH_MAX_LENGTH:
        raise Problem(400, f"The If-Match header must be at most {IF_MATCH_MAX_LENGTH} characters.")
    # If-Match compares strongly (RFC 9110): a weak tag W/"…" never matches.
    offered = {tag.strip() for tag in (header or "").split(",")} - {""}
    if not offered or (not any_version and "*" in offered):
        raise Problem(
            428,
            "Send the draft's ETag in an If-Match header, so that changes made by someone else "
            "since you read it are not overwritten. Read the draft to get its ETag.",
        )
    if "*" not in offered and etag_of(notification) not in offered:
        raise Problem(
            412,
            f"{notification.reference} has changed since you read it (someone else saved it). "
            "Read it again, then send your changes with its new ETag.",
        )
