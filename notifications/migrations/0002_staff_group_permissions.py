from django.db import migrations

from users.roles import crud, grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "SECAS staff",
        [
            "notifications.triage_notification",
            "notifications.request_information",
            "notifications.close_notification",
            "notifications.view_all_notifications",
            *crud("notifications", "notification", "view change"),
            *crud("notifications", "sharedresourceprovider"),
            *crud("notifications", "usersystem"),
            "notifications.view_informationrequest",
            "notifications.view_attachment",
            "django_fsm_log.view_statelog",
        ],
    )
    grant_permissions(
        apps,
        "SSC members",
        [
            "notifications.request_information",
            "notifications.decide_notification",
            "notifications.view_all_notifications",
            "notifications.view_notification",
            "notifications.view_sharedresourceprovider",
            "notifications.view_usersystem",
            "notifications.view_informationrequest",
            "notifications.view_attachment",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("users", "0002_user_roles_and_staff_groups"),
        ("django_fsm_log", "0004_auto_20190131_0341"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
