from django.db import migrations

from users.roles import grant_permissions


def grant(apps, schema_editor):
    grant_permissions(apps, "SECAS staff", ["users.view_securityevent"])


class Migration(migrations.Migration):
    dependencies = [("users", "0005_security_events")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
