"""`pipeline-tui process [show|propose|accept|stage|target|history]`: the sales process
held against what happened, and the changes made to it.

Everyone may look; managers and admins propose a stage's default probability (`observed`
proposes what the last 12 months say); an admin accepts it, changes the stages and the
targets. The session decides who may (`services/permissions.py`), not this module.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table
from rich.text import Text

from ..display import display_text
from ..errors import InputError, NotFoundError
from ..forecast.process import ProcessStage, ProcessView
from ..forecast.process_text import (
    as_csv,
    as_markdown,
    change_text,
    days_text,
    history_dict,
    observed_text,
    proposal_text,
    targets_lines,
    targets_note,
    view_dict,
)
from ..services.workspace import Workspace
from . import CliConsole, iso_date

out = CliConsole(highlight=False, soft_wrap=True)


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    process = sub.add_parser(
        "process",
        parents=[common],
        help="the sales process against what happened: stages, defaults, targets",
    )
    _shared(process, formats=True)
    actions = process.add_subparsers(dest="process_command", metavar="ACTION")

    def action(name: str, help_text: str, *, formats: bool = False) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, parents=[common], help=help_text)
        _shared(parser, formats=formats)
        return parser

    action(
        "show", "per stage: default vs observed win share, days in stage (default)", formats=True
    )
    history = action("history", "every change to the process, newest first, with who and why")
    history.add_argument("--format", choices=["table", "json"], default=argparse.SUPPRESS)
    propose = action("propose", "propose a stage's default probability (manager, admin)")
    propose.add_argument("stage", metavar="STAGE")
    propose.add_argument("probability", metavar="PERCENT", help="0-100, or 'observed'")
    propose.add_argument("--why", metavar="TEXT")
    accept = action("accept", "accept a proposal: new deals take its default (admin)")
    accept.add_argument("proposal", type=int, metavar="ID")
    accept.add_argument("--why", metavar="TEXT", required=True)
    target = action("target", "change the coverage or win-rate target (admin)")
    target.add_argument("which", choices=["coverage", "win-rate"])
    target.add_argument("value", metavar="VALUE", help="3.5 (coverage), 55%% (win rate)")
    target.add_argument("--why", metavar="TEXT")

    stage = action("stage", "add, rename, move or retire a stage (admin)")
    stage_actions = stage.add_subparsers(dest="stage_command", metavar="ACTION", required=True)

    def stage_action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = stage_actions.add_parser(
            name, parents=[common], help=help_text
        )
        _shared(parser, formats=False)
        parser.add_argument("--why", metavar="TEXT")
        return parser

    add = stage_action("add", "a new open stage, last unless --position says")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--probability", required=True, metavar="PERCENT")
    add.add_argument("--position", type=int, metavar="N", help="1 is the first open stage")
    rename = stage_action("rename", "the same stage under a new name (its history follows)")
    rename.add_argument("stage", metavar="STAGE")
    rename.add_argument("name", metavar="NEW_NAME")
    move = stage_action("move", "one place earlier or later among the open stages")
    move.add_argument("stage", metavar="STAGE")
    move.add_argument("direction", choices=["up", "down"])
    retire = stage_action("retire", "offer it to no deal any more; its history stays")
    retire.add_argument("stage", metavar="STAGE")


def _shared(parser: argparse.ArgumentParser, *, formats: bool) -> None:
    parser.add_argument("--user", metavar="LOGIN", default=argparse.SUPPRESS, help="who you are")
    parser.add_argument(
        "--pipeline", default=argparse.SUPPRESS, metavar="NAME", help="default: the first"
    )
    parser.add_argument("--today", type=iso_date, default=argparse.SUPPRESS, metavar="YYYY-MM-DD")
    if formats:
        parser.add_argument(
            "--format",
            choices=["table", "json", "csv", "markdown"],
            default=argparse.SUPPRESS,
        )


def run_process(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    from .commands import session

    command = args.process_command or "show"
    fmt = getattr(args, "format", "table")
    with session(url, user, check_user=bool(user), today=getattr(args, "today", None)) as ws:
        pipeline_id = ws.pipeline_named(getattr(args, "pipeline", None))
        if command == "show":
            _show(ws.process(pipeline_id), fmt)
            return 0
        if command == "history":
            _history(ws, pipeline_id, fmt)
            return 0
        why = getattr(args, "why", None)
        if command == "propose":
            stage = _stage(ws.process(pipeline_id), args.stage)
            probability: object = args.probability
            if args.probability.strip().casefold() == "observed":
                if stage.observed_percent is None:
                    raise InputError(
                        f"No deal from {stage.name} closed in the window: nothing observed"
                    )
                probability = stage.observed_percent
                why = why or f"observed {observed_text(stage)}"
            result = ws.propose_default(stage.id, probability, why, seen=stage.default_probability)
        elif command == "accept":
            result = ws.accept_proposal(args.proposal, why)
        elif command == "target":
            result = ws.set_target(args.which, args.value, why)
        else:
            result = _stage_change(ws, pipeline_id, args, why)
    out.print(display_text(result.text))
    return 0


def _stage_change(
    ws: Workspace, pipeline_id: int, args: argparse.Namespace, why: str | None
) -> Any:
    if args.stage_command == "add":
        return ws.add_stage(pipeline_id, args.name, args.probability, why, position=args.position)
    stage = _stage(ws.process(pipeline_id), args.stage)
    if args.stage_command == "rename":
        return ws.rename_stage(stage.id, args.name, why, seen_name=stage.name)
    if args.stage_command == "move":
        return ws.move_process_stage(stage.id, -1 if args.direction == "up" else 1, why)
    return ws.retire_stage(stage.id, why)


def _stage(view: ProcessView, name: str) -> ProcessStage:
    wanted = name.strip().casefold()
    for stage in view.stages:
        if stage.name.casefold() == wanted:
            return stage
    known = ", ".join(s.name for s in view.stages if s.is_open and not s.retired)
    raise NotFoundError(f"{view.pipeline_name} has no stage called '{name}': it has {known}")


def _show(view: ProcessView, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(view_dict(view), indent=2))
        return
    if fmt == "csv":
        print(as_csv(view), end="")
        return
    if fmt == "markdown":
        print(as_markdown(view), end="")
        return
    table = Table(
        title=display_text(f"The process under review: {view.pipeline_name}"),
        caption=f"Observed: deals {view.window.text}",
        show_edge=False,
        pad_edge=False,
    )
    for column, justify in (
        ("Stage", "left"),
        ("Default", "right"),
        ("Observed win share", "right"),
        ("Median days", "right"),
        ("Open deals", "right"),
        ("Proposal", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for s in view.stages:
        if not s.is_open:
            continue
        name = display_text(s.name + (" (retired)" if s.retired else ""))
        table.add_row(
            name,
            Text(f"{s.default_probability}%"),
            Text(observed_text(s)),
            Text(days_text(s)),
            Text(str(s.open_deals)),
            display_text(proposal_text(s)),
            style="dim" if s.retired else "",
        )
    out.print(table)
    targets = Table(title=Text(f"Targets and this quarter ({view.period_key})"), show_edge=False)
    for column in ("", "Target", "Actual"):
        targets.add_column(column, justify="left" if not column else "right")
    for what, target, actual in targets_lines(view.targets):
        targets.add_row(Text(what), Text(target), Text(actual))
    out.print(targets)
    note = targets_note(view.targets)
    if note:
        out.print(Text(note, style="bold red"))


def _history(ws: Workspace, pipeline_id: int, fmt: str) -> None:
    entries = ws.process_history(pipeline_id)
    if fmt == "json":
        print(json.dumps([history_dict(e) for e in entries], indent=2))
        return
    table = Table(show_edge=False, pad_edge=False)
    for column in ("When", "Who", "What", "Change", "Why"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M"),
            display_text(e.who or "—"),
            e.kind.replace("_", " "),
            display_text(change_text(e)),
            display_text(e.reason or ""),
        )
    if not entries:
        out.print("No change to the process yet.")
        return
    out.print(table)
