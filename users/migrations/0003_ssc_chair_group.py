from django.db import migrations


def create(apps, schema_editor):
    # The chair receives go-live reminders (DOMAIN.md); SECAS puts the chair in this group.
    apps.get_model("auth", "Group").objects.get_or_create(name="SSC chair")


class Migration(migrations.Migration):
    dependencies = [("users", "0002_user_roles_and_staff_groups")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
