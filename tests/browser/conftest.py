import os
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import page_problems
from tests.reference_data import recreate_reference_data

# live_server runs Django in a thread next to Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Every page's axe check runs before an assertion may look at it; on a busy two-core CI machine
# that took longer than Playwright's 5 s default and failed a correct page.
expect.set_options(timeout=15_000)

CHROMIUM_CANDIDATES = ["/usr/lib/chromium/chromium", shutil.which("chromium") or ""]
CHROMIUM = next((path for path in CHROMIUM_CANDIDATES if path and os.path.exists(path)), None)


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    no_browser = pytest.mark.skip(reason="Chromium not installed: `make test` installs it as root")
    for item in items:
        if "browser" in item.nodeid:
            item.add_marker(no_browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Bootstrap then drops its transitions, so axe never judges a colour halfway through one.
    return {**browser_context_args, "reduced_motion": "reduce"}


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Recreate what the data migrations made (roles, groups, cycle matrix).

    Playwright's event loop hands the test a fresh database connection object, so Django's
    serialized rollback cannot restore those rows after an earlier transactional test; the
    migration functions are idempotent, so running them again is harmless.
    """
    recreate_reference_data()


PAGE_CHECKS = pytest.StashKey["PageChecks"]()
NAVIGATIONS = ["goto", "reload", "go_back", "go_forward"]


class PageChecks:
    """Checks every page a journey visits, with axe and the HTML check, in each state it shows.

    A page is checked before each action the journey takes on it (Playwright's locator
    handler), before and after each goto, and where the journey ends; a state already
    checked is not checked again.
    """

    def __init__(self, page):
        self.page = page
        self.seen: set[tuple[str, int]] = set()
        self.problems: dict[str, list[str]] = {}

    def check(self):
        page = self.page
        if page.is_closed() or not page.url.startswith("http"):
            return
        page.wait_for_load_state()
        content_type, html = page.evaluate(
            "[document.contentType, document.documentElement.outerHTML]"
        )
        key = (page.url, hash(html))
        if content_type != "text/html" or key in self.seen:
            return
        self.seen.add(key)
        listed = self.problems.setdefault(page.url, [])
        listed += [problem for problem in page_problems(page) if problem not in listed]
        if not listed:
            del self.problems[page.url]

    def around(self, navigate):
        def checked_navigation(*args, **kwargs):
            self.check()
            response = navigate(*args, **kwargs)
            self.check()
            return response

        return checked_navigation

    def report(self):
        lines = [f"Problems on {len(self.problems)} page(s) the browser visited:"]
        for url, found in self.problems.items():
            lines += [url, *(f"  {problem}" for problem in found)]
        return "\n".join(lines)


@pytest.fixture
def page(page, request):
    checks = PageChecks(page)
    request.node.stash[PAGE_CHECKS] = checks
    page.add_locator_handler(page.locator("html"), checks.check, no_wait_after=True)
    for name in NAVIGATIONS:
        setattr(page, name, checks.around(getattr(page, name)))
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    # The journey passed: check the page it ended on, then report every page's problems.
    if checks := item.stash.get(PAGE_CHECKS, None):
        checks.check()
        if checks.problems:
            raise AssertionError(checks.report())
    return result
