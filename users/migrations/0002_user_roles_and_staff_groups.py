from django.db import migrations

from users.roles import crud, grant_permissions

USER_ROLES = [
    ("import-supplier", "Import Supplier"),
    ("export-supplier", "Export Supplier"),
    ("gas-supplier", "Gas Supplier"),
    ("electricity-distributor", "Electricity Distributor"),
    ("gas-transporter", "Gas Transporter"),
    ("registered-supplier-agent", "Registered Supplier Agent"),
    ("other-user", "Other User"),
]


def seed(apps, schema_editor):
    user_role = apps.get_model("users", "UserRole")
    for position, (code, name) in enumerate(USER_ROLES, start=1):
        user_role.objects.update_or_create(code=code, defaults={"name": name, "position": position})
    grant_permissions(
        apps,
        "SECAS staff",
        [
            *crud("users", "organisation"),
            *crud("users", "membership"),
            *crud("users", "conflictofinterest"),
            *crud("users", "user"),
            "users.view_userrole",
        ],
    )
    grant_permissions(apps, "SSC members", ["users.view_organisation"])


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
