"""Roles in the app: every edit key and every palette edit command, pressed by a rep on
another rep's deal, by a manager of another team and by a viewer, is refused and writes
nothing; the people screen changes people for an admin only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import DataTable, Input

from pipeline_tui.services.edit_types import SetProbability
from pipeline_tui.ui.commands import commands_for
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.people import PeopleScreen

from ..ui_support import copy_db, demo_template, make_app, open_board, settle, sql_engine

SIZE = (120, 36)
# Every key that changes the selected deal (prompts are answered below).
KEYS = ["7", "plus", "minus", "c", "w", "right_square_bracket", "left_square_bracket"]
PROMPTS = ("d", "a", "n", "x")  # close date, amount, note, lost: each would open a prompt
PALETTE_EDITS = (
    "Move to next stage", "Move to previous stage", "Set close date", "Set amount",
    "Cycle forecast category", "Add a note", "Mark won", "Mark lost",
)  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def everything(db: Path) -> dict[str, list[tuple[object, ...]]]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        found = {
            name: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{name}"'))))
            for name in ("user", "deal", "deal_change", "note", "judgment", "review")
        }
    engine.dispose()
    return found  # type: ignore[return-value]


def people(db: Path) -> dict[str, tuple[int, str, int | None]]:
    """login -> (id, role, manager id)."""
    engine = sql_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text('SELECT login, id, role, manager_id FROM "user"')).all()
    engine.dispose()
    return {login: (pid, role, boss) for login, pid, role, boss in rows}


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


def someone_elses(db: Path, owner_id: int, not_for: str) -> str:
    """A login with role `not_for`, neither the owner nor anyone above them."""
    found = people(db)
    owner_chain = {owner_id}
    boss = next(b for _, (pid, _, b) in found.items() if pid == owner_id)
    while boss is not None:
        owner_chain.add(boss)
        boss = next(b for _, (pid, _, b) in found.items() if pid == boss)
    return next(
        login
        for login, (pid, role, _) in sorted(found.items())
        if role == not_for and pid not in owner_chain
    )


async def first_deal_owner(db: Path) -> tuple[int, int]:
    """The deal selected first on everyone's board, and its owner (read as the viewer)."""
    app = make_app(db, user="viewer")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        screen.set_owner("everyone")
        await settle(pilot)
        card = screen.selected_deal()
        assert card is not None
        return card.id, card.owner_id


@pytest.mark.parametrize("role", ["rep", "manager", "viewer"])
async def test_edit_keys_and_palette_on_a_deal_you_may_not_change_write_nothing(
    db: Path, role: str
) -> None:
    deal_id, owner_id = await first_deal_owner(db)
    login = "viewer" if role == "viewer" else someone_elses(db, owner_id, "rep")
    if role == "manager":  # a manager of another team (the demo has one first-line team)
        engine = sql_engine(db)
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE \"user\" SET role = 'manager' WHERE login = :l"), {"l": login}
            )
        engine.dispose()
    before = everything(db)
    app = make_app(db, user=login)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        screen.set_owner("everyone")
        await settle(pilot)
        card = screen.selected_deal()
        assert card is not None and card.id == deal_id
        owner = app.workspace.org.people[owner_id].display_name
        for key in KEYS:
            await pilot.press(key)
            await settle(pilot)
            if role != "viewer":
                assert status(screen) == f"read-only: {owner}'s deal", key
        for key in PROMPTS:
            await pilot.press(key)
            await settle(pilot)
            assert not screen.prompt().is_open, key  # no prompt for a change refused anyway
        for command in commands_for(app, screen):
            if str(command.title) in PALETTE_EDITS:
                command.callback()
                await settle(pilot)
        if role == "viewer":  # a viewer's footer has no edit keys at all
            assert not screen.editor.check_action("probability", (70,))
    assert everything(db) == before


async def test_the_session_refuses_even_when_the_ui_would_let_a_key_through(db: Path) -> None:
    """The UI's hint is only a hint: the session's own check refuses the write."""
    deal_id, owner_id = await first_deal_owner(db)
    login = someone_elses(db, owner_id, "rep")
    before = everything(db)
    app = make_app(db, user=login)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        screen.set_owner("everyone")
        await settle(pilot)
        card = screen.selected_deal()
        assert card is not None and card.id == deal_id
        screen.editor.queue(SetProbability(90))
        await settle(pilot)
        assert status(screen).startswith("Only ")
        assert "or an admin can change" in status(screen)
    assert everything(db) == before


async def test_people_screen_an_admin_changes_a_role_others_only_look(db: Path) -> None:
    found = people(db)
    rep = next(login for login, (_, role, _) in sorted(found.items()) if role == "rep")
    before = everything(db)
    app = make_app(db, user=rep)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("at")
        await settle(pilot)
        assert isinstance(app.screen, PeopleScreen)
        assert "read-only: only an admin can change people" in str(
            app.screen.query_one("#people-title").render()
        )
        for key in ("r", "m", "x"):
            await pilot.press(key)
            await settle(pilot)
        assert not app.screen.check_action("role", ())
    assert everything(db) == before

    app = make_app(db, user="admin")
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("at")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        # The first row is the only admin, who can't step down: the next one.
        await pilot.press("r")
        screen.query_one("#prompt-input", Input).value = "viewer"
        await pilot.press("enter")
        await settle(pilot)
        assert "is the only admin" in str(screen.query_one("#people-title").render())
        await pilot.press("down")
        target = screen.rows[screen.query_one(DataTable).cursor_row]
        assert target.role != "admin"
        await pilot.press("r")
        screen.query_one("#prompt-input", Input).value = "viewer"
        await pilot.press("enter")
        await settle(pilot)
    assert people(db)[target.login][1] == "viewer"
