"""What each outbox email is about moves from its own columns into link tables of the apps
that know cases and organisations, so the outbox (sscportal.mail) points at nothing above it."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    outbox = schema_editor.quote_name(
        apps.get_model("notifications", "OutboundEmail")._meta.db_table
    )
    for link, column in (
        (apps.get_model("notifications", "NotificationEmail"), "notification_id"),
        (apps.get_model("users", "OrganisationEmail"), "organisation_id"),
    ):
        # One statement each, however many emails production holds; names are the models' own.
        schema_editor.execute(
            f"INSERT INTO {schema_editor.quote_name(link._meta.db_table)} (email_id, {column}) "  # noqa: S608
            f"SELECT id, {column} FROM {outbox} WHERE {column} IS NOT NULL"
        )


def restore_links(apps, schema_editor):
    outbox = schema_editor.quote_name(
        apps.get_model("notifications", "OutboundEmail")._meta.db_table
    )
    for link, column in (
        (apps.get_model("notifications", "NotificationEmail"), "notification_id"),
        (apps.get_model("users", "OrganisationEmail"), "organisation_id"),
    ):
        table = schema_editor.quote_name(link._meta.db_table)
        schema_editor.execute(
            f"UPDATE {outbox} SET {column} = "  # noqa: S608
            f"(SELECT {column} FROM {table} WHERE {table}.email_id = {outbox}.id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("notifications", "0011_register_history"),
        ("users", "0011_organisation_emails"),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationEmail",
            fields=[
                (
                    "email",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="notification_link",
                        serialize=False,
                        to="mail.outboundemail",
                    ),
                ),
                (
                    "notification",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="email_links",
                        to="notifications.notification",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_links, restore_links),
    ]
