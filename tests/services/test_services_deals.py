"""Reading deals a page at a time: filters, sorts, board columns and the deal detail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, update

from pipeline_tui.models import Account, Deal, DealChange, Note, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services import (
    SORTS,
    DealFilter,
    DealNotFoundError,
    count_deals,
    get_deal,
    list_deals,
    stage_columns,
)

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)


@dataclass
class World:
    users: dict[str, int]
    stages: dict[str, int]
    pipeline_id: int
    deals: dict[str, int]


@pytest.fixture
def world(engine: Engine) -> World:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann = b.user("ann", manager=mgr)
    bob = b.user("bob", manager=mgr)
    globex = b.add(Account(name="Globex"))
    pure = b.add(Account(name="100% Pure_Corp"))

    def deal(key: str, *args: Any, account: Account | None = None, **kw: Any) -> tuple[str, Deal]:
        row = b.deal(*args, name=key, **kw)
        if account is not None:
            row.account_id = account.id
            b.session.flush()
        return key, row

    rows = dict(
        [
            deal("Acme renewal", ann, "Qualify", "10000", date(2026, 12, 20), probability=10),
            deal("Expansion", ann, "Propose", "20000", date(2026, 11, 30), category="best_case"),
            deal("Big one", ann, "Negotiate", "40000", date(2026, 12, 10), category="commit"),
            deal("Globex rollout", bob, "Propose", "60000", date(2026, 12, 15), account=globex),
            deal("Undated", bob, "Qualify", "7000", None),
            deal("Odd cents", bob, "Qualify", "33.33", date(2026, 12, 1), probability=33),
            deal("Discount 50% off_deal", bob, "Propose", "500", date(2026, 12, 2), account=pure),
            deal("Won earlier", ann, "Won", "30000", date(2026, 10, 15), category="closed"),
            deal("Lost one", bob, "Lost", "5000", date(2026, 10, 2), category="omitted"),
            deal("Next quarter", ann, "Negotiate", "100000", date(2027, 1, 5)),
            deal("Same date", ann, "Qualify", "10000", date(2026, 12, 20), probability=10),
        ]
    )
    result = World(
        users={"mgr": mgr.id or 0, "ann": ann.id or 0, "bob": bob.id or 0},
        stages={name: s.id or 0 for name, s in b.stages.items()},
        pipeline_id=b.pipeline.id or 0,
        deals={k: d.id or 0 for k, d in rows.items()},
    )
    b.commit()
    return result


def names(cards: list[Any]) -> list[str]:
    return [c.name for c in cards]


OPEN_IN_Q4 = [
    "Expansion",  # 11-30
    "Odd cents",  # 12-01
    "Discount 50% off_deal",  # 12-02
    "Big one",  # 12-10
    "Globex rollout",  # 12-15
    "Acme renewal",  # 12-20, lower id than "Same date"
    "Same date",
]


def test_default_filter_lists_open_deals_by_close_date_with_undated_last(
    engine: Engine, world: World
) -> None:
    cards = list_deals(engine, DealFilter())
    assert names(cards) == [*OPEN_IN_Q4[:7], "Next quarter", "Undated"]
    assert count_deals(engine, DealFilter()) == 9


def test_period_filter_and_card_fields(engine: Engine, world: World) -> None:
    cards = list_deals(engine, DealFilter(period=Q4))
    assert names(cards) == OPEN_IN_Q4
    globex = next(c for c in cards if c.name == "Globex rollout")
    assert globex.account == "Globex"
    assert globex.owner_name == "Bob"
    assert globex.stage_name == "Propose"
    assert globex.amount == Decimal("60000.00")
    assert globex.weighted == Decimal("30000")
    assert globex.version == 1
    assert globex.updated_at.tzinfo is not None
    assert globex.updated_at.utcoffset() == timedelta(0)
    odd = next(c for c in cards if c.name == "Odd cents")
    assert odd.weighted == Decimal("10.9989")  # exact: 33.33 * 33%
    assert not odd.close_date_missing
    assert count_deals(engine, DealFilter(period=Q4)) == 7
    # closing_in_period=False ignores the period.
    assert count_deals(engine, DealFilter(period=Q4, closing_in_period=False)) == 9


def test_filters(engine: Engine, world: World) -> None:
    u, s = world.users, world.stages

    def listed(**kw: Any) -> list[str]:
        flt = DealFilter(**kw)
        found = names(list_deals(engine, flt, sort="name", limit=100))
        assert count_deals(engine, flt) == len(found)
        return found

    assert listed(owner_ids=frozenset({u["bob"]}), period=Q4) == [
        "Discount 50% off_deal",
        "Globex rollout",
        "Odd cents",
    ]
    assert listed(owner_ids=frozenset()) == []
    assert listed(stage_id=s["Negotiate"]) == ["Big one", "Next quarter"]
    assert listed(categories=frozenset({"commit", "best_case"})) == ["Big one", "Expansion"]
    assert listed(no_close_date=True, period=Q4) == ["Undated"]
    assert listed(pipeline_id=world.pipeline_id + 1) == []
    assert "Won earlier" in listed(open_only=False)
    assert "Lost one" in listed(open_only=False)
    assert len(listed(open_only=False)) == 11


def test_stale_filter(engine: Engine, world: World) -> None:
    deal = table_of(Deal)
    old = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(update(deal).values(updated_at=datetime(2026, 11, 25, 23, tzinfo=UTC)))
        conn.execute(update(deal).where(deal.c.id == world.deals["Big one"]).values(updated_at=old))
    flt = DealFilter(stale_days=14, today=TODAY)
    assert names(list_deals(engine, flt)) == ["Big one"]
    assert count_deals(engine, DealFilter(stale_days=0, today=TODAY)) == 9
    assert count_deals(engine, DealFilter(stale_days=30, today=TODAY)) == 0


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (
            "acme",  # every deal's account but two
            [
                "Acme renewal",
                "Big one",
                "Expansion",
                "Next quarter",
                "Odd cents",
                "Same date",
                "Undated",
            ],
        ),
        ("GLOBEX", ["Globex rollout"]),  # name and account
        ("  roLLout ", ["Globex rollout"]),
        ("50%", ["Discount 50% off_deal"]),  # % is a character, not a wildcard
        ("%", ["Discount 50% off_deal"]),
        ("_", ["Discount 50% off_deal"]),  # and so is _
        ("pure_corp", ["Discount 50% off_deal"]),  # the account's name
        ("nothing like it", []),
    ],
)
def test_search_is_case_insensitive_and_literal(
    engine: Engine, world: World, search: str, expected: list[str]
) -> None:
    flt = DealFilter(search=search)
    assert names(list_deals(engine, flt, sort="name")) == expected
    assert count_deals(engine, flt) == len(expected)


def test_sorts_are_total_and_reverse_cleanly(engine: Engine, world: World) -> None:
    flt = DealFilter(open_only=False)
    for sort in SORTS:
        up = list_deals(engine, flt, sort=sort, limit=100)
        down = list_deals(engine, flt, sort=sort, descending=True, limit=100)
        assert sorted(c.id for c in up) == sorted(c.id for c in down), sort
        if sort not in ("close_date", "account"):  # those keep NULLs last both ways
            assert [c.id for c in down] == [c.id for c in reversed(up)], sort
    amounts = [c.amount for c in list_deals(engine, flt, sort="amount", descending=True)]
    assert amounts == sorted(amounts, reverse=True)
    down = list_deals(engine, flt, sort="close_date", descending=True, limit=100)
    assert down[0].name == "Next quarter"
    assert down[-1].name == "Undated"
    by_account = list_deals(engine, flt, sort="account", limit=100)
    assert [c.account for c in by_account[:2]] == ["100% Pure_Corp", "Acme"]
    by_stage = list_deals(engine, flt, sort="stage", limit=100)
    assert [c.stage_name for c in by_stage][-2:] == ["Won", "Lost"]
    by_owner = list_deals(engine, flt, sort="owner", limit=100)
    assert by_owner[0].owner_name == "Ann"
    assert by_owner[-1].owner_name == "Bob"


def test_pages_neither_repeat_nor_skip(engine: Engine, world: World) -> None:
    flt = DealFilter(open_only=False)
    for sort in ("close_date", "probability", "stage"):
        whole = [c.id for c in list_deals(engine, flt, sort=sort, limit=100)]
        pages = [
            c.id
            for offset in range(0, 12, 3)
            for c in list_deals(engine, flt, sort=sort, offset=offset, limit=3)
        ]
        assert pages == whole


def test_bad_paging_and_sort_are_refused(engine: Engine, world: World) -> None:
    with pytest.raises(ValueError, match="Unknown sort"):
        list_deals(engine, DealFilter(), sort="colour")
    with pytest.raises(ValueError, match="limit"):
        list_deals(engine, DealFilter(), limit=0)
    with pytest.raises(ValueError, match="limit"):
        list_deals(engine, DealFilter(), limit=100_000)
    with pytest.raises(ValueError, match="offset"):
        list_deals(engine, DealFilter(), offset=-1)


def test_stage_columns(engine: Engine, world: World) -> None:
    columns = stage_columns(engine, DealFilter(period=Q4), world.pipeline_id)
    assert [c.name for c in columns] == ["Qualify", "Propose", "Negotiate"]
    qualify, propose, negotiate = columns
    # Acme renewal 10000@10, Same date 10000@10, Odd cents 33.33@33
    assert (qualify.count, qualify.amount) == (3, Decimal("20033.33"))
    assert qualify.weighted == Decimal("2010.9989")
    # Expansion 20000@50, Globex 60000@50, Discount 500@50
    assert (propose.count, propose.amount, propose.weighted) == (
        3,
        Decimal("80500.00"),
        Decimal("40250"),
    )
    assert (negotiate.count, negotiate.amount, negotiate.weighted) == (
        1,
        Decimal("40000.00"),
        Decimal("32000"),
    )
    assert negotiate.default_probability == 80


def test_stage_columns_list_empty_stages(engine: Engine, world: World) -> None:
    flt = DealFilter(period=Q4, owner_ids=frozenset({world.users["bob"]}))
    columns = stage_columns(engine, flt, world.pipeline_id)
    assert [(c.name, c.count, c.amount) for c in columns] == [
        ("Qualify", 1, Decimal("33.33")),
        ("Propose", 2, Decimal("60500.00")),
        ("Negotiate", 0, Decimal("0.00")),
    ]
    assert stage_columns(engine, flt, world.pipeline_id + 99) == []


def test_get_deal(engine: Engine, world: World) -> None:
    deal_id = world.deals["Big one"]
    ann = world.users["ann"]
    created = datetime(2026, 9, 1, 9, tzinfo=UTC)
    entered = datetime(2026, 11, 16, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            update(table_of(Deal))
            .where(table_of(Deal).c.id == deal_id)
            .values(created_at=created, stage_entered_at=entered)
        )
        conn.execute(
            insert(table_of(Note)),
            [
                {"deal_id": deal_id, "author_id": ann, "text": "first", "kind": "note",
                 "created_at": created, "done": False, "due_date": None},
                {"deal_id": deal_id, "author_id": None, "text": "call CFO", "kind": "next_step",
                 "created_at": entered, "done": False, "due_date": date(2026, 12, 1)},
            ],
        )  # fmt: skip
        conn.execute(
            insert(table_of(DealChange)),
            [
                {"deal_id": deal_id, "field": "probability", "old_value": "50",
                 "new_value": "80", "changed_by_id": ann, "changed_at": created,
                 "source": "tui"},
                {"deal_id": deal_id, "field": "stage", "old_value": "Propose",
                 "new_value": "Negotiate", "changed_by_id": None, "changed_at": entered,
                 "source": "import"},
            ],
        )  # fmt: skip
    detail = get_deal(engine, deal_id, today=TODAY)
    assert detail.name == "Big one"
    assert detail.pipeline_name == "New Business"
    assert detail.owner_login == "ann"
    assert detail.days_in_stage == 10
    assert detail.age_days == 86
    assert detail.lost_reason is None and detail.closed_date is None
    assert [(n.text, n.author_name, n.kind) for n in detail.notes] == [
        ("call CFO", None, "next_step"),
        ("first", "Ann", "note"),
    ]
    assert detail.notes[0].due_date == date(2026, 12, 1)
    assert detail.notes[0].created_at == entered
    assert [(h.field, h.old_value, h.new_value, h.who, h.source) for h in detail.history] == [
        ("stage", "Propose", "Negotiate", None, "import"),
        ("probability", "50", "80", "Ann", "tui"),
    ]
    assert detail.history[1].when == created
    assert [(s.name, s.kind, s.default_probability) for s in detail.stages] == [
        ("Qualify", "open", 10),
        ("Propose", "open", 50),
        ("Negotiate", "open", 80),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    assert detail.weighted == Decimal("32000")


def test_get_deal_of_unknown_id(engine: Engine, world: World) -> None:
    with pytest.raises(DealNotFoundError) as caught:
        get_deal(engine, 999_999)
    assert isinstance(caught.value, LookupError)


# --- bounded queries -----------------------------------------------------------------

DEAL_FROM = re.compile(r"\b(FROM|JOIN)\s+\"?deal\"?(\s|$)", re.IGNORECASE)
AGGREGATE = re.compile(r"\b(count|sum)\s*\(", re.IGNORECASE)


def test_pages_and_totals_never_load_every_deal(engine: Engine) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    bob = b.user("bob")
    stage_ids = [b.stages[n].id for n in ("Qualify", "Propose", "Negotiate", "Won")]
    pipeline_id, account_id = b.pipeline.id, b.account.id
    b.commit()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {
            "name": f"Deal {i:05d}",
            "account_id": account_id if i % 3 else None,
            "owner_id": ann.id if i % 2 else bob.id,
            "pipeline_id": pipeline_id,
            "stage_id": stage_ids[i % 4],
            "amount_minor": 100 * (i % 997) + i,
            "currency": "USD",
            "probability": i % 101,
            "forecast_category": "pipeline",
            "close_date": None if i % 50 == 0 else date(2026, 10, 1) + timedelta(days=i % 92),
            "created_at": now,
            "updated_at": now,
            "stage_entered_at": now,
            "push_count": 0,
            "version": 1,
        }
        for i in range(5000)
    ]
    with engine.begin() as conn:
        conn.execute(insert(table_of(Deal)), rows)

    statements: list[str] = []
    fetched: list[int] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        fetched.append(cursor.rowcount)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        flt = DealFilter(period=Q4, search="deal")
        for sort in SORTS:
            page = list_deals(engine, flt, sort=sort, descending=True, offset=1000, limit=40)
            assert len(page) == 40
        assert len(list_deals(engine, DealFilter(), limit=40)) == 40
        assert count_deals(engine, DealFilter()) == 3750
        columns = stage_columns(engine, DealFilter(), pipeline_id or 0)
        assert sum(c.count for c in columns) == 3750
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)

    deal_reads = [s for s in statements if DEAL_FROM.search(s)]
    assert deal_reads
    unbounded = [s for s in deal_reads if "LIMIT" not in s.upper() and not AGGREGATE.search(s)]
    assert unbounded == []
    # rowcount is -1 for SELECTs on SQLite; where the driver reports it, it is small.
    assert all(n <= 40 for n in fetched)
