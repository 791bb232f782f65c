"""A text area says how many characters are left as a person types, and a form with a field
over its limit is not sent, so nothing typed is lost (issue 9, item 3)."""

import re

import pytest

from notifications.models import Notification
from tests import factories
from tests.browser.helpers import PASSWORD
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_purpose_field_counts_down_and_an_overlong_answer_is_kept_on_the_page(
    live_server, page
):
    organisation = factories.OrganisationFactory(name="Northwind Energy Ltd")
    person = factories.MembershipFactory(
        organisation=organisation, role=Membership.Role.PREPARER
    ).user
    draft = factories.NotificationFactory(organisation=organisation, created_by=person)
    limit = Notification._meta.get_field("purpose").max_length

    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/organisations/\d+/$"))
    page.goto(f"{live_server.url}/notifications/{draft.pk}/edit/")

    purpose = page.get_by_label("Purpose and scope")
    purpose.fill("Twelve chars")
    page.get_by_text(f"You have {limit - 12:,} characters remaining").wait_for()

    too_long = "x" * (limit + 3)
    purpose.fill(too_long)
    page.get_by_text("You have 3 characters too many").wait_for()
    page.get_by_role("button", name="Save draft").click()

    # Not sent: still on the form, with everything typed and the field in focus.
    assert purpose.input_value() == too_long
    assert purpose.evaluate("element => element === document.activeElement")
    draft.refresh_from_db()
    assert draft.purpose != too_long
