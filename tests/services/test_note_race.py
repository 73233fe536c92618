"""A note is refused when the deal moves on between the version check and the write.

Found by `benchmarks.load_edits`: two sessions on one deal, one adding a plain note while
the other changes the probability. A plain note changes no field of the deal, so no
conditional UPDATE guarded it: its version check was the first SELECT, and a write that
committed after that SELECT but before the note's INSERT let the note through on a deal
its author had not seen (and the edit came back with the other person's version).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from pipeline_tui.models import ChangeSource
from pipeline_tui.services import StaleDealError, add_note, set_probability

from ..factories import Builder

TUI = ChangeSource.TUI


@pytest.fixture
def deal(engine: Engine) -> tuple[int, int]:
    b = Builder(engine)
    rep, other = b.user("rep"), b.user("other")
    found = b.deal(rep, "Propose", "5000", date(2026, 12, 1), probability=40)
    b.commit()
    return found.id or 0, other.id or 0


@pytest.fixture
def someone_writes_after_the_check(engine: Engine, deal: tuple[int, int]) -> Iterator[None]:
    """Right after the edit has read the deal (and its version), another session commits
    a probability change to it: the moment the load script hit by chance."""
    deal_id, other = deal
    armed = [True]

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed[0] and "FROM deal" in statement and "deal.version" in statement:
            armed[0] = False
            set_probability(engine, deal_id, 1, 70, user_id=other, source=TUI)

    event.listen(engine, "after_cursor_execute", after)
    yield
    event.remove(engine, "after_cursor_execute", after)
    assert not armed[0], "the other write never happened: the test proves nothing"


def notes(engine: Engine, deal_id: int) -> list[str]:
    with engine.connect() as conn:
        query = text("SELECT text FROM note WHERE deal_id = :id")
        return list(conn.execute(query, {"id": deal_id}).scalars())


@pytest.mark.usefixtures("someone_writes_after_the_check")
@pytest.mark.parametrize("kind", ["note", "next_step"])
def test_a_note_on_a_deal_changed_after_its_check_is_refused(
    engine: Engine, deal: tuple[int, int], kind: str
) -> None:
    deal_id, _ = deal
    with pytest.raises(StaleDealError, match="Other changed probability 40% → 70%"):
        add_note(engine, deal_id, "agreed at 40%", kind=kind, user_id=None, expected_version=1)
    assert notes(engine, deal_id) == []


def test_a_note_on_an_unchanged_deal_is_written(engine: Engine, deal: tuple[int, int]) -> None:
    deal_id, _ = deal
    result = add_note(engine, deal_id, "agreed at 40%", kind="note", user_id=None,
                      expected_version=1)  # fmt: skip
    assert (result.deal.version, notes(engine, deal_id)) == (1, ["agreed at 40%"])
