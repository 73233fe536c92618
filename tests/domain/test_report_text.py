"""The shared Markdown and CSV writers of `pipeline_tui.display`: data that would start a
Markdown block stays text wherever it lands, and a CSV cell never runs as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from markdown_it import MarkdownIt

from pipeline_tui.display import csv_of, markdown_header, markdown_literal, markdown_row

BLOCK_STARTS = ["# x", "###### x", "#", "- x", "-", "+ x", "1. x", "2) x", "---", "- - -", "==="]


def blocks(markdown: str) -> list[str]:
    return [t.type for t in MarkdownIt("commonmark").enable("table").parse(markdown)]


@pytest.mark.parametrize("value", BLOCK_STARTS)
def test_data_at_the_start_of_a_line_is_a_paragraph(value: str) -> None:
    """`# x` alone would be a heading, `- x` a list, `---` a rule; under a line of text
    `===` and `---` would make that line a heading."""
    for markdown in (markdown_literal(value), "a\n" + markdown_literal(value)):
        tokens = MarkdownIt("commonmark").parse(markdown)
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
        children = tokens[1].children or []
        shown = "".join(c.content if c.type != "softbreak" else "\n" for c in children)
        assert shown == markdown.replace(markdown_literal(value), value)


def test_a_trailing_hash_stays_in_a_heading() -> None:
    tokens = MarkdownIt("commonmark").parse("# " + markdown_literal("Deal #"))
    assert tokens[1].children is not None
    assert "".join(c.content for c in tokens[1].children) == "Deal #"


def test_figures_are_not_escaped() -> None:
    """Money and signed figures start no block: a report reads as it did."""
    assert markdown_row("-$13,500", "+$27,000", "80-100%", "-6.0 pts", "#3 67%") == (
        "| -$13,500 | +$27,000 | 80-100% | -6.0 pts | #3 67% |"
    )


def test_a_row_is_one_line_of_its_cells_and_none_is_empty() -> None:
    row = markdown_row("a|b", "two\nlines", None, 3)
    assert row == "| a\\|b | two lines |  | 3 |"
    table = "\n".join([*markdown_header(["n", "x", "y", "z"], right=["z"]), row])
    assert table.splitlines()[1] == "|---|---|---|---:|"
    assert blocks(table).count("td_open") == 4


def test_csv_makes_formulas_inert_and_keeps_numbers() -> None:
    rows = [
        {"name": "=1+1", "note": "@SUM(A1)", "gap": "-5000.00", "n": 3, "x": None},
        {"name": "-2+3", "note": "+44 20 7946", "gap": "+1", "n": -2},
        {"name": "'quoted", "note": "plain, with a comma", "gap": "1.5", "n": 0.25},
    ]
    out = csv_of(rows, ["name", "note", "gap", "n", "x"])
    assert out.splitlines()[0] == "name,note,gap,n,x"
    parsed = list(csv.reader(io.StringIO(out)))[1:]
    assert parsed == [
        ["'=1+1", "'@SUM(A1)", "-5000.00", "3", ""],
        ["'-2+3", "'+44 20 7946", "+1", "-2", ""],
        ["''quoted", "plain, with a comma", "1.5", "0.25", ""],
    ]


def test_csv_cells_are_clean_one_line_each() -> None:
    out = csv_of([{"name": "a\nb\r\x1b[2J\tc"}], ["name"])
    assert out == "name\na b␍␛[2J c\n"
