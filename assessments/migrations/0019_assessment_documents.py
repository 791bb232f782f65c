# Issue 13, part 3: documents, not dates. The self-assessment's files become the assessment's
# documents (renamed, their rows and files kept), each with its kind; existing ones are the
# User's self-assessment.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import sscportal.fields


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0018_remediation_plan"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="SelfAssessmentFile", new_name="AssessmentDocument"),
        migrations.RenameModel(
            old_name="SelfAssessmentFileDownload", new_name="AssessmentDocumentDownload"
        ),
        migrations.RenameField(
            model_name="assessmentdocumentdownload", old_name="file", new_name="document"
        ),
        migrations.AlterField(
            model_name="assessmentdocumentdownload",
            name="document",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="downloads",
                to="assessments.assessmentdocument",
            ),
        ),
        migrations.AlterField(
            model_name="assessmentdocumentdownload",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessment_document_downloads",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="assessmentdocument",
            name="assessment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="documents",
                to="assessments.assessment",
            ),
        ),
        migrations.AlterField(
            model_name="assessmentdocument",
            name="uploaded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessment_documents_uploaded",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # The files recorded so far all came with a self-assessment.
        migrations.AddField(
            model_name="assessmentdocument",
            name="kind",
            field=models.CharField(
                choices=[
                    ("self_assessment", "Self-assessment"),
                    ("report", "Assessment report"),
                    ("response", "User's response"),
                ],
                default="self_assessment",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="assessmentdocument",
            options={"ordering": ["uploaded_at", "pk"]},
        ),
        migrations.AddField(
            model_name="assessment",
            name="response_notes",
            field=sscportal.fields.PlainTextField(
                blank=True,
                help_text="From the User, with its response.",
                max_length=5000,
                verbose_name="notes with the response",
            ),
        ),
    ]
