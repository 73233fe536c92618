"""Periods as people type them, on the team's fiscal calendar."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline_tui.periods import (
    PeriodError,
    month_containing,
    no_close_date,
    parse_period,
    quarter_containing,
    year_containing,
)

TODAY = date(2026, 11, 26)
days = st.dates(min_value=date(1901, 1, 1), max_value=date(9997, 12, 31))
fiscal_starts = st.integers(min_value=1, max_value=12)


def parsed(text: str, fy: int = 1, **kwargs: bool) -> tuple[str, date | None, date | None]:
    period = parse_period(text, today=TODAY, fiscal_year_start_month=fy, **kwargs)
    return period.key, period.start, period.end


@pytest.mark.parametrize(
    "text",
    [
        "2017Q2",
        "Q2 2017",
        "q2 2017",
        "2017 Q2",
        "2017-Q2",
        "2017 - Q2",
        "Q2 - 2017",
        "FY2017 Q2",
        "Q2 FY2017",
        "Q2 FY17",
    ],
)
def test_a_quarter_in_every_way_it_is_written(text: str) -> None:
    # A February fiscal year: FY2017 runs from February 2016, so its Q2 is May-July 2016.
    assert parsed(text, fy=2) == ("2017Q2", date(2016, 5, 1), date(2016, 7, 31))
    assert parsed(text) == ("2017Q2", date(2017, 4, 1), date(2017, 6, 30))


@pytest.mark.parametrize("text", ["2017-05", "2017/05", "05/2017", "May 2017", "may-2017"])
def test_a_month_is_the_calendar_month(text: str) -> None:
    assert parsed(text, fy=2) == ("2017-05", date(2017, 5, 1), date(2017, 5, 31))


def test_month_names_short_and_long() -> None:
    assert parsed("Sept 2017")[0] == parsed("September 2017")[0] == "2017-09"
    assert parsed("2017 Dec")[0] == "2017-12"


def test_a_fiscal_year() -> None:
    assert parsed("FY2017", fy=2) == ("FY2017", date(2016, 2, 1), date(2017, 1, 31))
    assert parsed("fy 17", fy=2)[0] == "FY2017"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("this quarter", "2027Q4"),
        ("  this   quarter ", "2027Q4"),
        ("current quarter", "2027Q4"),
        ("next quarter", "2028Q1"),
        ("last quarter", "2027Q3"),
        ("this-month", "2026-11"),
    ],
)
def test_relative_periods_count_from_today(text: str, key: str) -> None:
    # 26 Nov 2026 with a February start: Q4 of FY2027 (November to January).
    assert parsed(text, fy=2)[0] == key


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2017", "a year alone: FY2017 for the fiscal year, 2017Q1 for a quarter"),
        ("2017-05-14", "a day: 2017-05 for its month, 2018Q2 for its quarter"),
        ("2017-02-30", "not a date"),
        ("13/2017", "month must be 01 to 12"),
        ("Mai 2017", "'Mai' is not a month"),
        ("", "empty"),
        ("none", "deals with no close date are in no period here"),
        ("0000Q1", "out of range"),
    ],
)
def test_bad_input_says_why(text: str, why: str) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(text, today=TODAY, fiscal_year_start_month=2)
    assert f"({why})" in str(raised.value)


def test_a_near_miss_says_what_to_type_and_no_more() -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period("2017", today=TODAY)
    assert str(raised.value) == (
        "Unknown period '2017' (a year alone: FY2017 for the fiscal year, 2017Q1 for a quarter)."
    )
    with pytest.raises(PeriodError, match=r"\(not a date\)\. Try 2026Q4"):
        parse_period("2017-02-30", today=TODAY)


@pytest.mark.parametrize("text", ["Q5 2017", "2017Q", "soon", "Q2 FY2017 and more"])
def test_nonsense_is_refused(text: str) -> None:
    with pytest.raises(PeriodError, match="Unknown period"):
        parse_period(text, today=TODAY)


@pytest.mark.parametrize("text", ["none", "No close date", "no-close-date", "undated"])
def test_no_close_date_only_where_it_is_allowed(text: str) -> None:
    period = parse_period(text, today=TODAY, allow_no_close_date=True)
    assert period == no_close_date()
    assert period.label == "No close date"
    assert period.contains(None) and not period.contains(TODAY)
    assert period.shift(1) == period


@given(days, fiscal_starts)
def test_a_quarter_typed_as_its_key_or_its_label_is_itself(day: date, fy: int) -> None:
    quarter = quarter_containing(day, fy)
    for text in (quarter.key, quarter.label, quarter.label.lower()):
        assert parse_period(text, today=TODAY, fiscal_year_start_month=fy) == quarter
    assert quarter.contains(day)


@given(days, fiscal_starts)
def test_a_month_typed_as_its_key_or_its_label_is_itself(day: date, fy: int) -> None:
    month = month_containing(day, fy)
    for text in (month.key, month.label):
        assert parse_period(text, today=TODAY, fiscal_year_start_month=fy) == month


@given(days, fiscal_starts)
def test_a_fiscal_year_typed_as_its_key_is_itself(day: date, fy: int) -> None:
    year = year_containing(day, fy)
    assert parse_period(year.key, today=TODAY, fiscal_year_start_month=fy) == year
    assert year.contains(day)


@given(days, fiscal_starts)
def test_a_day_typed_instead_of_a_period_names_its_quarter(day: date, fy: int) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(day.isoformat(), today=TODAY, fiscal_year_start_month=fy)
    assert quarter_containing(day, fy).key in str(raised.value)
