"""The lifecycle is driven through django-fsm-2's documented API only, in the services and the
admin alike, and every refusal reads in plain English."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from notifications import services
from notifications.models import Notification, NotificationState
from notifications.services import TransitionRefused, lifecycle_step, perform_transition
from tests.html_forms import form_data, postable

S = NotificationState
PRIVATE_FSM = re.compile(r"_django_fsm\b|_apply_fsm_transition|_get_fsm_transition|_execute_fsm")
ROOT = Path(settings.BASE_DIR)


def project_sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or parts[0] in {"node_modules", "tests"}:
            continue
        yield path


def test_no_code_reads_django_fsm_2s_private_attributes():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in project_sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE_FSM.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_a_step_not_possible_from_the_current_state_says_so(submitted, submitter):
    with pytest.raises(
        TransitionRefused, match="“Close \\(assessment complete\\)” is not possible"
    ):
        perform_transition(submitted, "close", by=submitter)
    with pytest.raises(TransitionRefused, match="is submitted"):
        perform_transition(submitted, "close", by=submitter)


def test_permission_is_refused_before_the_conditions_are_explained(draft, preparer):
    draft.purpose = ""
    with pytest.raises(TransitionRefused, match="You do not have permission"):
        perform_transition(draft, "submit", by=preparer)


def test_a_person_allowed_to_act_is_told_which_condition_is_not_met(draft, submitter):
    draft.purpose = ""
    draft.declaration_accepted = True
    with pytest.raises(TransitionRefused, match=r"not complete\. Please fill in: purpose"):
        perform_transition(draft, "submit", by=submitter)
    draft.purpose = "Online services."
    draft.declaration_accepted = False
    with pytest.raises(TransitionRefused, match="confirm the declaration"):
        perform_transition(draft, "submit", by=submitter)


def test_nobody_acts_anonymously(draft):
    draft.declaration_accepted = True
    with pytest.raises(TransitionRefused, match="permission"):
        perform_transition(draft, "submit", by=None)


def test_a_steps_label_comes_from_its_declaration():
    assert lifecycle_step(Notification, "start_review").custom["label"] == "Start the review"
    assert lifecycle_step(Notification, "no_such_step") is None


def test_the_admins_step_button_leads_to_the_steps_form(client, submitted, secas):
    client.force_login(secas)
    change = reverse("admin:notifications_notification_change", args=[submitted.pk])
    data = form_data(client.get(change).content.decode(), form_id="notification_form")
    data["_fsm_transition_to"] = "withdraw"
    response = client.post(change, postable(data))
    assert response.status_code == 302
    assert response.url == reverse(
        "admin:notifications_notification_transition",
        kwargs={"object_id": submitted.pk, "transition_name": "withdraw"},
    )


def test_a_step_in_the_admin_runs_through_the_service(client, submitted, secas):
    client.force_login(secas)
    url = reverse(
        "admin:notifications_notification_transition",
        kwargs={"object_id": submitted.pk, "transition_name": "withdraw"},
    )
    response = client.post(url, {"reason": "The User asked us to."}, follow=True)
    assert "Done: Withdraw." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == S.WITHDRAWN
    # The service's side effects, which calling the transition directly would skip.
    assert submitted.email_links.filter(email__kind="withdrawn").exists()
    submitted.user_system.refresh_from_db()
    assert submitted.user_system.status == "not_proceeding"


def test_a_refusal_by_the_service_is_shown_in_the_admin(client, submitted, secas, submitter):
    client.force_login(secas)
    url = reverse(
        "admin:notifications_notification_transition",
        kwargs={"object_id": submitted.pk, "transition_name": "withdraw"},
    )
    page = client.get(url)
    assert page.status_code == 200
    services.withdraw_notification(notification=submitted, by=submitter, reason="Meanwhile.")
    response = client.post(url, {"reason": "Again."})
    assert response.status_code == 200
    assert "is not possible" in response.content.decode()


def test_a_step_for_a_case_out_of_sight_is_a_missing_page(client, submitted, conflicted_member):
    client.force_login(conflicted_member)
    url = reverse(
        "admin:notifications_notification_transition",
        kwargs={"object_id": submitted.pk, "transition_name": "request_information"},
    )
    assert client.get(url).status_code == 404
