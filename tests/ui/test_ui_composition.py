"""Screens are given what they need: a deal screen edits deals inside any Textual app,
with no `PipelineApp` around it, and the UI package has no import cycle to hide."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from textual.app import App
from textual.screen import Screen

from pipeline_tui.forecast import load_org
from pipeline_tui.services.cards import load_card
from pipeline_tui.services.people import list_pipelines, load_settings
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.ui.screens.deal import DealScreen
from pipeline_tui.ui.screens.editing import DealEditor

from ..factories import Builder
from ..ui_support import settle

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


class BareApp(App[None]):
    """Knows nothing of workspaces: whatever the screen needs, it was given."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


def workspace(engine: Engine, login: str) -> Workspace:
    with engine.connect() as conn:
        org = load_org(conn)
    me = org.by_login(login)
    assert me is not None
    settings, pipelines = load_settings(engine), list_pipelines(engine)
    return Workspace("sqlite://", engine, me, org, settings, pipelines)


def deal_row(engine: Engine, deal_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM deal WHERE id = :id"), {"id": deal_id})
        return dict(found.mappings().one())


async def test_a_deal_screen_edits_in_any_app_given_a_workspace(sqlite_engine: Engine) -> None:
    b = Builder(sqlite_engine)
    rep = b.user("rep")
    made = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    b.commit()
    assert made.id is not None
    ws = workspace(sqlite_engine, "rep")
    with sqlite_engine.connect() as conn:
        seen = load_card(conn, made.id)
    screen = DealScreen(ws, seen)
    async with BareApp(screen).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(screen.query_one(DealEditor), DealEditor)
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("n", *"next: send the deck", "enter")
        await settle(pilot)
        status = str(screen.query_one("#status").render())
        assert "Next step set on" in status
        await pilot.press("u")  # the note is not undone: the probability is
        await settle(pilot)
    row = deal_row(sqlite_engine, made.id)
    assert (row["probability"], row["next_step"]) == (25, "send the deck")
    assert row["version"] == 4  # 70%, the next step, then the undo


def test_an_import_linter_contract_forbids_cycles_inside_the_ui() -> None:
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
    acyclic = [c for c in contracts if c["type"] == "acyclic_siblings"]
    assert any("pipeline_tui.ui" in c["ancestors"] for c in acyclic)


def test_editing_screens_own_their_editor_instead_of_inheriting_it() -> None:
    """The screens' only bases are Textual's: editing and reviews are parts they own."""
    from pipeline_tui.ui.screens.main import MainScreen
    from pipeline_tui.ui.screens.review import ReviewScreen

    for screen in (MainScreen, ReviewScreen, DealScreen):
        foreign = [
            base.__qualname__
            for base in screen.__mro__[1:]
            if not base.__module__.startswith(("textual", "builtins", "typing"))
        ]
        assert foreign == [], f"{screen.__name__} inherits {foreign}"
        assert not any(name.startswith("action_probability") for name in vars(screen))
    assert "action_probability" in vars(DealEditor)
    bound = {binding.id for binding in DealEditor.BINDINGS if hasattr(binding, "id")}
    assert "deal.probability_70" in bound


async def test_the_footer_lists_the_screens_keys_before_the_editors(
    sqlite_engine: Engine,
) -> None:
    b = Builder(sqlite_engine)
    rep = b.user("rep")
    made = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    b.commit()
    assert made.id is not None
    with sqlite_engine.connect() as conn:
        seen = load_card(conn, made.id)
    screen = DealScreen(workspace(sqlite_engine, "rep"), seen)
    async with BareApp(screen).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        ids = [active.binding.id for active in screen.active_bindings.values()]
        assert ids.index("deal.back") < ids.index("deal.category")
