"""Someone else edits the deal while a prompt is open: the app refuses, says so, reloads."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.services import add_note, set_amount, set_probability
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.widgets.prompt import Prompt

from ..ui_support import copy_db, deal_row, demo_template, make_app, open_board, settle, sql_engine

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory, 200)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def someone_else(db: Path, me: int) -> tuple[int, str]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id, display_name FROM user WHERE id != :me ORDER BY id LIMIT 1"),
            {"me": me},
        ).one()
    engine.dispose()
    return int(found[0]), str(found[1])


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


def selected_id(screen: MainScreen) -> int:
    card = screen.selected_deal()
    assert card is not None
    return card.id


async def test_a_next_step_typed_on_a_stale_view_is_refused(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected_id(screen)
        other, name = someone_else(db, app.workspace.me.id)
        await pilot.press("n", *"next: Send the deck")
        # While the prompt is open, someone else sets the next step.
        engine = sql_engine(db)
        version = int(deal_row(db, deal_id)["version"])  # type: ignore[call-overload]
        add_note(
            engine,
            deal_id,
            "Call the CFO",
            kind="next_step",
            user_id=other,
            expected_version=version,
        )
        engine.dispose()
        await pilot.press("enter")
        await settle(pilot)

        assert deal_row(db, deal_id)["next_step"] == "Call the CFO"
        shown = status(screen)
        assert f"{name} changed next step" in shown and "was not saved" in shown
        card = screen.selected_deal()  # the board shows the other person's value
        assert card is not None and card.id == deal_id and card.next_step == "Call the CFO"


async def test_a_prompt_writes_against_the_version_it_was_opened_on(db: Path) -> None:
    """The board reloading under an open prompt doesn't make the prompt's edit current."""
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected_id(screen)
        amount = deal_row(db, deal_id)["amount_minor"]
        other, name = someone_else(db, app.workspace.me.id)
        await pilot.press("a", "ctrl+u", *"12.5k")
        engine = sql_engine(db)
        version = int(deal_row(db, deal_id)["version"])  # type: ignore[call-overload]
        set_probability(engine, deal_id, version, 3, user_id=other, source="cli")
        engine.dispose()
        screen.reload(keep_deal=deal_id)  # as any own edit elsewhere would
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        # The reload leaves the focus in the prompt, so enter submits what was typed.
        assert prompt.query_one("#prompt-input").has_focus
        await pilot.press("enter")
        await settle(pilot)

        assert deal_row(db, deal_id)["amount_minor"] == amount
        assert f"{name} changed probability" in status(screen)
        assert "→ 3%" in status(screen)


async def test_a_judgment_on_a_deal_changed_meanwhile_is_refused(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")  # the review's default options
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.reviewed is not None
        deal_id = screen.reviewed.deal.id
        other, name = someone_else(db, app.workspace.me.id)
        engine = sql_engine(db)
        version = int(deal_row(db, deal_id)["version"])  # type: ignore[call-overload]
        set_amount(engine, deal_id, version, Decimal("123456"), user_id=other, source="cli")
        with engine.connect() as conn:
            judgments = conn.execute(text("SELECT COUNT(*) FROM judgment")).scalar_one()
        await pilot.press("M")  # the manager's category, on the deal as shown
        await settle(pilot)

        shown = str(screen.query_one("#status").render())
        assert f"{name} changed amount" in shown and "your judgment was not saved" in shown
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM judgment")).scalar_one() == judgments
        engine.dispose()
        assert screen.reviewed.deal.amount == Decimal("123456")  # reloaded
