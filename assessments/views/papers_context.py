"""What the case page and the meeting page show of the recommendation and the papers (kept
apart from the views that act on them, which build on the committee's pages)."""

from assessments import forms, papers
from notifications.models import UNDECIDED_STATES
from users.policy import allows


def recommendation_context(user, case, kwargs) -> dict:
    """The case page's recommendation panel: the current one and earlier versions for the
    committee, and the form for the rapporteur."""
    may_record = allows(user, "assessments.record_recommendation", case) and (
        case.state in UNDECIDED_STATES
    )
    return {
        "recommendations": papers.recommendations_of(case, user),
        "can_record_recommendation": may_record,
        "recommendation_form": kwargs.get("recommendation_form")
        or (forms.RecommendationForm() if may_record else None),
    }


def papers_context(user, meeting, kwargs) -> dict:
    """The meeting page's papers panel: the versions, this person's own papers of the latest,
    and for SECAS the publish form and who downloaded."""
    if not allows(user, "assessments.view_papers"):
        return {}
    versions = list(papers.versions_of(meeting)[:20])
    latest = versions[0] if versions else None
    can_publish = allows(user, "assessments.publish_papers")
    can_see_downloads = allows(user, "assessments.view_papers_downloads")
    downloads = papers.downloads_of(meeting) if can_see_downloads else None
    return {
        "papers_versions": versions,
        "latest_papers": latest,
        "latest_case_papers": list(
            papers.papers_for(latest, user).only("papers", "number", "reference", "title", "tlp")
        )
        if latest
        else [],
        "can_publish_papers": can_publish,
        "publish_form": kwargs.get("publish_form")
        or (
            forms.PublishPapersForm(initial={"expected_version": latest.version if latest else 0})
            if can_publish
            else None
        ),
        "papers_downloads": list(downloads[: papers.DOWNLOADS_SHOWN]) if downloads else [],
        "papers_download_count": downloads.count() if downloads is not None else 0,
        "can_see_papers_downloads": can_see_downloads,
    }
