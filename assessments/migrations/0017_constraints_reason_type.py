"""The reason and flag rules, once every row has them (0016). A separate migration, as
PostgreSQL cannot alter a table with rows written earlier in the same transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assessments", "0016_data_reason_type")]

    operations = [
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("reason", "annual_review"), _negated=True),
                    models.Q(("counts_as_annual_review", True), ("notification__isnull", True)),
                    _connector="OR",
                ),
                name="assessment_annual_review_counts",
            ),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", ""), _negated=True), ("reason", "g8_13"), _connector="OR"
                ),
                name="assessment_type_recorded",
            ),
        ),
    ]
