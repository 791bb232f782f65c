"""The referral panel of the committee's case and assessment pages (its own module: the pages'
views include it, and the referral views show those pages again)."""

from django.urls import reverse

from assessments import appeals, forms
from users.policy import allows


def case_referrals_context(user, *, notification=None, assessment=None, form=None) -> dict:
    """The referral panel of a case or assessment page: its referrals, any appeal against its
    decision, and the referral form for those who may refer, offering the grounds that apply
    and are not already before the Panel."""
    case = (
        {"notification": notification} if notification is not None else {"assessment": assessment}
    )
    grounds = appeals.grounds_open_to_referral(**case)
    can_refer = bool(grounds or form) and allows(
        user, "assessments.refer_to_panel", notification or assessment
    )
    return {
        "referrals": appeals.referrals_of_case(**case),
        "case_appeal": appeals.appeal_of_case(**case),
        "can_refer": can_refer,
        "referral_form": (form or forms.ReferralForm(grounds=grounds)) if can_refer else None,
        "referral_action": reverse("assessments:refer_case", args=[notification.pk])
        if notification is not None
        else reverse("assessments:refer_assessment", args=[assessment.pk]),
    }
