"""A notification names at least one User Role, and only roles its organisation holds."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import NotificationState
from notifications.services import TransitionRefused
from tests import factories
from users.models import UserRole

GAS_TRANSPORTER_REFUSAL = (
    "Northwind Energy Ltd does not hold the Gas Transporter User Role. To add a User Role, "
    "complete the User Entry Process for it with SECAS first."
)


def role(code: str) -> UserRole:
    return UserRole.objects.get(code=code)


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def form_data(**overrides):
    go_live = timezone.localdate() + datetime.timedelta(days=120)
    return {
        "contact_name": "Alex Jones",
        "contact_email": "alex.jones@example.org",
        "system_name": "Customer app platform",
        "purpose": "Self-service for prepayment customers.",
        "planned_go_live_date": go_live.isoformat(),
        "delivery_model": "in_house",
        "action": "Save draft",
        **overrides,
    }


# --- Services ------------------------------------------------------------------------------------


def test_a_draft_naming_a_role_the_organisation_does_not_hold_is_refused(organisation, preparer):
    with pytest.raises(TransitionRefused) as refusal:
        services.create_draft(
            organisation=organisation, by=preparer, user_roles=[role("gas-transporter")]
        )
    assert str(refusal.value) == GAS_TRANSPORTER_REFUSAL


def test_saving_a_draft_with_a_role_not_held_is_refused_and_keeps_the_roles(draft, preparer):
    before = set(draft.user_roles.values_list("code", flat=True))
    with pytest.raises(TransitionRefused, match="does not hold the Gas Transporter User Role"):
        services.update_draft(
            notification=draft, by=preparer, content={"user_roles": [role("gas-transporter")]}
        )
    assert set(draft.user_roles.values_list("code", flat=True)) == before


def test_submission_needs_at_least_one_user_role(draft, submitter):
    draft.user_roles.clear()
    with pytest.raises(TransitionRefused) as refusal:
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    assert "User Roles" in str(refusal.value)
    draft.refresh_from_db()
    assert draft.state == NotificationState.DRAFT


def test_submission_is_refused_when_the_organisation_no_longer_holds_a_named_role(
    draft, submitter, organisation
):
    draft.user_roles.set([role("gas-supplier")])
    organisation.user_roles.remove(role("gas-supplier"))
    with pytest.raises(TransitionRefused) as refusal:
        services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    assert str(refusal.value) == (
        "Northwind Energy Ltd does not hold the Gas Supplier User Role. To add a User Role, "
        "complete the User Entry Process for it with SECAS first."
    )
    draft.refresh_from_db()
    assert draft.state == NotificationState.DRAFT


def test_a_notification_naming_held_roles_is_submitted(draft, submitter):
    draft.user_roles.set([role("import-supplier"), role("export-supplier")])
    submitted = services.submit_notification(
        notification=draft, by=submitter, declaration_accepted=True
    )
    assert submitted.state == NotificationState.SUBMITTED


# --- Pages ---------------------------------------------------------------------------------------


def test_the_notify_form_offers_only_the_roles_the_organisation_holds(
    client, organisation, preparer
):
    client.force_login(preparer)
    page = text(client.get(reverse("notifications:create", args=[organisation.pk])))
    for held in ("Import Supplier", "Export Supplier", "Gas Supplier"):
        assert f"> {held} </label>" in page
    assert "Gas Transporter" not in page
    assert "For a role not listed, complete the User Entry Process with SECAS first." in page


def test_a_forged_role_is_refused_on_the_form_with_what_to_do(client, organisation, preparer):
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:create", args=[organisation.pk]),
        form_data(user_roles=[role("gas-transporter").pk]),
    )
    assert GAS_TRANSPORTER_REFUSAL in text(response)
    assert not organisation.notifications.exists()


def test_a_held_role_posted_from_the_form_is_saved(client, organisation, preparer):
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:create", args=[organisation.pk]),
        form_data(user_roles=[role("gas-supplier").pk]),
    )
    assert response.status_code == 302
    notification = organisation.notifications.get()
    assert list(notification.user_roles.values_list("code", flat=True)) == ["gas-supplier"]


def test_an_organisation_with_no_roles_recorded_is_told_to_contact_secas(
    client, settings, preparer, organisation
):
    organisation.user_roles.clear()
    client.force_login(preparer)
    page = text(client.get(reverse("notifications:create", args=[organisation.pk])))
    assert (
        "No User Roles are recorded for Northwind Energy Ltd, and a notification must name at "
        f"least one. Contact SECAS at {settings.SECAS_MAILBOX}" in page
    )


def test_the_check_page_lists_user_roles_as_missing_when_none_is_named(client, draft, submitter):
    draft.user_roles.clear()
    client.force_login(submitter)
    page = text(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "<li>User Roles</li>" in page
    assert "Submit to the SSC" not in page


def test_the_check_page_refuses_a_role_no_longer_held_before_submitting(
    client, draft, submitter, organisation
):
    draft.user_roles.set([role("gas-supplier")])
    organisation.user_roles.remove(role("gas-supplier"))
    client.force_login(submitter)
    page = text(client.get(reverse("notifications:check", args=[draft.pk])))
    assert "does not hold the Gas Supplier User Role" in page
    assert "Submit to the SSC</button>" not in page


def test_the_organisation_page_shows_the_roles_it_holds(client, organisation, preparer):
    client.force_login(preparer)
    page = text(client.get(reverse("organisation_home", args=[organisation.pk])))
    assert "Your User Roles" in page
    assert "<li>Import Supplier</li>" in page
    assert "<li>Gas Transporter</li>" not in page


def test_the_organisation_page_says_when_no_roles_are_recorded(
    client, settings, organisation, preparer
):
    organisation.user_roles.clear()
    client.force_login(preparer)
    page = text(client.get(reverse("organisation_home", args=[organisation.pk])))
    assert "No User Roles are recorded for Northwind Energy Ltd." in page
    assert settings.SECAS_MAILBOX in page


def test_the_factories_name_roles_the_organisation_holds(db):
    notification = factories.NotificationFactory()
    named = set(notification.user_roles.all())
    assert named
    assert named <= set(notification.organisation.user_roles.all())


def test_a_forged_role_on_the_edit_page_is_refused_and_the_draft_keeps_its_roles(
    client, draft, preparer
):
    before = set(draft.user_roles.values_list("code", flat=True))
    client.force_login(preparer)
    response = client.post(
        reverse("notifications:edit", args=[draft.pk]),
        form_data(user_roles=[role("gas-transporter").pk]),
    )
    assert GAS_TRANSPORTER_REFUSAL in text(response)
    assert set(draft.user_roles.values_list("code", flat=True)) == before


def test_several_roles_not_held_are_named_together(organisation, preparer):
    with pytest.raises(TransitionRefused) as refusal:
        services.create_draft(
            organisation=organisation,
            by=preparer,
            user_roles=[role("gas-transporter"), role("electricity-distributor")],
        )
    assert str(refusal.value).startswith(
        "Northwind Energy Ltd does not hold the Electricity Distributor or Gas Transporter "
        "User Roles."
    )
