"""The outbox's old columns go, and notifications forgets the model: sscportal.mail owns it
now, on the same table. Its content type (and so SECAS's view permission) moves with it."""

from django.db import migrations


def move_content_type(apps, schema_editor, source="notifications", target="mail"):
    content_type = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    old = content_type.objects.filter(app_label=source, model="outboundemail").first()
    if old is None:
        return
    new = content_type.objects.filter(app_label=target, model="outboundemail").first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    # The target type exists already (a partial migrate created it): its permissions take over
    # the grants, so SECAS keeps reading the outbox, and the old type goes.
    for permission in permission_model.objects.filter(content_type=old):
        replacement, _ = permission_model.objects.get_or_create(
            content_type=new, codename=permission.codename, defaults={"name": permission.name}
        )
        for group in permission.group_set.all():
            group.permissions.add(replacement)
        for user in permission.user_set.all():
            user.user_permissions.add(replacement)
    old.delete()


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="mail", target="notifications")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
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
