from django.db import migrations

from users.roles import grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "SECAS staff",
        [
            "notifications.view_message",
            "notifications.view_attachmentdownload",
            "notifications.view_outboundemail",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_outbox_next_attempt")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
