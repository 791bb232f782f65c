from django.db import migrations

from users.roles import grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps, "SECAS staff", ["assessments.view_reminder", "assessments.view_meetingconflict"]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_reminders"),
        ("notifications", "0006_secas_reads_the_records"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
