"""Every page a browser test visits is checked without the test asking: these pages are broken
on purpose (the browser receives altered HTML) and the checks must report them."""

import re

import pytest

from tests import factories
from tests.browser.conftest import PAGE_CHECKS
from tests.browser.helpers import sign_in
from users.models import Membership


def serve_altered(page, url_glob, change):
    """The browser receives the page at url_glob with change applied to its HTML (GET only)."""

    def alter(route):
        if route.request.method != "GET":
            return route.fallback()
        response = route.fetch()
        route.fulfill(response=response, body=change(response.text()))

    page.route(url_glob, alter)


def problems_found(request):
    """The problems found so far, by page path; cleared, so the test's own check passes."""
    checks = request.node.stash[PAGE_CHECKS]
    found = {url.split("/", 3)[3]: problems for url, problems in checks.problems.items()}
    checks.problems.clear()
    return found


@pytest.fixture
def organisation_admin(transactional_db):
    organisation = factories.OrganisationFactory(name="Pennine Power Distribution plc")
    return factories.MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_button_in_its_own_background_colour_is_caught_on_a_page_reached_by_a_click(
    live_server, page, request, organisation_admin
):
    page.set_default_timeout(10_000)
    # The defect the acceptance run found: Submit's btn-primary under btn-outline-primary.
    serve_altered(
        page,
        "**/notifications/new/",
        lambda html: re.sub(
            r'"btn btn-outline-primary"(?=\s+id="save-draft")',
            '"btn btn-primary btn-outline-primary"',
            html,
        ),
    )
    sign_in(page, live_server.url, organisation_admin.user)
    page.get_by_role("link", name="Notify a new User System").click()
    page.get_by_label("User System name").fill("Customer app platform")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved. Anyone in your organisation can carry on").wait_for()

    found = problems_found(request)

    [(path, [problem])] = found.items()
    assert path == f"organisations/{organisation_admin.organisation.pk}/notifications/new/"
    assert problem.startswith("color-contrast (serious) at #save-draft: ")
    assert "1:1 contrast ratio" in problem


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_duplicate_id_is_caught_on_a_page_reached_by_goto(
    live_server, page, request, organisation_admin
):
    page.set_default_timeout(10_000)
    serve_altered(
        page, "**/accounts/login/", lambda html: html.replace("<main", '<p id="main"></p><main')
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/accounts/password_reset/")

    found = problems_found(request)

    [(path, [problem])] = found.items()
    assert path == "accounts/login/"
    used_twice = r'HTML: line \d+: <main id="main".*: id "main" is used twice \(first at line \d+\)'
    assert re.fullmatch(used_twice, problem)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_unreadable_text_over_a_background_image_is_caught(
    live_server, page, request, organisation_admin
):
    page.set_default_timeout(10_000)
    # A select draws its arrow as a background image, which leaves axe undecided on its own.
    serve_altered(
        page,
        "**/notifications/new/",
        lambda html: html.replace(
            'class="select form-select"', 'class="select form-select text-white"', 1
        ),
    )
    sign_in(page, live_server.url, organisation_admin.user)
    page.goto(
        f"{live_server.url}/organisations/{organisation_admin.organisation.pk}/notifications/new/"
    )
    page.goto(f"{live_server.url}/accounts/two-factor/setup/")

    [(path, [problem])] = problems_found(request).items()
    assert path.endswith("/notifications/new/")
    assert problem.startswith("color-contrast (serious) at #id_")
