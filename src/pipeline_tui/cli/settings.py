"""`pipeline-tui settings [list|set|set-stage]`: the team's settings, listed with their
defaults and meaning, and changed by an admin without touching the database.

Each change is checked against the value this command read (someone else's change since
is refused), validated with a one-line reason when it is refused, and recorded in the
process log (`pipeline-tui process history`). The session decides who may.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from ..display import csv_of, display_text, markdown_row
from ..errors import NotFoundError
from . import CliConsole

if TYPE_CHECKING:
    from ..services.workspace import SettingRow, Workspace

out = CliConsole(highlight=False, soft_wrap=True)
DAYS_LIMIT = "days_limit"  # a stage's setting, as the list names it
FIELDS = ("name", "pipeline", "stage", "value", "default", "meaning")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    settings = sub.add_parser(
        "settings",
        parents=[common],
        help="the team's settings: list them, or change one (admin)",
    )
    _shared(settings, formats=True)
    actions = settings.add_subparsers(dest="settings_command", metavar="ACTION")
    listing = actions.add_parser(
        "list", parents=[common], help="every setting: value, default, meaning (the default)"
    )
    _shared(listing, formats=True)
    change = actions.add_parser("set", parents=[common], help="change a setting (admin)")
    _shared(change, formats=False)
    change.add_argument("name", metavar="NAME", help="as the list names it: stale_days")
    change.add_argument("value", metavar="VALUE")
    change.add_argument("--why", metavar="TEXT", help="kept in the process history")
    stage = actions.add_parser(
        "set-stage", parents=[common], help="change a stage's days limit (admin)"
    )
    _shared(stage, formats=False)
    stage.add_argument("stage", metavar="STAGE")
    stage.add_argument("name", choices=[DAYS_LIMIT], metavar=DAYS_LIMIT)
    stage.add_argument("value", metavar="DAYS")
    stage.add_argument("--why", metavar="TEXT", help="kept in the process history")


def _shared(parser: argparse.ArgumentParser, *, formats: bool) -> None:
    parser.add_argument("--user", metavar="LOGIN", default=argparse.SUPPRESS, help="who you are")
    parser.add_argument(
        "--pipeline",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="the stages of this pipeline only (set-stage: default the first)",
    )
    if formats:
        parser.add_argument(
            "--format", choices=["table", "json", "csv", "markdown"], default=argparse.SUPPRESS
        )


def run_settings(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    from .commands import session

    command = args.settings_command or "list"
    pipeline = getattr(args, "pipeline", None)
    with session(url, user, check_user=bool(user)) as ws:
        if command == "list":
            pipeline_id = ws.pipeline_named(pipeline) if pipeline else None
            _list(ws.settings_list(pipeline_id), getattr(args, "format", "table"))
            return 0
        if command == "set":
            result = ws.change_setting(args.name, args.value, args.why)
        else:
            row = _stage(ws, ws.pipeline_named(pipeline), args.stage)
            assert row.stage_id is not None and isinstance(row.value, int)
            result = ws.change_stage_days(row.stage_id, args.value, args.why, seen=row.value)
    out.print(display_text(result.text))
    return 0


def _stage(ws: Workspace, pipeline_id: int, name: str) -> SettingRow:
    stages = [r for r in ws.settings_list(pipeline_id) if r.stage_id is not None]
    wanted = name.strip().casefold()
    for row in stages:
        if (row.stage or "").casefold() == wanted:
            return row
    pipeline = dict(ws.pipelines).get(pipeline_id, "")
    known = ", ".join(r.stage or "" for r in stages)
    raise NotFoundError(f"{pipeline} has no open stage called '{name}': it has {known}")


def row_dict(row: SettingRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "pipeline": row.pipeline,
        "stage": row.stage,
        "value": row.value,
        "default": row.default,
        "meaning": row.meaning,
    }


def _list(rows: list[SettingRow], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([row_dict(r) for r in rows], indent=2))
        return
    if fmt == "csv":
        # As the table shows them: `60%`, not JSON's 0.6.
        texts = [row_dict(r) | {"value": r.value_text, "default": r.default_text} for r in rows]
        print(csv_of(texts, FIELDS), end="")
        return
    if fmt == "markdown":
        print("| Setting | Value | Default | Meaning |\n|---|---:|---:|---|")
        for r in rows:
            shown = (_label(r), r.value_text, r.default_text, r.meaning)
            print(markdown_row(*shown))
        return
    table = Table(show_edge=False, pad_edge=False)
    for column, justify in (
        ("Setting", "left"),
        ("Value", "right"),
        ("Default", "right"),
        ("Meaning", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=column != "Meaning")  # type: ignore[arg-type]
    for r in rows:
        changed = r.value != r.default
        table.add_row(
            display_text(_label(r)),
            display_text(r.value_text, "bold" if changed else ""),
            Text(r.default_text, style="dim"),
            Text(r.meaning),
        )
    out.print(table)


def _label(row: SettingRow) -> str:
    """`stale_days`; `New Business / Discovery: days_limit` for a stage's."""
    if row.stage is None:
        return row.name
    return f"{row.pipeline} / {row.stage}: {row.name}"
