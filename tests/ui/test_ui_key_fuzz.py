"""Any keys, at any speed, from the board: the app keeps running, raises nothing, leaves no
screen it can't get out of, and writes only what the keys asked for.

Hypothesis draws bursts of the app's own keys (the board's, the edits', the screens they
open, the palette) mixed with junk typed into whatever prompt is open, and posts each burst
at once, as a held key or fast typing delivers them. Derandomized and small, so the same
sequences run in every CI run and the file stays within a few tens of seconds."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from textual.command import CommandList

from pipeline_tui.services.integrity import check_database
from pipeline_tui.storage import make_engine
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.legend import MarksLegend

from ..ui_support import burst, copy_db, make_app, open_board, seed_file, settle, sql_engine

SIZE = (120, 36)

# Keys that move or look, and never write on any screen. (`p` pushes a close date in a
# review, `x` deactivates on the people screen, `a`/`n`/`e` answer prompts: not here.)
LOOKING = [
    "up", "down", "j", "k", "g", "G", "left", "right", "h", "l", "home", "end",
    "pageup", "pagedown", "t", "R", "W", "E", "L", "s", "S", "C", "D", "exclamation_mark",
    "less_than_sign", "greater_than_sign", "comma", "full_stop", "question_mark", "f1",
    "slash", "escape", "backspace", "tab",
]  # fmt: skip
# Everything else the app binds (help lists them; `q` quits, so it is left out), and junk.
ACTING = [
    *"0123456789", "plus", "minus", "right_square_bracket", "left_square_bracket", "y",
    "c", "d", "a", "n", "w", "x", "A", "u", "ctrl+z", "ctrl+y", "U", "enter", "space",
    "r", "F", "N", "P", "o", "p", "at", "ctrl+p", "colon", "ctrl+s", "M", "m", "f", "e",
    "K", "J", "i", "Z", "é", "€", "$", "dollar_sign", "ctrl+a", "delete",
]  # fmt: skip
KEY = st.sampled_from(LOOKING + ACTING)
BURSTS = st.lists(st.lists(KEY, min_size=1, max_size=30), min_size=1, max_size=4)
LOOKING_BURSTS = st.lists(
    st.lists(st.sampled_from(LOOKING), min_size=1, max_size=30), min_size=1, max_size=3
)

# Tables a key can write to; counted before and after a run of keys that write nothing.
WRITTEN = (
    "deal", "deal_change", "note", "review", "review_item", "judgment", "forecast_call",
    "process_change", "stage", "user", "account", "settings",
)  # fmt: skip


def fuzz_settings(max_examples: int) -> settings:
    # Each example starts the app (about a second on a quiet machine): few, and not shrunk,
    # so that a failure costs CI no more than a pass; the failing keys are in the message.
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_file(tmp_path_factory.mktemp("key-fuzz") / "template.db", deals=150)


@contextmanager
def fresh_copy(template: Path) -> Iterator[Path]:
    # Hypothesis runs the body many times in one test: a folder per example, not tmp_path.
    with tempfile.TemporaryDirectory() as folder:
        yield copy_db(template, Path(folder) / "pipeline.db")


def counts(db: Path) -> dict[str, int]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        found = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in WRITTEN}
    engine.dispose()
    return found


def versions(db: Path) -> dict[int, tuple[int, int]]:
    """Each deal's version and how many change rows it has."""
    engine = sql_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.id, d.version, (SELECT COUNT(*) FROM deal_change c "
                "WHERE c.deal_id = d.id) FROM deal d"
            )
        ).all()
    engine.dispose()
    return {r[0]: (r[1], r[2]) for r in rows}


def watch_errors(app: PipelineApp) -> list[BaseException]:
    """Every exception that reaches the app, even those it turns into a message."""
    seen: list[BaseException] = []
    handle = app._handle_exception

    def recording(error: Exception) -> None:
        seen.append(error)
        handle(error)

    app._handle_exception = recording  # type: ignore[method-assign]
    return seen


