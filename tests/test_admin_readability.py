"""The admin's lifecycle pages read as plain English: no stray "None", no code names, and the
transition log's times in UK format and local time."""

import datetime
import re
from html import unescape

import pytest
from django.contrib import admin
from django.urls import reverse
from django_fsm.admin import FSMAdminMixin
from django_fsm_log.models import StateLog

from assessments.models import Assessment

# 09:30 UTC on a summer day is 10:30 in London.
LOGGED_AT = datetime.datetime(2026, 7, 1, 9, 30, tzinfo=datetime.UTC)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def assert_no_stray_none(html: str):
    assert not re.search(r"\bNone\b", visible_text(html))
    assert '="None"' not in html


def transition_url(obj, name):
    meta = obj._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_transition",
        kwargs={"object_id": obj.pk, "transition_name": name},
    )


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def fsm_admins():
    return [
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, FSMAdminMixin)
    ]


def test_every_lifecycle_step_in_the_admin_has_a_label_and_help_text():
    assert fsm_admins()
    for model_admin in fsm_admins():
        field = model_admin.model._meta.get_field("state")
        for transition in field.get_all_transitions(model_admin.model):
            label = model_admin.get_fsm_label(transition)
            help_text = model_admin.get_help_text(transition)
            assert label != transition.name, transition.name
            assert isinstance(help_text, str), transition.name
            assert help_text, transition.name


@pytest.mark.parametrize(
    ("fixture", "person", "step"),
    [
        ("submitted", "secas", "start_review"),
        ("under_review", "secas", "request_information"),
        ("under_review", "ssc_member", "decide_no_assessment"),
        ("under_review", "ssc_member", "decide_assessment_required"),
        ("submitted", "secas", "withdraw"),
    ],
)
def test_a_notifications_step_forms_show_no_stray_none(client, request, fixture, person, step):
    notification = request.getfixturevalue(fixture)
    client.force_login(request.getfixturevalue(person))
    change = client.get(change_url(notification))
    assert change.status_code == 200
    assert f'value="{step}"' in change.content.decode()
    assert_no_stray_none(change.content.decode())
    response = client.get(transition_url(notification, step))
    assert response.status_code == 200
    assert_no_stray_none(response.content.decode())


def test_an_assessments_step_form_shows_no_stray_none(client, organisation, secas):
    assessment = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=2, due_date=datetime.date(2027, 3, 1)
    )
    client.force_login(secas)
    assert_no_stray_none(client.get(change_url(assessment)).content.decode())
    response = client.get(transition_url(assessment, "schedule"))
    assert response.status_code == 200
    assert_no_stray_none(response.content.decode())


def log_section(page: str) -> str:
    return page[page.index("Transition log (who, when, why)") :]


def test_the_transition_log_reads_in_uk_local_time_and_plain_labels(client, under_review, secas):
    StateLog.objects.for_(under_review).update(timestamp=LOGGED_AT)
    client.force_login(secas)
    page = client.get(change_url(under_review)).content.decode()
    log = visible_text(log_section(page))
    assert "1 July 2026, 10:30" in log
    assert "Start the review" in log
    assert "Submit to the SSC" in log
    assert "Under review" in log
    for raw in ["start_review", "under_review", "2026-07-01", "+00:00", "09:30"]:
        assert raw not in log, raw


def test_the_transition_log_list_reads_in_uk_local_time_and_plain_labels(
    client, under_review, secas
):
    StateLog.objects.for_(under_review).update(timestamp=LOGGED_AT)
    client.force_login(secas)
    page = client.get(reverse("admin:django_fsm_log_statelog_changelist")).content.decode()
    table = visible_text(page[page.index('id="result_list"') :])
    assert "1 July 2026, 10:30" in table
    assert "Start the review" in table
    assert "Under review" in table
    for raw in ["start_review", "under_review", "+00:00"]:
        assert raw not in table, raw
    entry = StateLog.objects.for_(under_review).get(transition="start_review")
    detail = client.get(change_url(entry)).content.decode()
    assert "1 July 2026, 10:30" in visible_text(detail)
    assert "+00:00" not in detail


def test_yes_no_answers_read_as_words_and_stay_read_only(client, submitted, secas):
    type(submitted).objects.filter(pk=submitted.pk).update(same_isms_scope=None, same_controls=True)
    client.force_login(secas)
    page = client.get(change_url(submitted)).content.decode()
    text = " ".join(visible_text(page).split())
    assert "Inside the same ISMS scope: Not answered" in text
    assert "Runs the same controls and processes: Yes" in text
    assert 'name="same_isms_scope"' not in page
    assert 'name="same_controls"' not in page
