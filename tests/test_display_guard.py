"""A guard so that data-as-markup can't come back: the code that puts text on a screen or a
terminal hands data to widgets, tables and consoles only through `pipeline_tui.display`.

Textual parses a plain `str` given to `Static.update`, `Label`, `Option`, `notify` or a
DataTable cell as markup, and so does Rich for `Console.print` and table cells. So those
calls never get an f-string, `str(...)` or an attribute of a record straight away: data goes
in through `display_text`/`join` (or `clean` inside a `Text`), and `notify` always says
`markup=False`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "pipeline_tui"
CHECKED = [
    *sorted((SRC / "ui").rglob("*.py")),
    *sorted((SRC / "cli").glob("*.py")),
    SRC / "importing" / "report.py",
]
# Calls whose `str` arguments are parsed as markup.
MARKUP_SINKS = {
    "update", "print", "add_row", "add_column", "notify", "Label", "Static", "Option",
    "Button", "Checkbox", "exit", "Table", "Group",
}  # fmt: skip
MARKUP_PARSERS = {"from_markup", "render_markup"}
# For a call that shares a sink's name but takes no text (a progress bar's update).
PRAGMA = "# display-guard: no text"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _raw_data(arg: ast.expr) -> str | None:
    """Why `arg` would be data going in as markup, or None when it is safe by construction."""
    if isinstance(arg, ast.JoinedStr) and any(
        isinstance(v, ast.FormattedValue) for v in arg.values
    ):
        return "an f-string"
    if isinstance(arg, ast.Call) and _name(arg.func) in {"str", "format", "repr"}:
        return f"{_name(arg.func)}(...)"
    if isinstance(arg, ast.Attribute | ast.Subscript):
        return "a field of a record"
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
        return _raw_data(arg.left) or _raw_data(arg.right)
    if isinstance(arg, ast.IfExp):
        return _raw_data(arg.body) or _raw_data(arg.orelse)
    return None


def violations(source: str, where: str) -> Iterator[str]:
    tree = ast.parse(source, filename=where)
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MARKUP_PARSERS:
            yield f"{where}:{node.lineno}: {node.attr} parses text as markup"
        if isinstance(node, ast.ImportFrom) and node.module in {"rich.markup", "textual.markup"}:
            yield f"{where}:{node.lineno}: escaping markup is not the way; build Text instead"
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name == "notify":
            markup = next((k.value for k in node.keywords if k.arg == "markup"), None)
            if not (isinstance(markup, ast.Constant) and markup.value is False):
                yield f"{where}:{node.lineno}: notify without markup=False"
        if name in MARKUP_SINKS and PRAGMA not in lines[node.lineno - 1]:
            args = [*node.args, *(k.value for k in node.keywords if k.arg == "title")]
            for arg in args:
                why = _raw_data(arg)
                if why:
                    yield f"{where}:{node.lineno}: {why} goes to {name}() as markup"


def test_data_reaches_the_screen_only_through_the_display_helpers() -> None:
    found = [
        v
        for path in CHECKED
        for v in violations(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    ]
    assert not found, "\n".join(found)


def test_the_guard_catches_what_it_is_for() -> None:
    code = (
        "from rich.markup import escape\n"
        "def f(app, deal, err, exc, table, static):\n"
        "    err.print(f'[bold red]error:[/] {exc}')\n"
        "    app.notify(f'saved {deal.name}')\n"
        "    table.add_row(deal.name, str(deal.amount))\n"
        "    static.update(deal.next_step or '')\n"
        "    Text.from_markup(deal.name)\n"
        "    bar.update(tasks[phase], completed=1)  # display-guard: no text\n"
    )
    found = list(violations(code, "sample.py"))
    assert len(found) == 7, found
