"""Demo data for issue 14 part 8: an open referral of a late notice to the SEC Panel, and a
User's appeal that SECAS has put under consideration."""

from collections import Counter

from assessments import appeals
from assessments.demo.people import SECAS
from assessments.models import Appeal, Decision, PanelReferral, ReferralGround
from notifications.models import Notification
from users.models import Membership


def seed_referral_and_appeal(people: dict, created: Counter) -> None:
    secas = people[SECAS]
    if not PanelReferral.objects.exists():
        late = Notification.objects.filter(is_late=True).order_by("submitted_at").first()
        if late is not None:
            appeals.refer_to_panel(
                by=secas,
                notification=late,
                ground=ReferralGround.LATE_NOTICE,
                reason="The planned go-live was before the notification was submitted: a "
                "possible breach of the duty to notify the SSC first.",
            )
            created["referrals to the SEC Panel"] += 1
    if Appeal.objects.exists():
        return
    for decision in Decision.objects.select_related("notification__organisation").order_by(
        "-decided_at"
    )[:10]:
        organisation = decision.notification.organisation
        submitter = (
            Membership.objects.filter(
                organisation=organisation,
                role=Membership.Role.SUBMITTER,
                is_active=True,
            )
            .select_related("user")
            .first()
        )
        if submitter is None or not decision.is_open_to_appeal:
            continue
        appeal = appeals.lodge_appeal(
            by=submitter.user,
            grounds="The SSC did not take into account that the SRP's latest assessment "
            "covered this service; we ask the Panel to review the decision.",
            documents=[],
            decision=decision,
        )
        appeals.start_consideration(appeal=appeal, by=secas)
        created["appeals"] += 1
        return
