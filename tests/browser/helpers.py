from axe_playwright_python.base import AXE_SCRIPT
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.html_check import html_problems

SERIOUS = {"serious", "critical"}
PASSWORD = "correct-horse-battery"
# axe files text in the very colour of its background as "incomplete", not as a violation.
UNREADABLE = {"equalRatio"}
# Decorations drawn as background images (a select's arrow, a ticked box) leave axe unsure.
DECORATED = {"bgImage", "bgGradient"}
RUN_AXE = "([context, options]) => axe.run(context || document, options)"
HIDE_BACKGROUND_IMAGES = """targets => targets.map(selector => {
    const element = document.querySelector(selector);
    const before = element.style.getPropertyValue("background-image");
    element.style.setProperty("background-image", "none", "important");
    return before;
})"""
RESTORE_BACKGROUND_IMAGES = """([targets, before]) => targets.forEach((selector, i) => {
    document.querySelector(selector).style.setProperty("background-image", before[i]);
})"""


def accessibility_problems(page):
    """axe-core's serious and critical findings on the page as it is, colour contrast included.

    Each problem is a readable line: the rule, the element, what is wrong, and where the rule's
    help page is. Text whose contrast axe could not judge because of a background image is
    judged again with the image hidden.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(RUN_AXE, [None, {"resultTypes": ["violations", "incomplete"]}])
    problems = [
        _describe(rule, node)
        for rule in results["violations"]
        if rule["impact"] in SERIOUS
        for node in rule["nodes"]
    ]
    problems += [_describe(rule, node) for rule, node in _unreadable(results)]
    decorated = [node["target"][0] for _, node in _unsure(results, DECORATED)]
    if decorated:
        before = page.evaluate(HIDE_BACKGROUND_IMAGES, decorated)
        context = {"include": [[target] for target in decorated]}
        options = {"runOnly": ["color-contrast"], "resultTypes": ["violations", "incomplete"]}
        again = page.evaluate(RUN_AXE, [context, options])
        page.evaluate(RESTORE_BACKGROUND_IMAGES, [decorated, before])
        failed = [(r, n) for r in again["violations"] for n in r["nodes"]] + _unreadable(again)
        problems += [_describe(rule, node) for rule, node in failed]
    return problems


def _unsure(results, reasons):
    """Nodes whose colour contrast axe left undecided, for one of these reasons."""
    return [
        (rule, node)
        for rule in results["incomplete"]
        if rule["id"] == "color-contrast"
        for node in rule["nodes"]
        if _reason(node) in reasons
    ]


def _unreadable(results):
    return _unsure(results, UNREADABLE)


def _reason(node):
    return next((check.get("data") or {} for check in node["any"]), {}).get("messageKey")


def _describe(rule, node):
    target = " ".join(str(part) for part in node["target"])
    detail = " ".join((node.get("failureSummary") or rule["help"]).split())
    return f"{rule['id']} ({rule['impact']}) at {target}: {detail} [{rule['helpUrl']}]"


def page_problems(page):
    """HTML errors in the page's document, then its serious accessibility violations."""
    found = [f"HTML: {problem}" for problem in html_problems(page.content())]
    return found + accessibility_problems(page)


def sign_in(page, base_url, person):
    """Sign in through the pages, typing the authenticator code when one is asked for."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/verify/" in page.url:
        device = TOTPDevice.objects.get(user=person, confirmed=True)
        # A code is accepted once per 30 s; the journey signs the same person in twice.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        page.get_by_label("Code").fill(f"{TOTP(device.bin_key).token():06d}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


def with_authenticator(person):
    """Give a person a confirmed authenticator, as SSC members and SECAS staff must have."""
    TOTPDevice.objects.create(user=person, name="Phone", confirmed=True)
    return person
