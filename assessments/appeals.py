"""Referral to the SEC Panel, and the User's appeals (issue 14 part 8).

SECAS or the committee refers a case to the Panel on a ground that applies to it (a late
notice, a system employed before notice or before the decision, an assessment Deferred or
Rejected); SECAS records the Panel's outcome. A User's submitters appeal a decision within
APPEAL_WINDOW_WORKING_DAYS SEC working days; SECAS takes the appeal to the Panel, which hears
it, and records the outcome. An upheld appeal leaves the decision on record: the case returns
to the committee, which reconsiders it (SECAS and the acting chair are told).
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.http import Http404
from django.utils import timezone

from assessments.models import (
    Appeal,
    AppealDocument,
    AppealDocumentDownload,
    AppealState,
    Assessment,
    AssessmentDecision,
    Decision,
    PanelReferral,
    ReferralGround,
)
from assessments.selectors import state_history
from notifications.models import AT_RISK_ASSURANCE, EmployedEarly, Notification, stored_file_fields
from notifications.recipients import portal_link, recipients_for, secas_mailbox
from notifications.services import (
    TransitionRefused,
    in_sentence,
    perform_transition,
    queue_email,
)
from notifications.workdays import local_date
from users.models import SecurityEvent, User
from users.policy import allows
from users.security import record_event

# --- Referral to the SEC Panel -----------------------------------------------------------------


def referral_grounds(*, notification: Notification | None = None, assessment=None) -> list[str]:
    """The grounds on which this case may be referred: only those that apply to it."""
    if notification is not None:
        grounds: list[str] = []
        if notification.is_late:
            grounds.append(ReferralGround.LATE_NOTICE)
        system = notification.user_system
        # The flag belongs to the notification that brought the system into the register.
        if system is not None and system.employed_early:
            grounds.append(
                ReferralGround.EMPLOYED_BEFORE_NOTICE
                if system.employed_early == EmployedEarly.BEFORE_NOTICE
                else ReferralGround.EMPLOYED_BEFORE_DECISION
            )
        return grounds
    decision = AssessmentDecision.objects.filter(assessment=assessment).first()
    if decision is not None and decision.status in AT_RISK_ASSURANCE:
        return [ReferralGround.NOT_APPROVED]
    return []


def open_referrals(*, notification=None, assessment=None):
    case = (
        {"notification": notification} if notification is not None else {"assessment": assessment}
    )
    return PanelReferral.objects.filter(outcome_recorded_at__isnull=True, **case)


def grounds_open_to_referral(*, notification=None, assessment=None) -> list[str]:
    """The grounds that apply and are not already before the Panel."""
    already = set(
        open_referrals(notification=notification, assessment=assessment).values_list(
            "ground", flat=True
        )
    )
    return [
        ground
        for ground in referral_grounds(notification=notification, assessment=assessment)
        if ground not in already
    ]


def _locked_case(notification, assessment):
    if (notification is None) == (assessment is None):
        raise ValueError("A referral is about one case: a notification or an assessment.")
    if notification is not None:
        return Notification.objects.select_for_update(of=("self",)).get(pk=notification.pk)
    return Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)


def _already_referred(existing: PanelReferral) -> TransitionRefused:
    when = timezone.localtime(existing.referred_at)
    return TransitionRefused(
        f"This case is already before the Panel on that ground: {existing.referred_by.full_name} "
        f"referred it on {when:%d/%m/%Y}. The Panel's outcome has not been recorded yet."
    )


def refer_to_panel(
    *,
    by: User,
    ground: str,
    reason: str,
    notification: Notification | None = None,
    assessment: Assessment | None = None,
    request=None,
) -> PanelReferral:
    """Refer a case to the SEC Panel on a ground that applies to it, with a reason; the User is
    told (a late notice or early use is a compliance matter, a failed assessment its own)."""
    if not reason.strip():
        raise TransitionRefused("Please give the reason for the referral: the Panel reads it.")
    with transaction.atomic():
        case = _locked_case(notification, assessment)
        if not allows(by, "assessments.refer_to_panel", case):
            raise TransitionRefused(
                "Only SECAS, or an SSC member without a conflict, can refer a case to the Panel."
            )
        about = {"notification": case} if isinstance(case, Notification) else {"assessment": case}
        applies = referral_grounds(**about)
        if ground not in applies:
            label = ReferralGround(ground).label if ground in ReferralGround.values else ground
            offered = "; ".join(str(ReferralGround(g).label) for g in applies)
            raise TransitionRefused(
                f"“{label}” does not apply to this case, so it cannot be referred on that ground. "
                + (f"Grounds that apply: {offered}." if applies else "No ground applies to it.")
            )
        existing = open_referrals(**about).filter(ground=ground).first()
        if existing is not None:
            raise _already_referred(existing)
        try:
            with transaction.atomic():
                referral = PanelReferral.objects.create(
                    organisation=case.organisation,
                    ground=ground,
                    reason=reason,
                    referred_by=by,
                    **about,
                )
        except IntegrityError as clash:
            existing = open_referrals(**about).filter(ground=ground).first()
            if existing is None:
                raise
            raise _already_referred(existing) from clash
        record_event(
            SecurityEvent.Kind.REFERRAL,
            actor=by,
            request=request,
            organisation=case.organisation,
            summary=f"{by} referred {referral.case_reference} to the SEC Panel: "
            f"{referral.get_ground_display()}",
        )
        _tell_the_user_of_referral(referral, template="panel_referral_made")
    return referral


def record_referral_outcome(
    *, referral: PanelReferral, by: User, outcome: str, panel_meeting_date: date, request=None
) -> PanelReferral:
    """SECAS records what the Panel decided on a referral; the User is told."""
    if not outcome.strip():
        raise TransitionRefused("Please write the Panel's outcome.")
    if panel_meeting_date > timezone.localdate():
        raise TransitionRefused(
            "The Panel meeting's date cannot be in the future: record the outcome once the "
            "Panel has met."
        )
    with transaction.atomic():
        locked = (
            PanelReferral.objects.select_for_update(of=("self",))
            .select_related("organisation", "notification", "assessment", "outcome_recorded_by")
            .get(pk=referral.pk)
        )
        if not allows(by, "assessments.record_panel_outcome", locked):
            raise TransitionRefused("Only SECAS can record the Panel's outcome of a referral.")
        if not locked.is_open:
            recorded = locked.outcome_recorded_by
            raise TransitionRefused(
                f"The Panel's outcome was already recorded"
                f"{f' by {recorded.full_name}' if recorded else ''} on "
                f"{timezone.localtime(locked.outcome_recorded_at):%d/%m/%Y}; "
                "it is shown below."
            )
        if panel_meeting_date < local_date(locked.referred_at):
            raise TransitionRefused(
                f"The Panel meeting cannot be before the referral "
                f"({timezone.localtime(locked.referred_at):%d/%m/%Y})."
            )
        locked.outcome = outcome
        locked.panel_meeting_date = panel_meeting_date
        locked.outcome_recorded_by = by
        locked.outcome_recorded_at = timezone.now()
        locked.save(
            update_fields=[
                "outcome",
                "panel_meeting_date",
                "outcome_recorded_by",
                "outcome_recorded_at",
            ]
        )
        record_event(
            SecurityEvent.Kind.REFERRAL,
            actor=by,
            request=request,
            organisation=locked.organisation,
            summary=f"{by} recorded the SEC Panel's outcome of the referral of "
            f"{locked.case_reference} ({locked.get_ground_display()})",
        )
        _tell_the_user_of_referral(locked, template="panel_referral_outcome")
    return locked


def _tell_the_user_of_referral(referral: PanelReferral, *, template: str) -> None:
    notification = referral.notification or (
        referral.assessment.notification if referral.assessment is not None else None
    )
    queue_email(
        kind=template,
        to=recipients_for(template, notification=notification, organisation=referral.organisation),
        template=template,
        context={
            "referral": referral,
            "case_reference": referral.case_reference,
            "case_url": _user_case_url(referral.notification, referral.assessment),
        },
        notification=notification,
        organisation=referral.organisation,
    )


def _user_case_url(notification, assessment) -> str:
    if notification is not None:
        return portal_link("notifications:detail", notification.pk)
    return portal_link("assessments:assessment", assessment.pk)


# --- Appeals ---------------------------------------------------------------------------------


def _appealed(decision, assessment_decision):
    if (decision is None) == (assessment_decision is None):
        raise ValueError("An appeal is against one decision.")
    if decision is not None:
        return (
            Decision.objects.select_for_update(of=("self",))
            .select_related("notification__organisation")
            .get(pk=decision.pk),
            {"decision": decision},
        )
    return (
        AssessmentDecision.objects.select_for_update(of=("self",))
        .select_related("assessment__organisation")
        .get(pk=assessment_decision.pk),
        {"assessment_decision": assessment_decision},
    )


def _already_appealed(existing: Appeal) -> TransitionRefused:
    return TransitionRefused(
        f"An appeal against this decision was already lodged by {existing.lodged_by.full_name} "
        f"on {timezone.localtime(existing.lodged_at):%d/%m/%Y}: only one appeal is heard per "
        f"decision. It is {in_sentence(existing.get_state_display())}; you can follow it under "
        "“Your appeals”."
    )


def refuse_if_late(decided, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if today > decided.appeal_closes_on:
        raise TransitionRefused(
            f"The time to appeal this decision has passed: an appeal had to be lodged by "
            f"{decided.appeal_closes_on:%d/%m/%Y}, within the SEC working days allowed after "
            f"the decision of {local_date(decided.decided_at):%d/%m/%Y}."
        )


def lodge_appeal(
    *,
    by: User,
    grounds: str,
    documents: list,
    decision: Decision | None = None,
    assessment_decision: AssessmentDecision | None = None,
    request=None,
) -> Appeal:
    """A submitter appeals a decision, with reasons and documents, within the window; one appeal
    per decision. The User is told what happens next; SECAS and the acting chair are told."""
    if not grounds.strip():
        raise TransitionRefused("Please give your reasons for the appeal.")
    with transaction.atomic():
        decided, against = _appealed(decision, assessment_decision)
        organisation = (
            decided.organisation if assessment_decision else decided.notification.organisation
        )
        if not allows(by, "assessments.lodge_appeal", organisation):
            raise TransitionRefused(
                "Only a submitter or admin of the organisation can appeal its decisions."
            )
        existing = Appeal.objects.filter(**against).select_related("lodged_by").first()
        if existing is not None:
            raise _already_appealed(existing)
        refuse_if_late(decided)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    organisation=organisation, grounds=grounds, lodged_by=by, **against
                )
        except IntegrityError as clash:
            existing = Appeal.objects.filter(**against).select_related("lodged_by").first()
            if existing is None:
                raise
            raise _already_appealed(existing) from clash
        for upload, kind, tlp, description in documents:
            AppealDocument.objects.create(
                appeal=appeal,
                uploaded_by=by,
                **stored_file_fields(
                    upload=upload, kind=kind, tlp=tlp, description=description or ""
                ),
            )
        record_event(
            SecurityEvent.Kind.APPEAL,
            actor=by,
            request=request,
            organisation=organisation,
            summary=f"{by} appealed {appeal.decision_label} ({len(documents)} document"
            f"{'s' if len(documents) != 1 else ''})",
        )
        _tell_the_user(appeal, "appeal_lodged", by=by)
        _tell_the_committee(appeal, "appeal_lodged_committee")
    return appeal


def start_consideration(*, appeal: Appeal, by: User, request=None) -> Appeal:
    """SECAS takes the appeal on, for the Panel to hear."""
    with transaction.atomic():
        locked = lock_appeal(appeal)
        perform_transition(
            locked, "start_consideration", by=by, description="Taken to the Panel by SECAS."
        )
        record_event(
            SecurityEvent.Kind.APPEAL,
            actor=by,
            request=request,
            organisation=locked.organisation,
            summary=f"{by} put the appeal against {locked.decision_label} under consideration",
        )
    return locked


def record_appeal_outcome(
    *,
    appeal: Appeal,
    by: User,
    upheld: bool,
    reasons: str,
    panel_meeting_date: date,
    request=None,
) -> Appeal:
    """SECAS records the Panel's outcome, with its reasons; the User is told, and an upheld
    appeal sends the case back to the committee (SECAS and the acting chair are told)."""
    if not reasons.strip():
        raise TransitionRefused("Please give the Panel's reasons for the outcome.")
    if panel_meeting_date > timezone.localdate():
        raise TransitionRefused(
            "The Panel meeting's date cannot be in the future: record the outcome once the "
            "Panel has met."
        )
    with transaction.atomic():
        locked = lock_appeal(appeal)
        if locked.is_open and panel_meeting_date < local_date(locked.lodged_at):
            raise TransitionRefused(
                f"The Panel meeting cannot be before the appeal was lodged "
                f"({timezone.localtime(locked.lodged_at):%d/%m/%Y})."
            )
        perform_transition(
            locked,
            "uphold" if upheld else "dismiss",
            by=by,
            description=reasons,
            reasons=reasons,
            panel_meeting_date=panel_meeting_date,
        )
        record_event(
            SecurityEvent.Kind.APPEAL,
            actor=by,
            request=request,
            organisation=locked.organisation,
            summary=f"{by} recorded the appeal against {locked.decision_label}: "
            f"{locked.get_state_display()}",
        )
        _tell_the_user(locked, "appeal_outcome", by=None)
        if upheld:
            _tell_the_committee(locked, "appeal_upheld_committee")
    return locked


def withdraw_appeal(*, appeal: Appeal, by: User, reason: str, request=None) -> Appeal:
    """The User withdraws an appeal not yet decided."""
    if not reason.strip():
        raise TransitionRefused("Please say why the appeal is withdrawn.")
    with transaction.atomic():
        locked = lock_appeal(appeal)
        perform_transition(locked, "withdraw", by=by, description=reason, reason=reason)
        record_event(
            SecurityEvent.Kind.APPEAL,
            actor=by,
            request=request,
            organisation=locked.organisation,
            summary=f"{by} withdrew the appeal against {locked.decision_label}",
        )
    return locked


def lock_appeal(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related(*APPEAL_JOINS)
        .prefetch_related(_assessment_outcome())
        .get(pk=appeal.pk)
    )


def record_document_download(
    *, document: AppealDocument, by: User, request=None
) -> AppealDocumentDownload:
    record_event(
        SecurityEvent.Kind.DOWNLOAD,
        actor=by,
        request=request,
        organisation=document.appeal.organisation,
        summary=f"{by} downloaded {document.original_name} ({document.get_tlp_display()}) "
        "from an appeal",
    )
    return AppealDocumentDownload.objects.create(document=document, user=by)


def _appeal_context(appeal: Appeal) -> dict:
    return {
        "appeal": appeal,
        "decision_label": appeal.decision_label,
        "decided_on": local_date(appeal.decided.decided_at),
        "documents": appeal.documents.count(),
    }


def _tell_the_user(appeal: Appeal, template: str, *, by: User | None) -> None:
    notification = appeal.notification
    queue_email(
        kind=template,
        to=recipients_for(
            template, notification=notification, organisation=appeal.organisation, by=by
        ),
        template=template,
        context={
            **_appeal_context(appeal),
            "appeal_url": portal_link("assessments:appeal", appeal.pk),
        },
        notification=notification,
        organisation=appeal.organisation,
    )


def _tell_the_committee(appeal: Appeal, template: str) -> None:
    """SECAS on its appeal page; the acting chair on the committee's page of the case (an
    assessment's, for its outcome: logged with the organisation, not the notification)."""
    decided = appeal.decided
    if isinstance(decided, Decision):
        notification: Notification | None = decided.notification
        case_url = portal_link("assessments:case", decided.notification_id)
    else:
        notification = None
        case_url = portal_link("assessments:committee_assessment", decided.assessment_id)
    secas = secas_mailbox()
    readers = recipients_for(template, notification=notification, organisation=appeal.organisation)
    for reader in readers:
        queue_email(
            kind=template,
            to=[reader],
            template=template,
            context={
                **_appeal_context(appeal),
                "appeal_url": portal_link("secas:appeal", appeal.pk)
                if reader == secas
                else case_url,
                # Nobody can act as chair on this organisation's cases: SECAS is told so.
                "no_chair": len(readers) == 1,
            },
            notification=notification,
            organisation=appeal.organisation,
        )


