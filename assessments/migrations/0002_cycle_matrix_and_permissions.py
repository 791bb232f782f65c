from django.db import migrations

from users.roles import crud, grant_permissions

# DOMAIN.md (assumed): large suppliers have a FUSA every year; everyone else FUSA, VUSA, USSA.
CYCLE = {
    "large_supplier": ["fusa", "fusa", "fusa"],
    "small_supplier": ["fusa", "vusa", "ussa"],
    "electricity_network": ["fusa", "vusa", "ussa"],
    "gas_network": ["fusa", "vusa", "ussa"],
    "other": ["fusa", "vusa", "ussa"],
}


NOTES = "Assumed matrix; confirm with SECAS."


def seed(apps, schema_editor):
    rule = apps.get_model("assessments", "AssessmentCycleRule")
    for category, kinds in CYCLE.items():
        for year, kind in enumerate(kinds, start=1):
            # Rows already there (by category and year) are left alone, whatever their size.
            if not rule.objects.filter(party_category=category, cycle_year=year).exists():
                rule.objects.create(
                    party_category=category, cycle_year=year, kind=kind, notes=NOTES
                )
    grant_permissions(
        apps,
        "SECAS staff",
        [
            "assessments.manage_assessment",
            *crud("assessments", "assessment"),
            *crud("assessments", "sscmeeting"),
            *crud("assessments", "agendaitem"),
            *crud("assessments", "assurancerecord", "view add"),
            *crud("assessments", "assessmentcyclerule", "view change"),
            "assessments.view_decision",
        ],
    )
    grant_permissions(
        apps,
        "SSC members",
        [
            "assessments.view_assessment",
            "assessments.view_sscmeeting",
            "assessments.view_agendaitem",
            "assessments.view_decision",
            "assessments.view_assurancerecord",
            "assessments.view_assessmentcyclerule",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("notifications", "0002_staff_group_permissions"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
