from axe_playwright_python.sync_playwright import Axe

SERIOUS = {"serious", "critical"}
PASSWORD = "correct-horse-battery"


def assert_accessible(page):
    """axe-core finds no serious or critical accessibility violation on the page."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert not serious, results.generate_report()


def sign_in(page, base_url, person):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
