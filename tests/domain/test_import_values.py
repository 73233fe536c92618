"""The pieces under the import: reading bytes into rows, and cells into values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline_tui.importing import FileRejected
from pipeline_tui.importing.reader import parse_bytes
from pipeline_tui.importing.stages import kind_from_name
from pipeline_tui.importing.values import Readers, read_money, salesforce_id
from pipeline_tui.parsing import ParseError, parse_money

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),  # Salesforce's own example
        ("0065g00000AbCdE", "0065g00000AbCdEAAV"),
        ("000000000000000", "000000000000000AAA"),
        ("ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"),
    ],
)
def test_salesforce_ids_widen_to_18_characters(short: str, long: str) -> None:
    assert salesforce_id(short) == long
    assert salesforce_id(long) == long  # already wide, or not an id: left alone
    assert salesforce_id("ID-17") == "ID-17"


@given(
    st.integers(0, 10**13 + 10**6),
    st.sampled_from(["", "USD ", "EUR ", "GBP "]),
    st.sampled_from([None, 0, 1, 2]),
    st.booleans(),
)
def test_the_money_shortcut_agrees_with_parse_money(
    whole: int, code: str, decimals: int | None, grouped: bool
) -> None:
    number = f"{whole:,}" if grouped else str(whole)
    text = code + number + ("" if decimals is None else "." + "7" * decimals)
    try:
        expected = parse_money(text)
    except ParseError as error:
        with pytest.raises(ParseError) as caught:
            read_money(text)
        assert str(caught.value) == str(error)
        return
    found = read_money(text)
    assert found == expected and found.amount.as_tuple() == expected.amount.as_tuple()


@pytest.mark.parametrize("text", ["0,500", "12,5", "1.234,56", "$1,234", "1,2345", "12k"])
def test_other_money_forms_go_to_parse_money(text: str) -> None:
    try:
        expected: object = parse_money(text)
    except ParseError as error:
        expected = str(error)
    try:
        found: object = read_money(text)
    except ParseError as error:
        found = str(error)
    assert found == expected


def readers(dayfirst: bool = False, fraction: bool = False) -> Readers:
    return Readers(today=TODAY, dayfirst=dayfirst, probability_is_fraction=fraction)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-04", datetime(2026, 3, 4, tzinfo=UTC)),
        ("2026-03-04T10:15:00Z", datetime(2026, 3, 4, 10, 15, tzinfo=UTC)),
        ("2026-03-04T10:15:00.000+0000", datetime(2026, 3, 4, 10, 15, tzinfo=UTC)),
        ("2026-03-04 12:00:00+02:00", datetime(2026, 3, 4, 10, 0, tzinfo=UTC)),
        ("3/4/2026 10:15 PM", datetime(2026, 3, 4, 22, 15, tzinfo=UTC)),
        ("3/4/2026, 12:05 AM", datetime(2026, 3, 4, 0, 5, tzinfo=UTC)),
        ("3/4/2026 09:30 -05:00", datetime(2026, 3, 4, 14, 30, tzinfo=UTC)),
        ("Mar 4, 2026", datetime(2026, 3, 4, tzinfo=UTC)),
    ],
)
def test_timestamps_with_and_without_zones(text: str, expected: datetime) -> None:
    assert readers().timestamp(text) == expected


def test_day_first_and_relative_dates() -> None:
    assert readers(dayfirst=True).day("04/03/26") == date(2026, 3, 4)
    assert readers().day("04/03/26") == date(2026, 4, 3)
    assert readers().day("2026-03-04T23:30:00-05:00") == date(2026, 3, 4)  # as written
    assert readers().day("3/31/2026 0:00") == date(2026, 3, 31)
    for relative in ("today", "+2w", "eoq", "friday", "-1d", "N/A"):
        assert isinstance(readers().day(relative), ParseError)
    assert isinstance(readers().day("1/1/1899"), ParseError)


def test_hubspot_probabilities_are_fractions() -> None:
    read = readers(fraction=True).probability
    assert (read("0.9"), read("1"), read("0"), read("0,25"), read("40%")) == (90, 100, 0, 25, 40)
    assert isinstance(read("1.5"), ParseError) and isinstance(read("lots"), ParseError)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Closed Won", "won"), ("Won", "won"), ("closedwon", "won"), ("Closed/Won", "won"),
        ("Closed - Won (Renewed)", "won"), ("Closed Lost", "lost"), ("Lost", "lost"),
        ("Closed Lost - No Decision", "lost"), ("closedlost", "lost"), ("Wonder", "open"),
        ("Won't proceed", "open"), ("Negotiation/Review", "open"), ("Closing", "open"),
    ],
)  # fmt: skip
def test_won_and_lost_stages_are_known_by_name(name: str, kind: str) -> None:
    assert kind_from_name(name) == kind


def test_reader_handles_delimiters_title_lines_and_line_breaks_in_values() -> None:
    data = (
        b"Pipeline report\r\nFiltered by: everything\r\n"
        b"Opportunity Name;Stage;Amount\r\n"
        b'"Two\r\nlines";Won;1\r\nSolo;Open;2\r\n'
    )
    table = parse_bytes(data, "x.csv")
    assert (table.delimiter, table.header) == (";", ["Opportunity Name", "Stage", "Amount"])
    assert table.rows == [(4, ["Two\r\nlines", "Won", "1"]), (6, ["Solo", "Open", "2"])]
    assert [p.line for p in table.skipped] == [1, 2]
    assert parse_bytes(b"sep=|\nA|B\n1|2\n", "x.csv").header == ["A", "B"]


def test_reader_decodes_utf16_and_json() -> None:
    utf16 = "Name\tStage\r\nÅsa\tWon\r\n".encode("utf-16")
    table = parse_bytes(utf16, "x.txt")
    assert (table.encoding, table.delimiter, table.rows) == ("UTF-16", "\t", [(2, ["Åsa", "Won"])])
    table = parse_bytes(b'[{"name": "A", "amount": 12.50, "won": true}, {"name": "B"}]', "x.json")
    assert (table.unit, table.header) == ("item", ["name", "amount", "won"])
    assert table.rows == [(1, ["A", "12.50", "true"]), (2, ["B", "", ""])]


def test_reader_refuses_control_characters_as_binary() -> None:
    with pytest.raises(FileRejected, match="binary"):
        parse_bytes(bytes(range(1, 32)) * 20, "x.csv")


def test_a_zone_after_a_space_still_counts() -> None:
    moment = readers().timestamp("2026-03-04 10:00:00 +01:00")
    assert moment == datetime(2026, 3, 4, 9, tzinfo=UTC) and moment.tzinfo is UTC
    assert readers().timestamp("2026-03-04 10:00 UTC") == datetime(2026, 3, 4, 10, tzinfo=UTC)
