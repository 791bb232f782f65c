"""The rapporteur's recommendation and a meeting's papers (issue 14, parts 6 and 7).

The rapporteur records a recommended outcome before the meeting (each revision a new row). SECAS
generates the meeting's papers from the record and publishes them: each case's paper is stored
as rendered at publication, so what members download never changes after it; a re-issue is the
next version. A member's copy is built from the stored papers at download, leaving out the cases
they are conflicted on, and every download is logged.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from assessments import selectors
from assessments.documents import render_pdf
from assessments.models import (
    AgendaItem,
    Decision,
    MeetingPaper,
    MeetingPapers,
    PapersDownload,
    Recommendation,
    SSCMeeting,
    highest_tlp,
)
from assessments.triage import facts_for, suggest
from notifications.models import (
    UNDECIDED_STATES,
    InformationRequest,
    Notification,
    NotificationQuerySet,
    TLPMarking,
)
from notifications.recipients import portal_link, recipients_for
from notifications.services import TransitionRefused, in_sentence, queue_email
from notifications.workdays import add_working_days
from users.models import SecurityEvent, User
from users.policy import allows
from users.security import record_event

RECOMMENDATIONS_SHOWN = 20
DOWNLOADS_SHOWN = 20

# --- The rapporteur's recommendation ------------------------------------------------------------


def record_recommendation(
    *, case: Notification, by: User, outcome: str, reasoning: str
) -> Recommendation:
    """The rapporteur recommends an outcome before the meeting; a revision keeps the earlier."""
    if not allows(by, "assessments.record_recommendation", case):
        raise TransitionRefused(
            "Only the case's rapporteur (an SSC member without a conflict) can record its "
            "recommendation."
        )
    if outcome not in Decision.Outcome.values:
        raise TransitionRefused("Choose the outcome you recommend.")
    if not reasoning.strip():
        raise TransitionRefused("Give the reasoning for your recommendation.")
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=case.pk)
        if locked.rapporteur_id != by.pk:
            raise TransitionRefused(
                "SECAS has made another member rapporteur for this case since you opened it: "
                "your recommendation has not been recorded."
            )
        if locked.state not in UNDECIDED_STATES:
            raise TransitionRefused(
                f"The case is now {in_sentence(locked.get_state_display())}: a recommendation "
                "is for before the SSC decides, so it has not been recorded."
            )
        return Recommendation.objects.create(
            notification=locked, outcome=outcome, reasoning=reasoning.strip(), recorded_by=by
        )


def recommendations_of(case: Notification, viewer) -> list[Recommendation]:
    """The case's recommendation and its earlier versions, newest first, for the committee."""
    if not allows(viewer, "assessments.view_recommendation", case):
        return []
    return list(
        case.recommendations.select_related("recorded_by").order_by("-recorded_at", "-pk")[
            :RECOMMENDATIONS_SHOWN
        ]
    )


def recommendation_due_by(today: date) -> date:
    """Meetings on or before this day need their cases' recommendations now."""
    return add_working_days(today, settings.RECOMMENDATION_DUE_WORKING_DAYS)


def awaiting_recommendation(cases: NotificationQuerySet, today: date) -> NotificationQuerySet:
    """Undecided cases on the agenda of a meeting that is near, with no recommendation."""
    near = AgendaItem.objects.to_decide().filter(
        notification=OuterRef("pk"),
        meeting__date__gte=today,
        meeting__date__lte=recommendation_due_by(today),
    )
    recorded = Recommendation.objects.filter(notification=OuterRef("pk"))
    return cases.undecided().filter(Exists(near)).exclude(Exists(recorded))


# --- The papers, as generated from the record ---------------------------------------------------


def paper_reference(meeting: SSCMeeting, number: int) -> str:
    return f"SSC {meeting.date:%d/%m/%Y} paper {number}"


def agenda_reference(meeting: SSCMeeting) -> str:
    return f"SSC {meeting.date:%d/%m/%Y} papers: agenda"


