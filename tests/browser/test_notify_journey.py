"""A User notifies the SSC in a real browser; every page it shows passes axe and the HTML check
(tests/browser/conftest.py), its validation errors and messages included."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Attachment, Notification, NotificationState
from tests import factories
from tests.browser.helpers import PASSWORD
from tests.uploads import PDF_BYTES
from users.models import Membership


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_user_notifies_a_new_system_from_draft_to_receipt(live_server, page, tmp_path):
    organisation = factories.OrganisationFactory(name="Northwind Energy Ltd")
    person = factories.MembershipFactory(
        organisation=organisation,
        role=Membership.Role.SUBMITTER,
        user__email="lucy@northwind.example.org",
        user__full_name="Lucy Brennan",
    ).user
    go_live = timezone.localdate() + datetime.timedelta(days=90)

    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/organisations/\d+/$"))

    # Start a draft with the first sections, then leave.
    page.get_by_role("link", name="Notify a new User System").click()
    page.get_by_label("User System name").fill("Customer app platform")
    page.get_by_label("Purpose and scope").fill("Self-service app for prepayment customers.")
    page.get_by_label("Import Supplier").check()
    # A mistyped year is refused with the error beside the field and in the summary.
    page.get_by_label("Planned go-live date").fill(go_live.replace(year=2126).isoformat())
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role(
        "link", name=re.compile("Planned go-live date: Enter a go-live date")
    ).wait_for()
    page.get_by_label("Planned go-live date").fill(go_live.isoformat())
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved. Anyone in your organisation can carry on").wait_for()
    page.get_by_role("link", name="Northwind Energy Ltd").first.click()

    # Come back to it from the organisation home and finish it.
    draft = Notification.objects.get()
    page.get_by_role("link", name=draft.reference).click()
    assert page.get_by_label("User System name").input_value() == "Customer app platform"
    page.get_by_label("Approximate SMETS1 meters").fill("0")
    page.get_by_label("Approximate SMETS2 meters").fill("18000")
    page.get_by_label("In-house").check()
    page.get_by_label("Hosting", exact=True).fill("Private cloud in two UK regions.")
    page.get_by_label("Connection to the DCC User Gateway").fill("A second DUGIS connection.")
    page.get_by_label("Separation from the existing User System").fill("Separate VPCs.")
    page.get_by_label("Key management (User Role signing keys)").fill("Dedicated HSM partition.")
    page.get_by_label("Risk assessment (G5.14)").fill("Completed in October; no high risks.")
    page.get_by_label("Do you know of any non-compliance with SEC G3–G6?").select_option("No")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved. Anyone in your organisation can carry on").wait_for()

    # Attach a file with a protective marking.
    diagram = tmp_path / "architecture.pdf"
    diagram.write_bytes(PDF_BYTES)
    page.locator("input[type=file]").set_input_files(str(diagram))
    page.get_by_label("Protective marking").select_option("green")
    page.get_by_role("button", name="Upload file").click()
    page.get_by_text("Added architecture.pdf (TLP:GREEN)").wait_for()
    assert Attachment.objects.get().tlp == "green"

    # Check the answers, declare and submit.
    page.get_by_role("button", name="Save and check your answers").click()
    page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    assert page.get_by_text("Customer app platform").count() >= 1
    page.get_by_label("I declare that the content of this notification is accurate").check()
    page.get_by_role("button", name="Submit to the SSC").click()
    page.get_by_text(f"Notification {draft.reference} submitted to the SSC").wait_for()

    draft.refresh_from_db()
    assert draft.state == NotificationState.SUBMITTED
    assert draft.submitted_by == person

    # The receipt arrived, and its link opens the notification.
    receipt = next(m for m in mail.outbox if person.email in m.to)
    assert draft.reference in receipt.subject
    link = re.search(r"http://\S+/notifications/\d+/", receipt.body).group(0)
    page.goto(live_server.url + "/" + link.split("/", 3)[3])
    page.get_by_role("heading", name="The notification as submitted").wait_for()
    assert page.get_by_text("Submitted to the SSC").count() >= 1
