"""The layering rules: the domain has no Textual, the UI has no SQL, and the UI and the
CLI reach the database only through the session (`services.workspace.Workspace`)."""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pipeline_tui"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_ui_package_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1] and "textual" in imported_roots(path)
    ]
    assert offenders == []


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (pip install '.[test]')")
    result = subprocess.run([lint], capture_output=True, text=True, cwd=PACKAGE.parents[1])
    assert result.returncode == 0, result.stdout + result.stderr


FRONT_ENDS = ("ui", "cli")
# The door itself, and the `db` commands' maintenance (which has no person to act as).
DOORS = {"pipeline_tui.services.workspace", "pipeline_tui.services.maintenance"}


def front_end_files() -> list[Path]:
    return [p for part in FRONT_ENDS for p in sorted((PACKAGE / part).rglob("*.py"))]


def absolute_module(path: Path, node: ast.ImportFrom) -> str | None:
    """The module `from X import ...` in `path` names, or None outside pipeline_tui."""
    if node.level == 0:
        return node.module if (node.module or "").startswith("pipeline_tui") else None
    package = ["pipeline_tui", *path.relative_to(PACKAGE).parent.parts]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def takes_a_database(obj: object) -> bool:
    """A domain function whose first argument is an Engine or a Connection."""
    if not inspect.isfunction(obj):
        return False
    params = list(inspect.signature(obj).parameters.values())
    annotation = str(params[0].annotation) if params else ""
    return "Engine" in annotation or "Connection" in annotation


def test_the_one_door_contract_is_declared() -> None:
    config = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    door = [
        c
        for c in contracts
        if c["type"] == "forbidden"
        and {"pipeline_tui.ui", "pipeline_tui.cli"} <= set(c["source_modules"])
    ]
    assert len(door) == 1, "one contract keeps both front ends behind the session"
    forbidden = set(door[0]["forbidden_modules"])
    assert {
        "sqlalchemy",
        "pipeline_tui.storage.engine",
        "pipeline_tui.storage.migrate",
        "pipeline_tui.services.edits",
        "pipeline_tui.services.writes",
        "pipeline_tui.services.outcomes",
        "pipeline_tui.importing.apply",
        "pipeline_tui.reviews.record",
        "pipeline_tui.reviews.start",
        "pipeline_tui.seed",
    } <= forbidden


def test_front_ends_call_no_database_function_but_through_the_session() -> None:
    """The contract sees modules; a package re-exports its functions (`from ..reviews
    import record_judgment`), so every name a front end imports is looked at too."""
    offenders = []
    for path in front_end_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            module = absolute_module(path, node)
            if module is None or module in DOORS:
                continue
            imported = importlib.import_module(module)
            for alias in node.names:
                if takes_a_database(getattr(imported, alias.name, None)):
                    offenders.append(f"{path.relative_to(PACKAGE)}: {module}.{alias.name}")
    assert offenders == []


def test_front_ends_never_touch_the_engine() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in front_end_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in {"engine", "_engine"}
    ]
    assert offenders == []
