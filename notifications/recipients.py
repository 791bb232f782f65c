"""Who receives what: every email's addressees are chosen here, and only here.

`recipients_for(kind, …)` answers for each kind of email, from the table `AUDIENCES`; the
audiences are the few rules below (a case's contacts on the User's side, the organisation's
people, SECAS, the rapporteur, the acting SSC chair, the person acting). Links in each email
follow the reader: committee readers get the SSC's case page, the User's side the notification
page.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from notifications import selectors
from users.policy import allows
from users.selectors import acting_chair as acting_chair_for


@dataclass(frozen=True)
class Recipient:
    """One addressee. Each gets an outbox row of their own, greeted by name when it is known."""

    email: str
    name: str = ""
    is_committee: bool = False  # SECAS and SSC members: links go to the SSC case page

    @property
    def greeting(self) -> str:
        return f"Dear {self.name}," if self.name else "Hello,"


def person(user) -> Recipient:
    return Recipient(user.email, user.full_name)


def committee_member(user) -> Recipient:
    return Recipient(user.email, user.full_name, is_committee=True)


def secas_mailbox() -> Recipient:
    return Recipient(settings.SECAS_MAILBOX, is_committee=True)


def unique_recipients(candidates: Iterable[Recipient | None]) -> list[Recipient]:
    """Each address once (the first, best-named, mention wins), in order."""
    recipients: dict[str, Recipient] = {}
    for candidate in candidates:
        if candidate and candidate.email:
            recipients.setdefault(candidate.email.lower(), candidate)
    return list(recipients.values())


# --- Links: always reverse()d, never a written-out path ---------------------------------------


def portal_link(viewname: str, *args) -> str:
    """An absolute link to a portal page, for an email."""
    return settings.PORTAL_BASE_URL + reverse(viewname, args=args)


def portal_links(viewname: str) -> Callable[[int], str]:
    """portal_link for a run's thousands of ids: reversed once, each id put in its place."""
    marker = 987654321987654321  # no real id: it marks where the id goes in the path
    head, found, tail = portal_link(viewname, marker).partition(str(marker))
    if not found:
        raise ValueError(f"{viewname} does not take an id.")
    return lambda pk: f"{head}{pk}{tail}"


def notification_url(notification) -> str:
    """The case as the User sees it."""
    return portal_link("notifications:detail", notification.pk)


def case_url(notification) -> str:
    """The case as SECAS and the SSC see it, where they triage, ask and decide."""
    return portal_link("assessments:case", notification.pk)


def link_for(recipient: Recipient, notification) -> str:
    return case_url(notification) if recipient.is_committee else notification_url(notification)


# --- The audiences ----------------------------------------------------------------------------


def case_contacts(notification) -> list[Recipient]:
    """A case's User side: its submitter (while still in the organisation), its named contact
    and the organisation's contact address."""
    submitter = notification.submitted_by
    return unique_recipients(
        [
            # Someone who has left the organisation no longer receives its confidential mail.
            person(submitter)
            if submitter and allows(submitter, "notifications.prepare", notification)
            else None,
            Recipient(notification.contact_email, notification.contact_name),
            Recipient(notification.organisation.contact_email),
        ]
    )


def organisation_people(organisation) -> list[Recipient]:
    """The organisation's contact address and its active submitters and admins: who hears about
    its reviews and assurance."""
    return unique_recipients(
        [
            Recipient(organisation.contact_email),
            *(person(m.user) for m in selectors.submitting_memberships(organisation)),
        ]
    )


def rapporteur(notification) -> list[Recipient]:
    """The case's rapporteur, unless they have since left the SSC or declared a conflict."""
    member = notification.rapporteur
    if member is None or not allows(member, "notifications.be_rapporteur", notification):
        return []
    return [committee_member(member)]


def acting_chair(organisation) -> list[Recipient]:
    """Whoever acts as the SSC chair on the organisation's cases: the chair, or the deputy
    where the chair is conflicted; nobody when neither can act (SECAS is told that itself)."""
    person = acting_chair_for(organisation)
    return [committee_member(person)] if person is not None else []


def members_without_conflict(notification) -> list[Recipient]:
    """The SSC members who may decide the case: those without a conflict with its organisation."""
    return [
        committee_member(member)
        for member in selectors.ssc_members()
        if allows(member, "notifications.decide", notification)
    ]


def _secas(notification, organisation, by) -> list[Recipient]:
    return [secas_mailbox()]


def _rapporteur(notification, organisation, by) -> list[Recipient]:
    return rapporteur(notification)


