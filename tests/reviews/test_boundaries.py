"""Reviews names no app, and the apps use reviews only through reviews.registry and
reviews.services (imports for type hints only aside)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("repairs", "dining", "dorms", "lostfound", "parcels")
PUBLIC = ("reviews.registry", "reviews.services")


def _runtime_imports(path: Path) -> list[str]:
    """Modules imported outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for stmt in node.body
        for child in ast.walk(stmt)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def _modules(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def test_it_finds_the_apps_using_reviews_only_through_its_registry_and_services():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for app in APPS
        for path in _modules(app)
        for module in _runtime_imports(path)
        if module.split(".")[0] == "reviews" and not module.startswith(PUBLIC)
    ]
    assert offenders == []


def test_it_finds_reviews_naming_no_app():
    # The demo seeder replays the other apps' history through their own modules.
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in _modules("reviews")
        if path.name != "demo.py"
        for module in _runtime_imports(path)
        if module.split(".")[0] in APPS
    ]
    by_name = [
        str(path.relative_to(ROOT))
        for path in _modules("reviews")
        if any(f'get_model("{app}"' in path.read_text() for app in APPS)
    ]
    assert offenders == []
    assert by_name == []
