"""Money in more than one currency: every sum converts each deal at the rate in force at
its close date, and a deal with no rate is counted as unconverted, never taken at 1:1.

The figures are the worked example of docs/metrics.md ("Currency"), computed by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from pipeline_tui import reviews
from pipeline_tui.forecast import GroupBy, Scope, compute_rollup
from pipeline_tui.forecast.metrics import unconverted_text
from pipeline_tui.forecast.waterfall import Bar, waterfall
from pipeline_tui.forecast.waterfall_text import waterfall_markdown
from pipeline_tui.models import Deal, DealChange, Rate, Settings, User, table_of
from pipeline_tui.parsing import Money, parse_money
from pipeline_tui.periods import parse_period
from pipeline_tui.services import EditError, StaleDealError, edits
from pipeline_tui.services import edit_types as et
from pipeline_tui.services.deals import DealFilter, stage_columns
from pipeline_tui.services.undo import revert

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
CHANGE, DEAL = table_of(DealChange).c, table_of(Deal).c
METRICS_MD = Path(__file__).parents[2] / "docs" / "metrics.md"


def rate(b: Builder, currency: str, day: date, value: str) -> None:
    b.add(Rate(currency=currency, effective_date=day, rate=value))


@pytest.fixture
def mixed(engine: Engine) -> Builder:
    """The example in docs/metrics.md: reporting currency USD."""
    b = Builder(engine)
    ann = b.user("ann")
    rate(b, "EUR", date(2026, 10, 1), "1.08")
    rate(b, "EUR", date(2026, 12, 1), "1.10")
    rate(b, "GBP", date(2026, 10, 1), "1.25")
    b.deal(ann, "Won", "10000", date(2026, 11, 15), category="closed", currency="EUR")
    b.deal(ann, "Won", "1000", date(2026, 12, 1), category="closed", currency="EUR")
    b.deal(ann, "Negotiate", "20000", date(2026, 12, 10), probability=80, category="commit",
           currency="EUR")  # fmt: skip
    b.deal(ann, "Qualify", "5000", date(2026, 12, 20), probability=10)
    b.deal(ann, "Propose", "1000.01", date(2026, 11, 30), probability=50,
           category="best_case", currency="GBP")  # fmt: skip
    b.deal(ann, "Propose", "1000000", date(2026, 12, 5), probability=50, currency="JPY")
    b.commit()
    return b


def test_the_worked_example(engine: Engine, mixed: Builder) -> None:
    with engine.connect() as conn:
        rollup = compute_rollup(conn, Q4, GroupBy.REP, today=TODAY)
    t = rollup.totals
    # Won: EUR 10,000 at 1.08 (rate of 1 October) + EUR 1,000 at 1.10 (1 December,
    # in force on its own date) = 10,800 + 1,100.
    assert t.closed_won == Decimal("11900.00")
    assert t.commit == Decimal("22000.00")  # EUR 20,000 at 1.10
    assert t.best_case == Decimal("1250.0125")  # GBP 1,000.01 at 1.25, kept exact
    # 22,000 + 5,000 + 1,250.0125 = 28,250.0125, rounded once where shown: 28,250.01
    assert t.pipeline == Decimal("28250.0125")
    # 16,000 EUR x 1.10 + 500 USD + 500.005 GBP x 1.25 = 17,600 + 500 + 625.00625
    assert t.weighted == Decimal("18725.00625")
    shown = rollup.as_dict()["totals"]
    assert (shown["best_case"], shown["pipeline"], shown["weighted"]) == (
        "1250.01", "28250.01", "18725.01",
    )  # fmt: skip
    # JPY has no rate: counted, never added at 1:1 (that would add 1,000,000).
    assert t.open_count == 4
    assert t.unconverted == (("JPY", 1),)
    assert unconverted_text(t) == "+ 1 deal unconverted (JPY)"
    assert rollup.currency == "USD"
    assert rollup.as_dict()["totals"]["unconverted"] == {"JPY": 1}


def test_the_docs_state_the_same_figures() -> None:
    text = METRICS_MD.read_text(encoding="utf-8")
    section = text.split("## Currency", 1)[1].split("\n## ", 1)[0]
    for figure in ("11,900.00", "22,000.00", "1,250.01", "28,250.01", "18,725.01",
                   "+ 1 deal unconverted (JPY)"):  # fmt: skip
        assert figure in section


def test_no_rate_before_the_first_one_means_unconverted(engine: Engine) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    rate(b, "EUR", date(2026, 11, 1), "1.08")
    b.deal(ann, "Won", "500", date(2026, 10, 31), category="closed", currency="EUR")
    b.deal(ann, "Won", "300", date(2026, 11, 1), category="closed", currency="EUR")
    b.commit()
    with engine.connect() as conn:
        t = compute_rollup(conn, Q4, today=TODAY).totals
    assert t.closed_won == Decimal("324.00")  # only the one on or after 1 November
    assert t.won_count == 2
    assert t.unconverted == (("EUR", 1),)


def test_open_deal_without_close_date_converts_at_todays_rate(engine: Engine) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    rate(b, "EUR", date(2026, 11, 1), "1.08")
    rate(b, "EUR", date(2026, 12, 1), "1.50")  # not yet in force on TODAY
    b.deal(ann, "Qualify", "100", None, currency="EUR")
    b.commit()
    everything = parse_period("all", today=TODAY)
    with engine.connect() as conn:
        t = compute_rollup(conn, everything, today=TODAY).totals
    assert t.pipeline == Decimal("108.00")
    assert t.unconverted == ()


def test_the_reporting_currency_is_the_settings_one(engine: Engine) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    b.session.get_one(Settings, 1).currency = "EUR"
    rate(b, "USD", date(2026, 1, 1), "0.9")
    b.deal(ann, "Won", "100", date(2026, 11, 2), category="closed", currency="EUR")
    b.deal(ann, "Won", "100", date(2026, 11, 2), category="closed", currency="USD")
    b.commit()
    with engine.connect() as conn:
        rollup = compute_rollup(conn, Q4, today=TODAY)
    assert rollup.currency == "EUR"
    assert rollup.totals.closed_won == Decimal("190.00")


def test_board_columns_convert_and_count_unconverted(engine: Engine, mixed: Builder) -> None:
    columns = {
        c.name: c
        for c in stage_columns(engine, DealFilter(period=Q4, today=TODAY), mixed.pipeline.id)
    }
    propose = columns["Propose"]
    assert propose.count == 2
    assert propose.amount == Decimal("1250.0125")
    assert propose.unconverted == (("JPY", 1),)
    assert columns["Negotiate"].amount == Decimal("22000.00")


def test_rows_by_stage_and_by_category_convert_too(engine: Engine, mixed: Builder) -> None:
    with engine.connect() as conn:
        by_stage = compute_rollup(conn, Q4, GroupBy.STAGE, Scope(), today=TODAY)
    rows = {r.key: r.figures for r in by_stage.rows}
    assert rows["Won"].closed_won == Decimal("11900.00")
    assert rows["Propose"].unconverted == (("JPY", 1),)


def test_what_changed_converts_each_deal_at_one_rate(engine: Engine) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    rate(b, "EUR", date(2026, 1, 1), "1.10")
    eur = b.deal(ann, "Propose", "10000", date(2026, 12, 10), currency="EUR")
    b.deal(ann, "Propose", "1000", date(2026, 12, 11))
    b.deal(ann, "Propose", "500000", date(2026, 12, 12), currency="JPY")
    b.commit()
    deal = table_of(Deal)
    long_ago = datetime(2026, 1, 2, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(update(deal).values(created_at=long_ago, updated_at=long_ago))
    since = datetime.now(UTC) - timedelta(seconds=1)
    assert eur.id is not None
    edits.set_amount(engine, eur.id, eur.version, Decimal("12000"), user_id=None, source="cli")

    result = waterfall(engine, since=since, period=Q4)
    team = result.team
    # EUR 10,000 -> 12,000 at 1.10: 11,000 -> 13,200, +2,200; USD 1,000 as it is; the yen
    # deal is left out and counted, never added at 1:1.
    assert (team.start, team.end) == (Decimal("12000.00"), Decimal("14200.00"))
    assert team.movement(Bar.INCREASED).amount == Decimal("2200.00")
    assert team.balanced
    assert result.unconverted == (("JPY", 1),)
    assert result.as_dict()["unconverted"] == {"JPY": 1}
    assert "in USD + 1 deal unconverted (JPY)." in waterfall_markdown(result, "USD")


def test_amount_typed_in_euros_is_stored_in_euros_through_the_versioned_write(
    engine: Engine,
) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    deal = b.deal(ann, "Propose", "1000", date(2026, 12, 10))
    b.commit()
    assert deal.id is not None
    typed = parse_money("EUR 1.234,56")
    assert (typed.amount, typed.currency) == (Decimal("1234.56"), "EUR")
    assert parse_money("€1.234,56") == typed
    assert parse_money("1,234.56 USD") == Money(Decimal("1234.56"), "USD")

    result = et.apply(
        engine, deal.id, deal.version, et.SetAmount(typed.amount, typed.currency),
        user_id=None, source="tui",
    )  # fmt: skip
    assert (result.deal.amount, result.deal.currency) == (Decimal("1234.56"), "EUR")
    assert {(c.field, str(c.old), str(c.new)) for c in result.changes} == {
        ("amount", "1000.00", "1234.56"), ("currency", "USD", "EUR"),
    }  # fmt: skip
    with engine.connect() as conn:
        fields = conn.execute(
            select(CHANGE.field).where(CHANGE.deal_id == deal.id).order_by(CHANGE.field)
        ).scalars()
        assert list(fields) == ["amount", "currency"]
    # The version it was based on is checked like any other edit's: nothing written.
    with pytest.raises(StaleDealError):
        et.apply(engine, deal.id, deal.version, et.SetAmount(Decimal(5), "GBP"),
                 user_id=None, source="tui")  # fmt: skip
    with engine.connect() as conn:
        row = conn.execute(select(DEAL.currency, DEAL.amount_minor).where(DEAL.id == deal.id))
        assert row.one() == ("EUR", 123456)
    # Undo puts both back: the amount and the currency it was in.
    undone = revert(engine, result, result.deal.version, user_id=None, source="tui")
    assert (undone.deal.amount, undone.deal.currency) == (Decimal("1000.00"), "USD")


def test_a_bad_currency_code_is_refused(engine: Engine) -> None:
    b = Builder(engine)
    deal = b.deal(b.user("ann"), "Propose", "1000", date(2026, 12, 10))
    b.commit()
    assert deal.id is not None
    with pytest.raises(EditError):
        et.apply(engine, deal.id, deal.version, et.SetAmount(Decimal(5), "euro"),
                 user_id=None, source="tui")  # fmt: skip


def test_a_review_shows_each_deal_in_its_currency_and_its_figures_converted(
    engine: Engine, mixed: Builder
) -> None:
    with engine.connect() as conn:
        ann_id = conn.execute(select(table_of(User).c.id).where(table_of(User).c.login == "ann"))
        owner = int(ann_id.scalar_one())
    state = reviews.start_review(
        engine, started_by=owner, scope=reviews.ReviewScope(owner), period=Q4, today=TODAY
    )
    assert state.start_figures is not None
    start = state.start_figures.figures
    # From the review's start snapshot: rounded once, when stored.
    assert (start.closed_won, start.pipeline) == (Decimal("11900"), Decimal("28250.01"))
    # Walked, each deal is listed (those not reached are only counted).
    last = len(state.items) - 1
    for index in range(last + 1):
        state = reviews.move(
            engine, state.id, min(index + 1, last), mark="reviewed", seconds_spent=1,
            from_index=index,
        )  # fmt: skip
    summary = reviews.end_review(engine, state.id, today=TODAY, seconds_spent=1)
    markdown = reviews.summary_markdown(summary)
    assert "| €20,000 |" in markdown  # the EUR commit deal, as the rep entered it
    assert "| ¥1,000,000 |" in markdown
    assert "| Pipeline | $28,250 |" in markdown  # the figures, in the reporting currency
