"""Issue 11, part 1: outside the policy modules, selectors and migrations, no code reads a group
name or a role flag, and none checks is_superuser or is_staff for access. Every question about
who may do what goes to the policy (`allows`, `has_perm`, a template's `policy.<app>.<rule>`,
a users.policy predicate, or `has_transition_perm`).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {
    ".venv",
    ".git",
    "tests",
    "bench",
    # The demo data builders give people their roles (they write groups, never read them).
    "demo",
    "migrations",
    "node_modules",
    "var",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
}
SKIPPED_FILES = {"policy.py", "selectors.py"}

# A role read straight from a person or a membership (a users.policy predicate is fine:
# `policy.is_secas(user)`).
ROLE_CHECKS = [
    (
        re.compile(r"(?<!policy)\.(is_secas|is_ssc_member|is_ssc_chair|is_committee_account)\b"),
        "role flag",
    ),
    (
        re.compile(r"\b(can_prepare_for|can_submit_for|can_administer|has_conflict_with)\b"),
        "role method",
    ),
    (re.compile(r"\.(can_submit|is_org_admin)\b"), "membership role"),
    (re.compile(r"groups__name|groups\.filter\(\s*name"), "group name query"),
    (re.compile(r"(filter|exclude)\([^)]*\b(is_staff|is_superuser)\s*="), "account flag query"),
    (re.compile(r"\b[A-Z][A-Z_]*_GROUP\b"), "group name constant"),
]
# Where a group constant is defined (users/models.py): the name lives there; using it does not.
GROUP_DEFINITION = re.compile(r"^[A-Z][A-Z_]*_GROUP\s*=")
ACCOUNT_FLAG = re.compile(r"\.(is_superuser|is_staff)\b")
# The flag decides something: a condition, a boolean expression, or a template's {% if %}.
CONDITION = re.compile(
    r"(^|\s|\()(if|elif|while|and|or|not|return|assert)\s|\{%\s*(el)?if\b|\bfilter\("
)


def project_files():
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if path.suffix not in {".py", ".html", ".txt"} or not path.is_file():
            continue
        if SKIPPED_DIRS & set(relative.parts) or path.name in SKIPPED_FILES:
            continue
        yield relative


# In a template, `perms` and `{% has_perm %}` answer through user.has_perm, whose superuser
# shortcut the views' `allows` does not take: a link shown would then be refused.
TEMPLATE_PERMISSION = re.compile(r"\bperms\.|\{%\s*has_perm\b")


def role_checks_in(relative: Path, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0] if relative.suffix == ".py" else line
        if GROUP_DEFINITION.match(code):
            continue
        if relative.suffix == ".html" and TEMPLATE_PERMISSION.search(code):
            found.append(f"{relative}:{number}: perms in a template (use policy.): {line.strip()}")
            continue
        for pattern, what in ROLE_CHECKS:
            if pattern.search(code):
                found.append(f"{relative}:{number}: {what}: {line.strip()}")
                break
        else:
            if ACCOUNT_FLAG.search(code) and CONDITION.search(code):
                found.append(f"{relative}:{number}: account flag for access: {line.strip()}")
    return found


def test_no_code_outside_the_policy_checks_a_role():
    found = []
    for relative in project_files():
        found += role_checks_in(relative, (ROOT / relative).read_text(encoding="utf-8"))
    assert found == [], "ask the policy instead:\n" + "\n".join(found)


def test_the_guard_recognises_each_kind_of_role_check():
    # The scan above must be able to fail: each of these is a role check it must report.
    checks = {
        "views.py": [
            "if request.user.is_secas:",
            "    return user.can_administer(organisation)",
            "ok = membership.can_submit",
            'User.objects.filter(groups__name="SSC members")',
            'user.groups.filter(name="SSC members").exists()',
            "User.objects.filter(is_staff=True)",
            "from users.models import SSC_MEMBERS_GROUP",
            "if not request.user.is_superuser:",
            "return user.is_staff and user.is_active",
        ],
        "page.html": [
            "{% if user.is_ssc_chair %}chair{% endif %}",
            "{% if user.is_staff %}<a>Admin</a>{% endif %}",
            "{% if perms.users.use_admin_site %}",
            '{% has_perm "users.view_audit_trail" user as may %}',
        ],
    }
    for name, lines in checks.items():
        for line in lines:
            assert role_checks_in(Path(name), line), line
    allowed = [
        "if policy.is_secas(user):",
        'is_staff = models.BooleanField("may use the admin site", default=False)',
        'extra_fields.setdefault("is_superuser", False)',
        'SSC_MEMBERS_GROUP = "SSC members"',
        'if allows(request.user, "users.view_audit_trail"):',
        "{% if policy.users.use_admin_site %}",
    ]
    for line in allowed:
        assert role_checks_in(Path("views.py"), line) == [], line


def test_a_template_asking_about_a_rule_that_does_not_exist_fails_loudly(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines

    from users.policy import UnknownRule, policy_context

    request = rf.get("/")
    request.user = AnonymousUser()
    template = engines["django"].from_string(
        "{% if policy.users.use_admin_site %}yes{% endif %}"
        "{% if policy.users.use_admin_sit %}typo{% endif %}"
    )
    with pytest.raises(UnknownRule, match=r"users\.use_admin_sit\b"):
        template.render(policy_context(request))