async def drive(db: Path, bursts: list[list[str]]) -> None:
    app = make_app(db)
    errors = watch_errors(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        for keys in bursts:
            burst(pilot, *keys)
            await settle(pilot, 2)
        await settle(pilot)
        assert errors == [], (bursts, errors)
        assert app.is_running and app.return_code is None, bursts
        # Nothing stuck: escape (one at a time) gets back to the board.
        for _ in range(8):
            if isinstance(app.screen, MainScreen) and not _prompt_open(app.screen):
                break
            await pilot.press("escape")
            await settle(pilot, 2)
        assert isinstance(app.screen, MainScreen), (bursts, app.screen_stack)
        assert not _prompt_open(app.screen), bursts
        assert errors == [], (bursts, errors)
    assert app.return_code in (None, 0), bursts


def _prompt_open(screen: Any) -> bool:
    from pipeline_tui.ui.widgets.prompt import Prompt

    return any(p.display for p in screen.query(Prompt))


def assert_consistent(db: Path, before: dict[int, tuple[int, int]], bursts: object) -> None:
    engine = make_engine(f"sqlite:///{db}")
    problems = [str(v) for v in check_database(engine, quick=True)]
    engine.dispose()
    assert problems == [], (bursts, problems)
    after = versions(db)
    for deal, (version, changes) in after.items():
        old_version, old_changes = before.get(deal, (1, 0))
        # A write bumps the version and logs its fields; neither without the other (a
        # plain note bumps neither and logs no field).
        assert (version > old_version) == (changes > old_changes), (deal, bursts)


@fuzz_settings(max_examples=6)
@given(bursts=BURSTS)
async def test_any_keys_from_the_board(template: Path, bursts: list[list[str]]) -> None:
    with fresh_copy(template) as db, _data_home(db.parent):
        before = versions(db)
        await drive(db, bursts)
        assert_consistent(db, before, bursts)


@fuzz_settings(max_examples=2)
@given(bursts=LOOKING_BURSTS)
async def test_keys_that_only_look_write_nothing(template: Path, bursts: list[list[str]]) -> None:
    with fresh_copy(template) as db, _data_home(db.parent):
        before = counts(db)
        await drive(db, bursts)
        assert counts(db) == before, bursts


@contextmanager
def _data_home(folder: Path) -> Iterator[None]:
    # A review summary saved by `w` then `enter` goes to the data folder: keep it here.
    old = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            del os.environ["XDG_DATA_HOME"]
        else:
            os.environ["XDG_DATA_HOME"] = old


# What the fuzz found, each pinned down on its own ------------------------------------


@pytest.mark.parametrize("key", ["tab", "shift+tab"])
async def test_tab_in_a_prompt_of_one_question_keeps_the_focus_there(
    template: Path, tmp_path: Path, key: str
) -> None:
    """Tab used to move the focus out of an open prompt (the forecast call's, a search's):
    the prompt stayed open on the board, and no key reached it, escape included."""
    from textual.widgets import Input

    from pipeline_tui.ui.widgets.prompt import Prompt

    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("F")
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        await pilot.press(key)
        assert app.focused is prompt.query_one(Input)
        await pilot.press("escape")
        await settle(pilot)
        assert not prompt.is_open


async def test_an_edit_landing_while_the_board_is_redrawn_skips_the_columns_going(
    template: Path, tmp_path: Path
) -> None:
    """A reload that changes the columns removes the old ones and awaits it; an edit
    landing meanwhile redrew its card in a column whose cards were already gone
    (`NoMatches: DealList`). The columns being removed are not the board's any more."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        board = screen.board
        card = next(c for c in board.columns() if c.cards).cards[0]
        removal = board.remove_children()  # as `Board.show` does, then awaits it
        assert board.columns() == []
        for column in board.columns():  # what an edit landing now does
            column.replace_card(card)
        await removal
        await settle(pilot)


async def test_page_keys_before_a_list_is_laid_out(template: Path, tmp_path: Path) -> None:
    """`pagedown` landing after a list got its options and cursor but before its next
    layout (what changed `W`, or a board column just mounted, in a burst) raised
    `KeyError` inside Textual's OptionList and stopped the app."""
    from textual.widgets import OptionList
    from textual.widgets.option_list import Option

    from pipeline_tui.ui.screens.changes import ChangesScreen

    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    errors = watch_errors(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        lists: list[OptionList] = [next(c for c in screen.board.columns() if c.cards).deal_list]
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, ChangesScreen)
        lists.append(app.screen.query_one("#changes-bars", OptionList))
        for options in lists:
            # No size until the next layout, as a list has before its first one.
            options.display = False
            await pilot.pause()
            options.clear_options()
            options.add_options([Option(str(n)) for n in range(40)])
            options.highlighted = 3
            options.action_page_down()
            options.action_page_up()
            assert options.highlighted == 3
        await settle(pilot)
    assert errors == []


async def test_escape_closes_a_prompt_the_focus_has_left(template: Path, tmp_path: Path) -> None:
    """A prompt can open while a key of the same burst moves the focus away (`a` or `N`,
    then `t` switching to the table): escape then went to the board, clearing filters, and
    the prompt stayed open with nothing able to close it."""
    from pipeline_tui.ui.widgets.prompt import Prompt

    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N")
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        screen.action_toggle_view()  # as the `t` handled after the prompt opened does
        await settle(pilot)
        assert app.focused is not None and prompt not in app.focused.ancestors_with_self
        await pilot.press("escape")
        await settle(pilot)
        assert not prompt.is_open


async def test_a_second_enter_in_the_palette_runs_nothing_twice(
    template: Path, tmp_path: Path
) -> None:
    """`enter enter` on a chosen command dismissed the palette twice (`ScreenStackError`,
    the app stopped) and ran the command twice: here the legend would toggle back off."""
    app = make_app(copy_db(template, tmp_path / "pipeline.db"))
    errors = watch_errors(app)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        legend = board.query_one(MarksLegend)
        assert not legend.display
        await pilot.press("ctrl+p")
        await pilot.press(*"Legend of card marks")
        for _ in range(100):  # the palette searches in the background
            await pilot.pause(0.05)
            found = app.screen.query(CommandList)
            if found and found.first().highlighted is not None:
                break
        burst(pilot, "enter", "enter", "enter")
        await settle(pilot)
        assert errors == [] and app.is_running
        assert isinstance(app.screen, MainScreen)
        assert legend.display  # toggled once
