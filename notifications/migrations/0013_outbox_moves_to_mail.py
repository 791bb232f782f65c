"""The outbox's old columns go, and notifications forgets the model: sscportal.mail owns it
now, on the same table. Its content type (and so SECAS's view permission) moves with it."""

from django.db import migrations


def move_content_type(apps, schema_editor, source="notifications", target="mail"):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=target, model="outboundemail").exists():
        content_type.objects.filter(app_label=source, model="outboundemail").update(
            app_label=target
        )


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="mail", target="notifications")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0012_emails_about_cases"),
    ]

    operations = [
        migrations.RemoveField(model_name="outboundemail", name="notification"),
        migrations.RemoveField(model_name="outboundemail", name="organisation"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboundEmail")],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
