"""Reads about people that other apps share: the SSC's chair and deputy, and who acts as chair."""

from dataclasses import dataclass

from django.db.models import QuerySet

from users.models import SSC_MEMBERS_GROUP, CommitteeOffices, Organisation, User
from users.policy import conflicted_with, is_ssc_member


def office_candidates() -> QuerySet[User]:
    """Who may hold the chair or the deputy's office: active SSC members, by name."""
    return User.objects.filter(groups__name=SSC_MEMBERS_GROUP, is_active=True).order_by(
        "full_name", "email"
    )


def committee_offices() -> CommitteeOffices:
    """The chair and deputy as recorded (one query). The migration makes the row; without it
    (a flushed test database) nobody is recorded."""
    found = CommitteeOffices.objects.select_related("chair", "deputy").filter(pk=1).first()
    return found or CommitteeOffices(pk=1)


@dataclass(frozen=True)
class ActingChair:
    """Who acts as the SSC chair for a case, or why nobody can."""

    person: User | None
    is_deputy: bool = False
    # Why the chair is not the one acting (the deputy acts), or why nobody can: in words.
    why: str = ""

    @property
    def is_missing(self) -> bool:
        return self.person is None


def _why_not(person: User | None, office: str, organisation: Organisation | None) -> str:
    """Why the person recorded in this office cannot act on the organisation's case, or ""."""
    if person is None:
        return f"no {office} is recorded"
    if not is_ssc_member(person):
        return f"the {office}, {person}, is no longer an active SSC member"
    if organisation is not None and conflicted_with(person, organisation):
        return f"the {office}, {person}, has a conflict of interest with {organisation}"
    return ""


def chair_for(
    organisation: Organisation | None = None, *, offices: CommitteeOffices | None = None
) -> ActingChair:
    """The chair, unless they cannot act on this organisation's case (none recorded, left the
    SSC, or a conflict of interest): then the deputy, unless the same holds; else nobody.

    `offices` lets a run over many cases read the record (and each officer's conflicts) once.
    """
    offices = offices if offices is not None else committee_offices()
    chair_refused = _why_not(offices.chair, "chair", organisation)
    if not chair_refused:
        return ActingChair(offices.chair)
    deputy_refused = _why_not(offices.deputy, "deputy chair", organisation)
    if not deputy_refused:
        return ActingChair(offices.deputy, is_deputy=True, why=chair_refused)
    return ActingChair(None, why=f"{chair_refused}, and {deputy_refused}")


def acting_chair(
    organisation: Organisation | None = None, *, offices: CommitteeOffices | None = None
) -> User | None:
    """Who acts as the SSC chair on the organisation's cases (in general, without one); None
    when nobody can."""
    return chair_for(organisation, offices=offices).person


def conflicted_for_both(offices: CommitteeOffices) -> frozenset[int]:
    """Organisations on whose cases nobody can act as chair, though someone can in general:
    every officer able to act has a conflict with them."""
    able = [
        person
        for person in (offices.chair, offices.deputy)
        if person is not None and is_ssc_member(person)
    ]
    if not able:
        return frozenset()
    return frozenset.intersection(*(person.conflicted_organisation_ids for person in able))
