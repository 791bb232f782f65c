"""Each organisation email link keeps its email's created_at, filled in from the outbox for
the links already written, so that the communications log reads its newest page from an index."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_written_at(apps, schema_editor):
    OrganisationEmail = apps.get_model("users", "OrganisationEmail")
    OutboundEmail = apps.get_model("mail", "OutboundEmail")
    OrganisationEmail.objects.update(
        written_at=Subquery(
            OutboundEmail.objects.filter(pk=OuterRef("email_id")).values("created_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0016_api_token_events"),
        ("mail", "0002_outbox_cancelled"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisationemail",
            name="written_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(copy_written_at, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="organisationemail",
            name="written_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="organisationemail",
            index=models.Index(
                fields=["organisation", "-written_at", "-email"], name="organisation_email_newest"
            ),
        ),
    ]
