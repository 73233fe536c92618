"""A guard on what one keystroke edit costs the database: one write transaction and a
bounded number of reads, counted on the engine while the app handles the key."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from pipeline_tui.models import Stage, StageKind
from pipeline_tui.storage import make_engine, upgrade

from ..factories import Builder
from ..ui_support import deal_row, make_app, open_board, settle

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def pipeline_file(path: Path, open_stages: int) -> tuple[Path, int]:
    """A pipeline with `open_stages` open stages (plus Won and Lost), three deals in each,
    all closing this quarter so every column is on the board."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    vp = b.user("vp", role="manager")
    assert b.pipeline.id is not None
    # Builder's pipeline has three open stages; the rest go between them and Won.
    for i in range(open_stages - 3):
        b.stages[f"Extra {i}"] = b.add(
            Stage(
                pipeline_id=b.pipeline.id,
                name=f"Extra {i}",
                position=10 + i,
                default_probability=60,
                kind=StageKind.OPEN.value,
            )
        )
    b.stages["Won"].position = 100
    b.stages["Lost"].position = 101
    first = None
    for name, stage in b.stages.items():
        if stage.kind != StageKind.OPEN.value:
            continue
        for n in range(3):
            deal = b.deal(vp, name, f"{1000 * (n + 1)}", date(2026, 12, 10), probability=20)
            first = first or deal.id
    b.commit()
    engine.dispose()
    assert first is not None
    return path, first


# What one keystroke edit reads, whatever the number of stages: the write checks who owns
# the deal (1), reads it and its pipeline's stages (2) and the new card (1); then the board
# reads again only what the edit touched, in one connection: stages, people and quotas
# (3), the currency setting and rates with the header's single-row aggregate (3), the
# touched stages with their currency, rates and totals (4), the inspection flags' settings
# (1) and the deal with its flags (1). A stage move also reads a page of each of the two
# columns the card left and joined (2), by the same flag settings.
KEYSTROKE_READS = 16
PAGES_OF_A_MOVE = 2


@dataclass
class Count:
    statements: list[str] = field(default_factory=list)
    write_transactions: set[int] = field(default_factory=set)

    @property
    def reads(self) -> list[str]:
        return [s for s in self.statements if not WRITE.match(s)]

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if WRITE.match(s)]


@contextmanager
def counted() -> Iterator[Count]:
    """Every statement any engine sends while the block runs, and which transactions wrote."""
    count = Count()
    begun = itertools.count(1)
    current: dict[int, int] = {}

    def begin(conn: Connection) -> None:
        current[id(conn)] = next(begun)

    def execute(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        count.statements.append(statement)
        if WRITE.match(statement):
            count.write_transactions.add(current.get(id(conn), 0))

    event.listen(Engine, "begin", begin)
    event.listen(Engine, "before_cursor_execute", execute)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", execute)
        event.remove(Engine, "begin", begin)


async def count_a_keystroke(db: Path, deal_id: int, open_stages: int, key: str = "7") -> Count:
    app = make_app(db)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_board(pilot)
        assert len(screen.board.columns()) == open_stages
        card = screen.selected_deal()
        assert card is not None and card.id == deal_id
        with counted() as count:
            await pilot.press(key)
            await settle(pilot)
        if key == "right_square_bracket":  # the cursor followed the deal to its new column
            moved = screen.selected_deal()
            assert moved is not None and moved.id == deal_id and moved.stage_id != card.stage_id
            assert screen.board.focused_column() is screen.board.columns()[1]
    row = deal_row(db, deal_id)
    assert row["probability"] == 70 if key == "7" else row["stage_id"] != card.stage_id
    return count


@pytest.mark.parametrize("key", ["7", "right_square_bracket"])
async def test_a_keystroke_edit_costs_one_write_and_reads_independent_of_the_stages(
    tmp_path: Path, key: str
) -> None:
    reads = []
    for open_stages in (3, 10):  # pipelines of 5 and of 12 stages
        db, deal_id = pipeline_file(tmp_path / f"pipeline-{open_stages}.db", open_stages)
        count = await count_a_keystroke(db, deal_id, open_stages, key)
        assert len(count.writes) == 2  # the deal's UPDATE and its change's INSERT
        assert len(count.write_transactions) == 1
        assert 0 not in count.write_transactions  # inside a transaction the listener saw begin
        reads.append(len(count.reads))
    pages = PAGES_OF_A_MOVE if key != "7" else 0
    assert reads[0] == reads[1] <= KEYSTROKE_READS + pages
