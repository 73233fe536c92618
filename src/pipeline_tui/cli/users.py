"""`pipeline-tui users list|add|set-role|set-manager|deactivate|activate`.

Everyone may list; changes are an admin's (the session's policy decides, not this
module). On a database with no people yet, `users add` adds the first person, who
becomes its admin.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from ..display import display_text
from . import CliConsole

out = CliConsole(highlight=False, soft_wrap=True)
ROLES = ("rep", "manager", "admin", "viewer")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    users = sub.add_parser("users", parents=[common], help="people, their roles and managers")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, parents=[common], help=help_text)
        parser.add_argument(
            "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="who you are"
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")
        return parser

    action("list", "everyone, with role, manager, team and whether active")
    add = action("add", "add a person (admin; the first person of a database is its admin)")
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--name", required=True, metavar="NAME")
    add.add_argument("--role", choices=ROLES, default="rep")
    add.add_argument("--manager", metavar="LOGIN")
    add.add_argument("--team", metavar="TEAM")
    add.add_argument("--email", metavar="EMAIL")
    role = action("set-role", "change a person's role (admin)")
    role.add_argument("login", metavar="LOGIN")
    role.add_argument("role", choices=ROLES)
    manager = action("set-manager", "change whom a person reports to (admin)")
    manager.add_argument("login", metavar="LOGIN")
    manager.add_argument("manager", metavar="MANAGER", help="a login, or none")
    for name, text in (
        ("deactivate", "a person who left: their deals stay, their login stops (admin)"),
        ("activate", "bring a deactivated person back (admin)"),
    ):
        action(name, text).add_argument("login", metavar="LOGIN")


def run_users(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    from .commands import session

    command = args.users_command
    with session(url, user, create=command == "add") as ws:
        if command == "list":
            rows = ws.people()
            if args.format == "json":
                print(json.dumps([asdict(r) for r in rows], indent=2))
            else:
                _table(rows, out)
            return 0
        if command == "add":
            row = ws.add_person(
                args.login,
                args.name,
                role=args.role,
                manager=args.manager,
                team=args.team,
                email=args.email,
            )
        elif command == "set-role":
            row = ws.set_role(args.login, args.role)
        elif command == "set-manager":
            row = ws.set_manager(args.login, args.manager)
        else:
            row = ws.set_active(args.login, command == "activate")
    if args.format == "json":
        print(json.dumps(asdict(row), indent=2))
    else:
        _table([row], out)
    return 0


def _table(rows: list[Any], console: Console) -> None:
    table = Table(show_edge=False, pad_edge=False)
    for column in ("Login", "Name", "Role", "Manager", "Team", "Active"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            display_text(r.login),
            display_text(r.name),
            display_text(r.role),
            display_text(r.manager or ""),
            display_text(r.team or ""),
            "yes" if r.active else "no",
        )
    console.print(table)