# --- Reads -----------------------------------------------------------------------------------

APPEALABLE_SHOWN = 20


def get_appealed_decision(user, *, notification_pk=None, assessment_pk=None):
    """The decision on a notification, or an assessment's outcome, for its organisation's
    people (who may see their appeals); 404 for anyone else and for a case not yet decided."""
    decided: Decision | AssessmentDecision | None
    if notification_pk is not None:
        decided = (
            Decision.objects.select_related("notification__organisation", "meeting")
            .filter(notification__pk=notification_pk)
            .first()
        )
    else:
        decided = (
            AssessmentDecision.objects.select_related(
                "assessment__organisation", "assessment__notification", "meeting"
            )
            .filter(assessment__pk=assessment_pk)
            .first()
        )
    if decided is None or not allows(
        user, "assessments.view_own_assessment", organisation_of(decided)
    ):
        raise Http404("No such decision.")
    return decided


def organisation_of(decided):
    """The organisation a decision (on a notification or an assessment) is about."""
    if isinstance(decided, Decision):
        return decided.notification.organisation
    return decided.assessment.organisation


def existing_appeal(decided) -> Appeal | None:
    against = (
        {"decision": decided} if isinstance(decided, Decision) else {"assessment_decision": decided}
    )
    return Appeal.objects.filter(**against).select_related("lodged_by").first()


