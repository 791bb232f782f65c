"""No template compares a lifecycle state with a written-out value: it asks the model
(`notification.is_draft`, `assessment.is_open`), so a renamed state cannot silently break a page.
"""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
QUOTED = r"""(?:"[^"]*"|'[^']*')"""
# Lifecycle states and the other coded values a template might branch on.
STATE = r"[\w.]*\b(?:state|status|outcome|kind|stage)\b"
# `x.state == "draft"`, `"draft" != x.state`, `x.state in "draft submitted"`, `state not in …`.
STATE_COMPARISON = re.compile(
    rf"{STATE}\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*{QUOTED}|{QUOTED}\s*(?:==|!=)\s*{STATE}"
)
TAG = re.compile(r"{%.*?%}", re.DOTALL)


def state_comparisons(source: str) -> list[tuple[int, str]]:
    """(line, tag) for each template tag that compares a state with a quoted value."""
    found = []
    for tag in TAG.finditer(source):
        if STATE_COMPARISON.search(tag.group()):
            line = source.count("\n", 0, tag.start()) + 1
            found.append((line, " ".join(tag.group().split())))
    return found


def test_the_scan_finds_each_way_of_writing_a_state_comparison():
    assert state_comparisons('{% if a.state != "completed" %}')
    assert state_comparisons("{% if notification.state == 'draft' %}")
    assert state_comparisons('{% elif "draft" == n.state %}')
    assert state_comparisons('{% if case.state in "submitted under_review" %}')
    assert state_comparisons('x\n{% if state not in "closed" %}')[0][0] == 2
    assert state_comparisons('{% if status == "approved" %}')
    assert state_comparisons('{% elif decision.outcome != "no_assessment" %}')
    assert not state_comparisons("{% if notification.is_draft %}")
    assert not state_comparisons("{% if form.cleaned_data.state == row.value %}")
    assert not state_comparisons('<p>state == "draft" in prose, not a tag</p>')


def test_no_template_compares_a_state_with_a_written_out_value():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{line}: {tag}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file() and path.suffix in {".html", ".txt"}
        for line, tag in state_comparisons(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "Ask the model instead (a property such as is_draft):\n" + "\n".join(
        offenders
    )
