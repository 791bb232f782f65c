"""An assessment's type is put into words by assessments.models.kind_label only: a label taken
from AssessmentKind by hand forgets the old G8.13 assessments that have no type, and a
reminder went out reading "Northwind Energy Ltd – : 1 day overdue" that way."""

import ast
from pathlib import Path

from assessments.models import TYPE_NOT_RECORDED, AssessmentKind, kind_label

ROOT = Path(__file__).resolve().parent.parent
APPS = ["sscportal", "users", "notifications", "assessments", "api"]


def _names_kind_choices(node: ast.AST) -> bool:
    """AssessmentKind(...).label, or AssessmentKind.choices read as a mapping."""
    if isinstance(node, ast.Attribute) and node.attr == "label":
        call = node.value
        return (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "AssessmentKind"
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return any(
            isinstance(arg, ast.Attribute)
            and arg.attr == "choices"
            and isinstance(arg.value, ast.Name)
            and arg.value.id == "AssessmentKind"
            for arg in node.args
        )
    return False


def hand_made_kind_labels(source: str, name: str) -> list[str]:
    tree = ast.parse(source, filename=name)
    allowed = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "kind_label"
        for inner in ast.walk(node)
    }
    return [
        f"{name}:{node.lineno}"
        for node in ast.walk(tree)
        if _names_kind_choices(node) and id(node) not in allowed
    ]


def test_no_module_turns_an_assessment_type_into_words_by_hand():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            found += hand_made_kind_labels(path.read_text(encoding="utf-8"), name)
    assert found == []


def test_the_guard_finds_both_ways_of_doing_it_by_hand():
    source = (
        "labels = dict(AssessmentKind.choices)\n"
        "def f(kind):\n    return AssessmentKind(kind).label\n"
        "def kind_label(kind):\n    return AssessmentKind(kind).label\n"
    )
    assert hand_made_kind_labels(source, "x.py") == ["x.py:1", "x.py:3"]


def test_every_type_and_none_has_words():
    assert kind_label("") == TYPE_NOT_RECORDED
    assert [kind_label(kind) for kind in AssessmentKind.values] == AssessmentKind.labels
