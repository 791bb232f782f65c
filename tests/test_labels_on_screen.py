"""Labels keep their capitals on screen as in email: "Scheduled (CIO booked)", never "cio"."""

import datetime

from django.urls import reverse
from django.utils import timezone

from assessments import services as committee
from assessments.models import Assessment


def test_secas_is_told_the_new_stage_with_its_capitals(client, organisation, secas):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=timezone.localdate()
    )
    client.force_login(secas)
    response = client.post(
        reverse("secas:assessment_step", args=[review.pk, "schedule"]),
        {
            "cio_name": "Assure CIO Ltd",
            "fieldwork_start_date": "2027-01-04",
            "fieldwork_end_date": "2027-01-15",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Recorded: the assessment is now scheduled (CIO booked)." in page
    assert "cio booked" not in page


def test_the_case_page_shows_the_assessment_stage_with_its_capitals(
    client, under_review, ssc_member, meeting, secas
):
    committee.decide(
        notification=under_review,
        by=ssc_member,
        outcome="assessment_required",
        assessment_kind="fusa",
        rationale="Never assessed.",
        meeting=meeting,
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    committee.schedule_assessment(
        assessment=under_review.assessment,
        by=secas,
        cio_name="Assure CIO Ltd",
        fieldwork_start_date=timezone.localdate(),
        fieldwork_end_date=timezone.localdate(),
    )
    client.force_login(ssc_member)
    page = client.get(reverse("assessments:case", args=[under_review.pk])).content.decode()
    assert "Scheduled (CIO booked)" in page
    assert "cio booked" not in page


def test_no_code_or_template_lower_cases_a_label():
    """Labels such as "Assessment required (G8.13)" are lower-cased only through in_sentence."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"_display\(\)\s*\.lower\(\)|_display\s*\|\s*lower|status\.lower\(\)")
    sources = [
        path
        for folder in ("users", "notifications", "assessments", "sscportal", "templates")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts
    ]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert sources
    assert not offenders, "Use notifications.services.in_sentence instead: " + ", ".join(offenders)
