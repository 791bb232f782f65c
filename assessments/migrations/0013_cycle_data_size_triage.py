"""The data half of 0012: each cycle row takes a size and gains its other-size twin (assumed
values, said in the notes); the triage thresholds' row takes the values the code used."""

import importlib

from django.db import migrations
from django.utils import timezone

from users.roles import crud, grant_permissions

ASSUMED = {
    "small": ["fusa", "vusa", "ussa"],
    "large": ["fusa", "fusa", "fusa"],
}
NEW_ROW_NOTES = "Added with size (assumed matrix from DOMAIN.md); confirm with SECAS."
NEW_ROW_REASON = "Added when the matrix gained size (assumed values)"


def implied_size(category: str) -> str:
    return "large" if category == "large_supplier" else "small"


def assumed_kind(category: str, size: str, year: int) -> str:
    # Other Users follow the small parties' cycle whatever their size.
    return ASSUMED["small" if category == "other" else size][year - 1]


def split_by_size(apps, schema_editor):
    rule = apps.get_model("assessments", "AssessmentCycleRule")
    history = apps.get_model("assessments", "HistoricalAssessmentCycleRule")
    for category in set(rule.objects.values_list("party_category", flat=True)):
        size = implied_size(category)
        rule.objects.filter(party_category=category).update(size=size)
        history.objects.filter(party_category=category).update(size=size)
    now = timezone.now()
    for existing in list(rule.objects.order_by("pk")):
        other = "small" if existing.size == "large" else "large"
        added = rule.objects.create(
            party_category=existing.party_category,
            cycle_year=existing.cycle_year,
            size=other,
            kind=assumed_kind(existing.party_category, other, existing.cycle_year),
            notes=NEW_ROW_NOTES,
        )
        history.objects.create(
            id=added.pk,
            party_category=added.party_category,
            cycle_year=added.cycle_year,
            size=added.size,
            kind=added.kind,
            notes=added.notes,
            history_date=now,
            history_type="+",
            history_change_reason=NEW_ROW_REASON,
            history_user=None,
        )


def seed_sized_matrix(apps, schema_editor):
    """The whole matrix on an empty table (the browser tests' flushed database); idempotent."""
    seeded = importlib.import_module("assessments.migrations.0002_cycle_matrix_and_permissions")
    rule = apps.get_model("assessments", "AssessmentCycleRule")
    for category, kinds in seeded.CYCLE.items():
        for size in ("small", "large"):
            for year, kind in enumerate(kinds, start=1):
                implied = size == implied_size(category)
                rule.objects.get_or_create(
                    party_category=category,
                    size=size,
                    cycle_year=year,
                    defaults={
                        "kind": kind if implied else assumed_kind(category, size, year),
                        "notes": seeded.NOTES if implied else NEW_ROW_NOTES,
                    },
                )


def merge_sizes(apps, schema_editor):
    # Going back keeps the rows whose size the category implied: the ones that existed before.
    rule = apps.get_model("assessments", "AssessmentCycleRule")
    for row in rule.objects.all():
        if row.size != implied_size(row.party_category):
            row.delete()


def first_thresholds(apps, schema_editor):
    settings_model = apps.get_model("assessments", "TriageSettings")
    history = apps.get_model("assessments", "HistoricalTriageSettings")
    row, created = settings_model.objects.get_or_create(
        pk=1, defaults={"srp_assessment_recent_months": 12, "annual_review_soon_days": 90}
    )
    if created:
        history.objects.create(
            id=row.pk,
            srp_assessment_recent_months=row.srp_assessment_recent_months,
            annual_review_soon_days=row.annual_review_soon_days,
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="The values the triage code used until now",
            history_user=None,
        )
    grant_permissions(apps, "SECAS staff", crud("assessments", "triagesettings", "view change"))
    grant_permissions(apps, "SSC members", ["assessments.view_triagesettings"])


class Migration(migrations.Migration):
    dependencies = [("assessments", "0012_size_triage")]

    operations = [
        migrations.RunPython(split_by_size, merge_sizes),
        migrations.RunPython(first_thresholds, migrations.RunPython.noop),
    ]