def _case_contacts(notification, organisation, by) -> list[Recipient]:
    return case_contacts(notification) if notification is not None else []


def _organisation_people(notification, organisation, by) -> list[Recipient]:
    return organisation_people(organisation or notification.organisation)


def _acting_chair(notification, organisation, by) -> list[Recipient]:
    return acting_chair(organisation or notification.organisation)


def _ssc_members(notification, organisation, by) -> list[Recipient]:
    return [committee_member(member) for member in selectors.ssc_members()]


def _other_members(notification, organisation, by) -> list[Recipient]:
    """SSC members without a conflict with the organisation, but the person acting."""
    concerned = organisation or notification.organisation
    return [
        committee_member(member)
        for member in selectors.ssc_members()
        if member != by and allows(member, "notifications.hear_of_decisions", concerned)
    ]


def _members_without_conflict(notification, organisation, by) -> list[Recipient]:
    return members_without_conflict(notification)


def _the_person_acting(notification, organisation, by) -> list[Recipient]:
    return [person(by)] if by is not None else []


Audience = Callable[..., list[Recipient]]

# Each kind of email and who receives it, in the order they are addressed.
AUDIENCES: dict[str, tuple[Audience, ...]] = {
    "receipt": (_case_contacts,),
    "secas_alert": (_secas,),
    "information_requested": (_case_contacts,),
    "information_provided": (_secas, _rapporteur),
    "information_provided_receipt": (_the_person_acting, _case_contacts),
    "withdrawn": (_secas, _rapporteur, _case_contacts),
    # A message from the User's side goes to SECAS; one from SECAS or the SSC to the User.
    "message_to_committee": (_secas,),
    "message_to_user": (_case_contacts,),
    "rapporteur_assigned": (_rapporteur,),
    # The committee deferred a case to a later meeting: SECAS and the rapporteur always; the
    # User when the decision now comes after its planned go-live.
    "case_deferred_committee": (_secas, _rapporteur),
    "case_deferred_user": (_case_contacts,),
    "decision_letter": (_case_contacts,),
    # The SSC's (or the Panel's) decision on an assessment: the case's contacts when it
    # followed a notification, and the organisation's people.
    "assessment_decision_letter": (_case_contacts, _organisation_people),
    "self_assessment_submitted": (_secas,),
    # The report (for a USSA, the CIO's review) is on the portal: the User responds by the date.
    "assessment_report_ready": (_case_contacts, _organisation_people),
    # The User uploaded its response on the portal: SECAS takes the assessment on.
    "assessment_response_submitted": (_secas,),
    "remediation_step_sent_back": (_organisation_people,),
    # A follow-up assessment opened after Deferred or Rejected: SECAS books it; the chair
    # sees the risk (the User hears in its decision letter).
    "follow_up_opened_secas": (_secas,),
    "follow_up_opened_chair": (_acting_chair,),
    # A meeting's papers, published or re-issued: every SSC member (a link; each member's
    # copy leaves out their conflicts), and SECAS.
    "papers_published": (_ssc_members, _secas),
    # The schedule's report to the SEC Panel is ready: SECAS sends it on.
    "panel_report": (_secas,),
    # The acting chair decided alone: SECAS and the other members, before the next meeting.
    "chairs_action_taken": (_secas, _other_members),
    # Referral to the SEC Panel: the User is told it was referred, and the Panel's outcome.
    "panel_referral_made": (_case_contacts, _organisation_people),
    "panel_referral_outcome": (_case_contacts, _organisation_people),
    # An appeal: the person lodging it and the organisation get a receipt and, later, the
    # outcome; SECAS and the acting chair hear it was lodged, and when it is upheld.
    "appeal_lodged": (_the_person_acting, _case_contacts, _organisation_people),
    "appeal_outcome": (_case_contacts, _organisation_people),
    "appeal_lodged_committee": (_secas, _acting_chair),
    "appeal_upheld_committee": (_secas, _acting_chair),
    # A written procedure asks every member who may decide the case; one that did not carry
    # goes to the next meeting, which SECAS, the rapporteur and the acting chair prepare.
    "written_procedure_opened": (_members_without_conflict,),
    "written_procedure_not_carried": (_secas, _rapporteur, _acting_chair),
}


def recipients_for(kind: str, *, notification=None, organisation=None, by=None) -> list[Recipient]:
    """Who receives an email of this kind about this case (or organisation), each once.

    `by` is the person acting, for the kinds that copy them in.
    """
    audiences = AUDIENCES[kind]
    return unique_recipients(
        recipient
        for audience in audiences
        for recipient in audience(notification, organisation, by)
    )