# Joined with every appeal; an assessment's outcome is prefetched, as its own keyed query,
# so that no query joins more tables than PostgreSQL plans quickly (issue 10).
APPEAL_JOINS = ("organisation", "lodged_by", "decision__notification")


def _assessment_outcome() -> Prefetch:
    return Prefetch(
        "assessment_decision",
        queryset=AssessmentDecision.objects.select_related(
            "assessment__organisation", "assessment__notification"
        ),
    )


def _appeals():
    return Appeal.objects.select_related(*APPEAL_JOINS).prefetch_related(_assessment_outcome())


def open_first(queryset, closed_field: str, opened_field: str):
    return queryset.order_by(F(closed_field).asc(nulls_first=True), f"-{opened_field}", "-pk")


def appeals_of(organisation):
    """An organisation's appeals, open first, then latest first."""
    return open_first(_appeals().filter(organisation=organisation), "closed_at", "lodged_at")


def all_appeals():
    return open_first(_appeals(), "closed_at", "lodged_at")


def all_referrals():
    return open_first(
        PanelReferral.objects.select_related(
            "organisation", "notification", "assessment", "referred_by"
        ),
        "outcome_recorded_at",
        "referred_at",
    )


def decisions_open_to_appeal(organisation, today: date | None = None) -> list:
    """The organisation's decisions it may still appeal and has not: the most recent few."""
    today = today or timezone.localdate()
    # Working days never run faster than 5 in 7 calendar days; three weeks spare for holidays.
    since = today - timedelta(days=settings.APPEAL_WINDOW_WORKING_DAYS * 7 // 5 + 21)
    start = timezone.make_aware(datetime.combine(since, time.min))
    decisions = list(
        Decision.objects.filter(
            notification__organisation=organisation, decided_at__gte=start, appeal__isnull=True
        )
        .select_related("notification")
        .order_by("-decided_at")[:APPEALABLE_SHOWN]
    )
    outcomes = list(
        AssessmentDecision.objects.filter(
            assessment__organisation=organisation, decided_at__gte=start, appeal__isnull=True
        )
        .select_related("assessment")
        .order_by("-decided_at")[:APPEALABLE_SHOWN]
    )
    both: list[Decision | AssessmentDecision] = [*decisions, *outcomes]
    return [decided for decided in both if today <= decided.appeal_closes_on]


def get_own_appeal(user, pk) -> Appeal:
    """An appeal for its organisation's people; 404 for anyone else."""
    appeal = _appeals().filter(pk=pk).first()
    if appeal is None or not allows(user, "assessments.view_own_assessment", appeal.organisation):
        raise Http404("No such appeal.")
    return appeal


def get_secas_appeal(user, pk) -> Appeal:
    appeal = _appeals().filter(pk=pk).first()
    if appeal is None or not allows(user, "assessments.view_secas_pages", appeal):
        raise Http404("No such appeal.")
    return appeal


def get_visible_appeal_document(user, pk) -> AppealDocument:
    document = AppealDocument.objects.select_related("appeal__organisation").filter(pk=pk).first()
    if document is None or not allows(user, "assessments.view_appeal", document.appeal):
        raise Http404("No such file.")
    return document


def get_secas_referral(user, pk) -> PanelReferral:
    referral = (
        PanelReferral.objects.select_related(
            "organisation", "notification", "assessment", "referred_by", "outcome_recorded_by"
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None or not allows(user, "assessments.view_secas_pages", referral):
        raise Http404("No such referral.")
    return referral


def appeal_history(appeal: Appeal) -> list[dict]:
    return state_history(appeal, AppealState)


CASE_ROWS_SHOWN = 10


def referrals_of_case(*, notification=None, assessment=None) -> list[PanelReferral]:
    case = (
        {"notification": notification} if notification is not None else {"assessment": assessment}
    )
    return list(
        open_first(
            PanelReferral.objects.filter(**case).select_related(
                "referred_by", "outcome_recorded_by"
            ),
            "outcome_recorded_at",
            "referred_at",
        )[:CASE_ROWS_SHOWN]
    )


def appeal_of_case(*, notification=None, assessment=None) -> Appeal | None:
    """The appeal against the case's decision, if one was lodged."""
    if notification is not None:
        return _appeals().filter(decision__notification=notification).first()
    return _appeals().filter(assessment_decision__assessment=assessment).first()
