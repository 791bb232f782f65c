"""The outbox model moves here from notifications, its table and rows untouched: this only
tells Django's state about it (notifications 0013 forgets its own copy)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("notifications", "0011_register_history")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=60)),
                        ("to", models.JSONField(default=list)),
                        ("subject", models.CharField(max_length=255)),
                        ("body_text", models.TextField(blank=True)),
                        ("body_html", models.TextField(blank=True)),
                        (
                            "template",
                            models.CharField(
                                blank=True,
                                help_text="The email trio (emails/<template>…) the row is "
                                "rendered from when delivered.",
                                max_length=100,
                            ),
                        ),
                        (
                            "context",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="What the template needs, as plain values.",
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                help_text="When the sweeper may try again if still unsent.",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "email",
                        "db_table": "notifications_outboundemail",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("sent_at__isnull", True)),
                                fields=["next_attempt_at"],
                                name="outbox_unsent_due",
                            )
                        ],
                    },
                )
            ],
            database_operations=[],
        )
    ]
