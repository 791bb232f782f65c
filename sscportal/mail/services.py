"""The outbox's write side: render an email trio into a row, save it in the caller's
transaction, deliver it after commit.

Each email is a trio of templates (emails/<template>_subject.txt, .txt, .html). A row is either
rendered when written (build_email) or, for runs that write thousands at once, rendered when it
is delivered from its template and plain-JSON context (build_deferred_email). What must never
be stored in the table, such as a set-password link, an app adds when the email is sent
(add_at_delivery).
"""

from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from sscportal.mail.models import OutboundEmail


class DeliveryCancelled(Exception):
    """Raised by an add-at-delivery provider when the email must not go out any more; the
    message says why, for the communications log."""


AddAtDelivery = Callable[[OutboundEmail], dict]
_added_at_delivery: dict[str, AddAtDelivery] = {}


def add_at_delivery(kind: str, provider: AddAtDelivery) -> None:
    """Have `provider(email)` add to the context of every deferred email of this kind when it
    is sent. What it adds is never stored: such a row keeps its rendered subject, not its body.
    The provider raises DeliveryCancelled when the email is no longer wanted."""
    _added_at_delivery[kind] = provider


def base_context() -> dict:
    return {"portal_url": settings.PORTAL_BASE_URL + reverse("home")}


def render_subject(template: str, context: dict) -> str:
    return " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())


def build_email(*, kind: str, to: Iterable[str], template: str, context: dict) -> OutboundEmail:
    """Render an email trio into an unsaved row."""
    context = {**base_context(), **context}
    return OutboundEmail(
        kind=kind,
        to=list(to),
        subject=render_subject(template, context),
        body_text=render_to_string(f"emails/{template}.txt", context),
        body_html=render_to_string(f"emails/{template}.html", context),
    )


def deferred_email_values(
    *, kind: str, to: Iterable[str], template: str, context: dict, summary: str
) -> dict:
    """The values of a row rendered only when it is delivered (render_deferred_email), from
    `template` and `context`, which must be plain JSON values. Until then its subject is
    `summary`, a line for the communications log."""
    return {
        "kind": kind,
        "to": list(to),
        "subject": summary[: OutboundEmail._meta.get_field("subject").max_length],
        "template": template,
        "context": context,
    }


def build_deferred_email(
    *, kind: str, to: Iterable[str], template: str, context: dict, summary: str
) -> OutboundEmail:
    """An unsaved row of deferred_email_values."""
    return OutboundEmail(
        **deferred_email_values(
            kind=kind, to=to, template=template, context=context, summary=summary
        )
    )


def render_deferred_email(email: OutboundEmail) -> list[str]:
    """Render a row from build_deferred_email in memory. Returns the fields that may be saved:
    [] if it was already rendered, only the subject if an app added to it at delivery."""
    if not email.template or email.body_text:
        return []
    provider = _added_at_delivery.get(email.kind)
    context = {**base_context(), **email.context, **(provider(email) if provider else {})}
    email.subject = render_subject(email.template, context)
    email.body_text = render_to_string(f"emails/{email.template}.txt", context)
    email.body_html = render_to_string(f"emails/{email.template}.html", context)
    return ["subject"] if provider else ["subject", "body_text", "body_html"]


def deliver_after_commit(emails: Iterable[OutboundEmail]) -> None:
    """Queue one delivery task per saved row once the caller's transaction commits."""
    from sscportal.mail.tasks import deliver_email

    for email in emails:
        # robust: a broker outage must not turn a saved change into an error page; the row
        # waits for the outbox sweep.
        transaction.on_commit(partial(deliver_email.delay, email.pk), robust=True)


def queue_email(email: OutboundEmail) -> OutboundEmail:
    """Save a built row in the current transaction; it is delivered after commit."""
    email.save()
    deliver_after_commit([email])
    return email