@dataclass(frozen=True)
class PaperDraft:
    """One case's paper as it reads now (stored as a MeetingPaper when published)."""

    notification: Notification
    number: int
    reference: str
    title: str
    tlp: str
    body_html: str

    @property
    def tlp_label(self) -> str:
        return TLPMarking(self.tlp).label


def _case_paper_html(case: Notification, *, meeting: SSCMeeting, reference: str, tlp: str) -> str:
    organisation = case.organisation
    outlook = selectors.size_outlook(case)
    suggestion = suggest(
        facts_for(
            case,
            organisation_assurance=selectors.latest_assurance(organisation),
            next_annual_review_date=selectors.next_annual_review_due(organisation),
            next_meeting_date=meeting.date,
            system_ever_assessed=selectors.system_ever_assessed(case),
            size_outlook=outlook,
        )
    )
    recommendation = case.recommendations.select_related("recorded_by").first()
    return render_to_string(
        "assessments/_case_paper_pdf.html",
        {
            "case": case,
            "reference": reference,
            "tlp_label": TLPMarking(tlp).label,
            "suggestion": suggestion,
            "size_outlook": outlook,
            "system": case.user_system,
            # Prefetched by draft_papers, in their own order (asked, uploaded).
            "questions": list(case.information_requests.all()),
            "attachments": list(case.attachments.all()),
            "recommendation": recommendation,
        },
    )


def draft_papers(meeting: SSCMeeting) -> list[PaperDraft]:
    """Every case on the meeting's agenda, numbered in agenda order, as it reads now (a case
    deferred to a later meeting goes in that meeting's papers)."""
    items = (
        meeting.agenda_items.to_decide()
        .select_related(
            "notification__organisation",
            "notification__provider",
            "notification__user_system",
            "notification__rapporteur",
        )
        .prefetch_related(
            "notification__user_roles",
            "notification__attachments",
            Prefetch(
                "notification__information_requests",
                queryset=InformationRequest.objects.select_related("requested_by", "responded_by"),
            ),
        )
        .order_by("position", "added_at", "pk")
    )
    drafts = []
    for number, item in enumerate(items, start=1):
        case = item.notification
        reference = paper_reference(meeting, number)
        tlp = highest_tlp(*(attachment.tlp for attachment in case.attachments.all()))
        drafts.append(
            PaperDraft(
                notification=case,
                number=number,
                reference=reference,
                title=f"{case.reference}: {case.organisation.name}, {case.system_name}",
                tlp=tlp,
                body_html=_case_paper_html(case, meeting=meeting, reference=reference, tlp=tlp),
            )
        )
    return drafts


def papers_pdf(
    meeting: SSCMeeting, papers, *, version: MeetingPapers | None, with_agenda: bool = True
) -> bytes:
    """The papers as one PDF: the agenda, then each paper; every page carries its paper's
    reference and TLP marking (the highest of the papers included, at least TLP:AMBER)."""
    tlp = highest_tlp(*(paper.tlp for paper in papers))
    return render_pdf(
        "assessments/meeting_papers_pdf.html",
        {
            "meeting": meeting,
            "version": version,
            "papers": papers,
            "with_agenda": with_agenda,
            "agenda_reference": agenda_reference(meeting),
            "tlp_label": TLPMarking(tlp).label,
        },
    )


# --- Publishing ---------------------------------------------------------------------------------


def latest_version(meeting: SSCMeeting) -> MeetingPapers | None:
    return meeting.papers_versions.select_related("published_by").order_by("-version").first()


