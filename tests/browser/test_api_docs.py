"""The API documentation (django-ninja's Swagger UI) works under the portal's strict CSP."""

import pytest

from tests.browser.helpers import accessibility_problems

DOCS = "/api/v1/docs/"
# Chromium raises this event for anything the CSP blocks; the page keeps a list of them.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
        `(${event.sourceFile}:${event.lineNumber})`
    );
});
"""
# Swagger UI's own markup, which the portal cannot change: links inside its operation buttons,
# and a parameter's list of allowed values without a label.
SWAGGER_UI_MARKUP = ("nested-interactive", "select-name")


@pytest.fixture
def docs_page(context):
    """A page without the every-page HTML check: Swagger UI's markup is not the portal's."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"error: {error}"))
    page.add_init_script(LISTEN)
    return page, console


def violations(page):
    return page.evaluate("window.__cspViolations")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_docs_show_the_operations_without_any_csp_violation(live_server, docs_page):
    page, console = docs_page
    response = page.goto(live_server.url + DOCS)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_text("List notifications", exact=True).wait_for()
    page.get_by_role("heading", name="SSC Portal API").wait_for()
    page.get_by_role("button", name="Authorize").wait_for()
    # Opening an operation renders its parameters and responses too.
    page.get_by_text("List notifications", exact=True).click()
    page.get_by_role("heading", name="Parameters").first.wait_for()
    assert violations(page) == []
    assert [line for line in console if line.startswith(("error", "warning"))] == []
    # The listener itself works: an inline style is refused, and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "style-src" in violations(page)[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_docs_read_clearly(live_server, docs_page):
    page, _ = docs_page
    page.goto(live_server.url + DOCS)
    page.get_by_text("List notifications", exact=True).wait_for()
    closed = accessibility_problems(page)
    page.get_by_text("List notifications", exact=True).click()
    page.get_by_role("heading", name="Parameters").first.wait_for()
    found = closed + accessibility_problems(page)
    assert [p for p in found if not p.startswith(SWAGGER_UI_MARKUP)] == []
    page.get_by_role("link", name="your API tokens page").click()
    page.wait_for_url("**/accounts/login/**")
