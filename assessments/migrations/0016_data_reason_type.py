"""Each assessment and assurance record gets its reason and its "counts as the annual review"
flag, keeping what the old rows meant:

- an assessment opened by a G8.13 decision (it has a notification) has the reason G8.13;
  the others are annual reviews;
- the old type "Targeted assessment under G8.13" was a reason, not a type: those rows keep no
  type (shown as "type not recorded"), rather than one invented here;
- a row counts as the annual review exactly when it moved the clock before: every kind but
  the old G8.13 one did (including a G8.13 case for which the SSC chose FUSA, VUSA or USSA;
  SECAS can now change that flag, with a reason, on the assessment's page).
"""

from django.db import migrations

OLD_G8_13 = "g8_13"


def forwards(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    AssuranceRecord = apps.get_model("assessments", "AssuranceRecord")
    Assessment.objects.filter(notification__isnull=False).update(reason="g8_13")
    Assessment.objects.filter(kind=OLD_G8_13).update(
        reason="g8_13", counts_as_annual_review=False, kind=""
    )
    AssuranceRecord.objects.filter(assessment__notification__isnull=False).update(reason="g8_13")
    AssuranceRecord.objects.filter(kind=OLD_G8_13).update(
        reason="g8_13", counts_as_annual_review=False, kind=""
    )


# The self-assessment states the old lifecycle does not know, mapped to the nearest it does
# (a reviewed self-assessment has its report and response dates, as a received report has).
OLD_STATE_OF = {"self_assessment_submitted": "required", "cio_review_recorded": "report_received"}


def backwards(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    AssuranceRecord = apps.get_model("assessments", "AssuranceRecord")
    for new_state, old_state in OLD_STATE_OF.items():
        Assessment.objects.filter(state=new_state).update(state=old_state)
    # An ad-hoc row that does not count was the old G8.13 type: it must not move the clock.
    for model in (Assessment, AssuranceRecord):
        model.objects.filter(kind="").update(kind=OLD_G8_13)
        model.objects.filter(reason="g8_13", counts_as_annual_review=False).update(kind=OLD_G8_13)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0015_reason_type")]

    operations = [migrations.RunPython(forwards, backwards)]
