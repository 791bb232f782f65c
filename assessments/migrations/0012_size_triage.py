"""The cycle matrix by party category *and* size, and the triage thresholds as data.

Each existing cycle row keeps its kind and takes the size its category implied (a Large Supplier
large, every other category small), so every organisation without a recorded count keeps the
review it had. The other size's rows are new, from DOMAIN.md's assumed matrix (small parties and
Other Users FUSA, VUSA, USSA; large parties FUSA every year), and say so in their notes. The
triage thresholds' one row takes the values the code used (12 months, 90 days).
"""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0011_latest_assurance_status"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.CreateModel(
            name="HistoricalTriageSettings",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "srp_assessment_recent_months",
                    models.PositiveSmallIntegerField(
                        default=12,
                        help_text="An SRP assessed less than this many months ago counts as recent.",
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="SRP assessment counts as recent for (months)",
                    ),
                ),
                (
                    "annual_review_soon_days",
                    models.PositiveSmallIntegerField(
                        default=90,
                        help_text="An annual review due within this many days counts as soon.",
                        verbose_name="annual review counts as soon within (days)",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
            ],
            options={
                "verbose_name": "historical triage settings",
                "verbose_name_plural": "historical triage settings",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="TriageSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "srp_assessment_recent_months",
                    models.PositiveSmallIntegerField(
                        default=12,
                        help_text="An SRP assessed less than this many months ago counts as recent.",
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="SRP assessment counts as recent for (months)",
                    ),
                ),
                (
                    "annual_review_soon_days",
                    models.PositiveSmallIntegerField(
                        default=90,
                        help_text="An annual review due within this many days counts as soon.",
                        verbose_name="annual review counts as soon within (days)",
                    ),
                ),
            ],
            options={
                "verbose_name": "triage settings",
                "verbose_name_plural": "triage settings",
            },
        ),
        migrations.AlterModelOptions(
            name="assessmentcyclerule",
            options={"ordering": ["party_category", "size", "cycle_year"]},
        ),
        migrations.RemoveConstraint(
            model_name="assessmentcyclerule",
            name="cycle_rule_one_per_category_and_year",
        ),
        migrations.AddField(
            model_name="assessmentcyclerule",
            name="size",
            field=models.CharField(
                choices=[("small", "Small"), ("large", "Large")],
                help_text="Small: at most SMALL_PARTY_MAX_SMART_METERING_SYSTEMS Smart Metering Systems.",
                max_length=10,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalassessmentcyclerule",
            name="size",
            field=models.CharField(
                choices=[("small", "Small"), ("large", "Large")],
                help_text="Small: at most SMALL_PARTY_MAX_SMART_METERING_SYSTEMS Smart Metering Systems.",
                max_length=10,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicaltriagesettings",
            name="history_user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
