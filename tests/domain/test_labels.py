"""Fields and values in words: what every history, summary, Markdown, toast and report says.

One change of each field an edit or an import writes is put in a deal's history; each
place that shows history is then read whole, and no field name (`close_date`), category
code (`best_case`) or stored amount (`18900.00`) may be in it.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from pipeline_tui import reviews
from pipeline_tui.cli import main
from pipeline_tui.labels import (
    FIELD_LABELS,
    category_label,
    change_text,
    date_text,
    field_label,
    field_value,
)
from pipeline_tui.models import DealChange, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services.conflicts import describe, writes_after
from pipeline_tui.services.detail import get_deal
from pipeline_tui.services.writes import FieldChange, StageRef

from ..factories import Builder
from .test_reviews import cli_url

TODAY = date(2026, 11, 26)
# (field, stored old value, stored new value, what people read) for every field the
# history holds: an edit's fields and the ones an import adds.
HISTORY = [
    ("amount", "18900.00", "250000.00", "Amount: $18,900 → $250,000"),
    ("forecast_category", "best_case", "commit", "Forecast category: Best case → Commit"),
    ("close_date", "2026-12-20", "2027-01-15", "Close date: 2026-12-20 → 2027-01-15"),
    ("probability", "40", "60", "Probability: 40% → 60%"),
    ("stage", "Propose", "Negotiate", "Stage: Propose → Negotiate"),
    ("push_count", "0", "1", "Pushes: 0 → 1"),
    ("next_step", None, "Call the CFO", "Next step: none → Call the CFO"),
    ("lost_reason", None, "Price", "Lost reason: none → Price"),
    ("closed_date", None, "2026-11-20", "Closed on: none → 2026-11-20"),
    ("created", None, "2026-01-05T09:30:00", "Created: none → 2026-01-05 09:30"),
]
RAW = [f for f in FIELD_LABELS if "_" in f] + ["best_case", "18900.00", "250000.00"]
RAW_DECIMAL = re.compile(r"(?<![\d,])\d{4,}\.\d\d\b")  # 18900.00, never $18,900.50


def assert_in_words(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} shown raw in:\n{text}"
    assert not RAW_DECIMAL.search(text), text


def test_the_words_for_each_field_and_value() -> None:
    for field, old, new, words in HISTORY:
        assert change_text(field, old, new, "USD") == words
    assert field_label("close_date") == "Close date"
    assert field_label("some_new_field") == "Some new field"
    assert [category_label(c) for c in ("pipeline", "best_case", "commit", "omitted")] == [
        "Pipeline",
        "Best case",
        "Commit",
        "Omitted",
    ]
    # Typed values, as an edit hands them over, read the same as the history's text.
    assert field_value("amount", Decimal("18900"), "USD") == "$18,900"
    assert field_value("close_date", date(2026, 12, 20), "USD") == "2026-12-20"
    assert field_value("stage", StageRef(3, "Negotiate"), "USD") == "Negotiate"
    # Cents show only when there are some; a currency with no symbol follows the amount.
    assert field_value("amount", "18900.50", "USD") == "$18,900.50"
    assert field_value("amount", "-1234.05", "SEK") == "-1,234.05 SEK"
    assert field_value("amount", "1000000.00", "EUR") == "€1,000,000"
    # Unreadable history is shown as written rather than lost or crashing.
    assert field_value("amount", "NaN", "USD") == "NaN"
    assert field_value("close_date", "soon", "USD") == "soon"
    assert field_value("probability", "high", "USD") == "high"
    assert field_value("amount", None, "USD") == "none"
    assert field_value("amount", "", "USD", missing="—") == "—"
    assert date_text(datetime(2026, 11, 26, 14, 2)) == "2026-11-26 14:02"


def test_toasts_and_status_lines_say_each_field_in_words() -> None:
    from pipeline_tui.ui.screens.editing import describe as edit_text

    typed = [
        FieldChange("amount", Decimal("18900.00"), Decimal("250000.00")),
        FieldChange("forecast_category", "best_case", "commit"),
        FieldChange("close_date", date(2026, 12, 20), date(2027, 1, 15)),
        FieldChange("probability", 40, 60),
        FieldChange("stage", StageRef(1, "Propose"), StageRef(2, "Negotiate")),
        FieldChange("push_count", 0, 1),
    ]
    shown = [edit_text(c, "USD") for c in typed]
    assert shown == [words for _, _, _, words in HISTORY[:6]]
    assert_in_words("\n".join(shown))


@pytest.fixture
def history(engine: Engine) -> tuple[int, int, datetime]:
    """A deal with one change of every field, made by its manager during a review of his
    team; returns the deal, the review and when the changes were made."""
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann = b.user("ann", manager=mgr)
    deal = b.deal(ann, "Negotiate", "250000", date(2027, 1, 15), probability=60)
    b.commit()
    assert deal.id is not None and mgr.id is not None
    review = reviews.start_review(
        engine,
        started_by=mgr.id,
        scope=reviews.ReviewScope(mgr.id),
        period=parse_period("all", today=TODAY),
        today=TODAY,
    )
    # In the meeting: after it started, before it ends (the test ends it right after).
    at = review.started_at + timedelta(milliseconds=1)
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(DealChange)),
            [
                {
                    "deal_id": deal.id,
                    "field": field,
                    "old_value": old,
                    "new_value": new,
                    "changed_by_id": mgr.id,
                    "changed_at": at,
                    "source": "tui",
                }
                for field, old, new, _ in HISTORY
            ],
        )
    return deal.id, review.id, at


def test_the_deal_history_says_each_field_in_words(
    engine: Engine, history: tuple[int, int, datetime]
) -> None:
    from pipeline_tui.ui.widgets.deal_view import history_text

    deal_id, _, _ = history
    shown = history_text(get_deal(engine, deal_id, today=TODAY), "USD").plain
    for _, _, _, words in HISTORY:
        assert words.replace("none", "—") in shown
    assert_in_words(shown)


def test_the_review_summary_says_each_field_in_words(
    engine: Engine, history: tuple[int, int, datetime]
) -> None:
    _, review_id, _ = history
    time.sleep(0.01)  # the changes were made 1 ms after the start: the end comes later
    summary = reviews.end_review(engine, review_id, today=TODAY)
    assert {c.field for c in summary.changes} == {f for f, _, _, _ in HISTORY}
    markdown = reviews.summary_markdown(summary)
    assert "| Forecast category | Best case | Commit | Mgr |" in markdown
    assert "| Amount | $18,900 | $250,000 | Mgr |" in markdown
    assert "| Close date | 2026-12-20 | 2027-01-15 | Mgr |" in markdown
    assert_in_words(markdown)
    # The review walk's "changed in this meeting" reads the same.
    diffs = [reviews.FieldDiff(f, old, new) for f, old, new, _ in HISTORY]
    walk = [f"{d.label}: {d.before_text('USD')} → {d.after_text('USD')}" for d in diffs]
    assert walk == [words.replace("none", "—") for _, _, _, words in HISTORY]
    # JSON is for programs: it keeps the stored names and values.
    assert {"field": "close_date", "before": "2026-12-20"}.items() <= next(
        c for c in summary.as_dict()["changes"] if c["field"] == "close_date"
    ).items()


def test_someone_elses_change_is_told_in_words(
    engine: Engine, history: tuple[int, int, datetime]
) -> None:
    deal_id, _, at = history
    with engine.connect() as conn:
        said = describe(writes_after(conn, deal_id, 1, 2), currency="USD", now=at)
    assert said is not None
    assert said.startswith("Mgr changed amount $18,900 → $250,000, forecast category Best case")
    assert_in_words(said)


def test_the_changes_report_is_in_words(
    engine: Engine, history: tuple[int, int, datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    """A guard more than a fix: `changes` already spoke in words; it now shares the dates."""
    for url in cli_url(engine):
        base = ["changes", "--db", url, "--since", "2026-01-01", "--period", "2027Q1"]
        for fmt in ("markdown", "table"):
            assert main([*base, "--format", fmt]) == 0
            out = capsys.readouterr().out
            assert "$250" in out and "2027-01-15" in out
            assert_in_words(out)
