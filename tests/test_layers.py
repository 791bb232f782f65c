"""The layers depend one way: sscportal's library ← users ← notifications ← assessments.

Every import is read from the source (lazy ones inside functions too), so a shortcut upwards
fails here rather than in a review. sscportal's wiring (URLs, settings, the Celery app) is the
one place that names the apps; everything else in sscportal is the library below them, and no
management command there needs an app.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["sscportal", "users", "notifications", "assessments"]
WIRING = {
    "sscportal/urls.py",
    "sscportal/settings.py",
    "sscportal/test_settings.py",
    "sscportal/celery.py",
}


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(root).parent.parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])
            elif node.module:
                yield node.lineno, node.module


def upward_imports(root: Path = ROOT) -> list[str]:
    found = []
    for own in LAYERS:
        for path in sorted((root / own).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name in WIRING:
                continue
            for line, module in imported_modules(path, root):
                target = module.split(".")[0]
                if target in LAYERS and LAYERS.index(target) > LAYERS.index(own):
                    found.append(f"{name}:{line} imports {module}")
    return found


def test_nothing_imports_a_layer_above_it():
    assert upward_imports() == []


def test_the_guard_finds_imports_upwards_and_lets_the_wiring_name_the_apps(tmp_path):
    sources = {
        "sscportal/urls.py": "from assessments.views import HomeView\n",
        "sscportal/mail/tasks.py": "from . import models\n\ndef f():\n    import users.models\n",
        "sscportal/mail/models.py": "from sscportal.fields import PlainCharField\n",
        "users/services.py": "from sscportal.mail import services\nfrom ..notifications import x\n",
        "notifications/admin.py": "from users.models import User\n",
        "assessments/views.py": "from notifications import models, selectors\n",
        "notifications/views.py": "from assessments.selectors import communications\n",
    }
    for name, text in sources.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert upward_imports(tmp_path) == [
        "sscportal/mail/tasks.py:4 imports users.models",
        "users/services.py:2 imports notifications",
        "notifications/views.py:1 imports assessments.selectors",
    ]
