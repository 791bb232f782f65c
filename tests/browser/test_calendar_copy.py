"""The secret calendar address has a copy button; without a clipboard it selects the address."""

import pytest

from assessments import calendar
from tests import factories
from tests.browser.helpers import sign_in

SELECTION = """() => {
    const field = document.getElementById('feed-url');
    return {
        focused: document.activeElement === field,
        selected: field.value.slice(field.selectionStart, field.selectionEnd),
    };
}"""


@pytest.fixture
def feed_page(live_server, page):
    page.set_default_timeout(10_000)
    person = factories.MembershipFactory().user
    feed, _created = calendar.create_feed(user=person)
    sign_in(page, live_server.url, person)
    return page, calendar.feed_url(feed)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_copy_button_puts_the_address_on_the_clipboard(live_server, feed_page):
    page, address = feed_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/calendar/")
    page.get_by_role("button", name="Copy the secret address").click()
    page.get_by_role("status").get_by_text("Copied.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == address


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_clipboard_the_copy_button_selects_the_address(live_server, feed_page):
    page, address = feed_page
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.goto(f"{live_server.url}/calendar/")
    page.get_by_role("button", name="Copy the secret address").click()
    page.get_by_role("status").get_by_text("press Ctrl+C").wait_for()
    assert page.evaluate(SELECTION) == {"focused": True, "selected": address}
