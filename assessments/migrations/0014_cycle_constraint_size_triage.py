"""Every cycle row has a size now (0013): size becomes required, one row per category, size
and year. A separate migration, as PostgreSQL cannot alter a table with rows written earlier in
the same transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assessments", "0013_cycle_data_size_triage")]

    operations = [
        migrations.AlterField(
            model_name="assessmentcyclerule",
            name="size",
            field=models.CharField(
                choices=[("small", "Small"), ("large", "Large")],
                help_text="Small: at most SMALL_PARTY_MAX_SMART_METERING_SYSTEMS Smart Metering Systems.",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalassessmentcyclerule",
            name="size",
            field=models.CharField(
                choices=[("small", "Small"), ("large", "Large")],
                help_text="Small: at most SMALL_PARTY_MAX_SMART_METERING_SYSTEMS Smart Metering Systems.",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="assessmentcyclerule",
            constraint=models.UniqueConstraint(
                fields=("party_category", "size", "cycle_year"),
                name="cycle_rule_one_per_category_size_and_year",
            ),
        ),
    ]
