"""Each system's record in force carries its status, so the at-risk systems come from a partial
index; existing rows take the status of the record they point at."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_status(apps, schema_editor):
    latest = apps.get_model("assessments", "LatestAssurance")
    record = apps.get_model("assessments", "AssuranceRecord")
    latest.objects.update(
        status=Subquery(record.objects.filter(pk=OuterRef("record_id")).values("status")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_register_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="latestassurance",
            name="status",
            field=models.CharField(
                choices=[
                    ("approved", "Approved"),
                    ("approved_subject_to_steps", "Approved subject to steps"),
                    ("deferred", "Deferred"),
                    ("rejected", "Rejected"),
                ],
                default="",
                max_length=40,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_status, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="latestassurance",
            index=models.Index(
                condition=models.Q(("status__in", ["deferred", "rejected"])),
                fields=["user_system"],
                name="latest_assurance_at_risk",
            ),
        ),
    ]