def publish_papers(
    *, meeting: SSCMeeting, by: User, changes: str = "", expected_version: int | None = None
) -> MeetingPapers:
    """Freeze the papers as they read now as the meeting's next version, and email members a
    link. `expected_version` is the latest version the publisher saw: if another was published
    since, nothing is published and they are told."""
    if not allows(by, "assessments.publish_papers"):
        raise TransitionRefused("Only SECAS staff who run meetings can publish the papers.")
    with transaction.atomic():
        # One publisher at a time per meeting: the next waits here and numbers after it.
        meeting = SSCMeeting.objects.select_for_update().get(pk=meeting.pk)
        latest = latest_version(meeting)
        current = latest.version if latest else 0
        if latest is not None and expected_version is not None and current != expected_version:
            raise TransitionRefused(
                f"Version {latest.version} of these papers was published by "
                f"{latest.published_by} at "
                f"{timezone.localtime(latest.published_at):%H:%M on %d/%m/%Y} while you were "
                "on this page. Nothing more was published: check that version, and re-issue if "
                "something has changed since."
            )
        if latest and not changes.strip():
            raise TransitionRefused(
                f"Say what has changed since version {latest.version}: members are told."
            )
        drafts = draft_papers(meeting)
        if not drafts:
            raise TransitionRefused(
                "The meeting has no cases on its agenda: there are no papers to publish."
            )
        try:
            with transaction.atomic():
                version = MeetingPapers.objects.create(
                    meeting=meeting, version=current + 1, changes=changes.strip(), published_by=by
                )
        except IntegrityError:
            raise TransitionRefused(
                "Another version of these papers was published at the same moment. Nothing "
                "more was published: reload the meeting to see it."
            ) from None
        MeetingPaper.objects.bulk_create(
            MeetingPaper(
                papers=version,
                notification=draft.notification,
                number=draft.number,
                reference=draft.reference,
                title=draft.title,
                tlp=draft.tlp,
                body_html=draft.body_html,
            )
            for draft in drafts
        )
        verb = "re-issued" if latest else "published"
        record_event(
            SecurityEvent.Kind.PAPERS_PUBLISHED,
            actor=by,
            summary=f"{by} {verb} the papers for {meeting} as version {version.version} "
            f"({len(drafts)} case paper{'s' if len(drafts) != 1 else ''})",
        )
        queue_email(
            kind="papers_published",
            to=recipients_for("papers_published"),
            template="papers_published",
            context={
                "meeting": meeting,
                "version": version,
                "previous_version": current or None,
                "papers_url": portal_link("assessments:meeting", meeting.pk),
            },
        )
    return version


# --- Reading and downloading --------------------------------------------------------------------


def require_papers_reader(user) -> None:
    if not allows(user, "assessments.view_papers"):
        raise Http404


def versions_of(meeting: SSCMeeting) -> QuerySet[MeetingPapers]:
    return meeting.papers_versions.select_related("published_by").order_by("-version")


def get_version(user, meeting_pk: int, version: int) -> MeetingPapers:
    require_papers_reader(user)
    papers = (
        MeetingPapers.objects.select_related("meeting", "published_by")
        .filter(meeting_id=meeting_pk, version=version)
        .first()
    )
    if papers is None:
        raise Http404("No such version of the papers.")
    return papers


def papers_for(papers: MeetingPapers, user) -> QuerySet[MeetingPaper]:
    """The case papers this person may read: a member's leave out their conflicts (as they
    stand now, whenever the papers were published)."""
    require_papers_reader(user)
    return papers.case_papers.filter(notification__in=selectors.cases_visible_to(user)).order_by(
        "number"
    )


def get_paper(papers: MeetingPapers, user, number: int) -> MeetingPaper:
    paper = papers_for(papers, user).filter(number=number).first()
    if paper is None:
        raise Http404("No such paper.")
    return paper


def record_download(*, papers: MeetingPapers, user: User, request, paper=None) -> None:
    PapersDownload.objects.create(papers=papers, paper=paper, user=user)
    what = paper.reference if paper else "the papers"
    record_event(
        SecurityEvent.Kind.DOWNLOAD,
        actor=user,
        request=request,
        summary=f"{user} downloaded {what} for {papers.meeting}, version {papers.version}",
    )


def downloads_of(meeting: SSCMeeting) -> QuerySet[PapersDownload]:
    return (
        PapersDownload.objects.filter(papers__meeting=meeting)
        .select_related("papers", "paper", "user")
        .order_by("-downloaded_at", "-pk")
    )
