"""ETag / If-Match on drafts: two clients cannot silently overwrite each other's changes."""

from api.problems import Problem


def etag_of(notification) -> str:
    return f'"{notification.pk}-{int(notification.updated_at.timestamp() * 1_000_000)}"'


def check_if_match(request, notification) -> None:
    """Refuse an update sent without If-Match (428), or against an older version (412)."""
    header = request.headers.get("If-Match")
    if not header:
        raise Problem(
            428,
            "Send the draft's ETag in an If-Match header, so that changes made by someone else "
            "since you read it are not overwritten. Read the draft to get its ETag.",
        )
    current = etag_of(notification)
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in offered and current not in offered:
        raise Problem(
            412,
            f"{notification.reference} has changed since you read it (someone else saved it). "
            "Read it again, then send your changes with its new ETag.",
        )
