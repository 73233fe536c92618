from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.errors import InputError
from pipeline_tui.money import CURRENCY_SYMBOLS, format_money
from pipeline_tui.parsing import (
    Money,
    ParseError,
    parse_amount,
    parse_date,
    parse_money,
    parse_probability,
    parse_text,
)

TODAY = date(2026, 11, 26)  # a Thursday


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("12k", "12000", None),
        ("12K", "12000", None),
        ("12 k", "12000", None),
        ("1.5M", "1500000", None),
        ("2m", "2000000", None),
        ("1.2b", "1200000000", None),
        ("1.2bn", "1200000000", None),
        ("1.2BN", "1200000000", None),
        ("12,5k", "12500", None),
        ("$12,000.50", "12000.50", "USD"),
        ("$ 12,000.50", "12000.50", "USD"),
        ("12000", "12000", None),
        ("12,000", "12000", None),
        ("1,234,567.89", "1234567.89", None),
        ("  12000  ", "12000", None),
        ("0", "0", None),
        ("USD 485,000.00", "485000", "USD"),
        ("USD485000", "485000", "USD"),
        ("485,000.00 USD", "485000", "USD"),
        ("12k USD", "12000", "USD"),
        ("EUR 1.234,56", "1234.56", "EUR"),
        ("€1.234,56", "1234.56", "EUR"),
        ("1 234,56 €", "1234.56", "EUR"),
        ("1\u00a0234,56\u00a0€", "1234.56", "EUR"),
        ("1\u202f234,56 €", "1234.56", "EUR"),
        ("£12k", "12000", "GBP"),
        ("¥1,000", "1000", "JPY"),
        ("CHF 1'234.50", "1234.50", "CHF"),
        ("A$1.2M", "1200000", "AUD"),
        ("C$12k", "12000", "CAD"),
        ("12,5", "12.50", None),
        ("12,50", "12.50", None),
        ("1.234.567", "1234567", None),
        ("1.234.567,8", "1234567.80", None),
        ("0.125k", "125", None),
        ("12.500", "12.50", None),  # trailing zeros are not precision
        ("1.0005k", "1000.50", None),
        ("9999999999999.99", "9999999999999.99", None),
    ],
)
def test_money_forms(text: str, amount: str, currency: str | None) -> None:
    money = parse_money(text)
    assert money == Money(Decimal(amount), currency)
    assert money.amount.as_tuple().exponent == -2
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "decimal_comma", "amount"),
    [
        ("1.234,56", True, "1234.56"),
        ("1 234,56", True, "1234.56"),
        ("1'234,5", True, "1234.50"),
        ("1,230", True, "1.23"),
        ("1,5", True, "1.50"),
        ("12.000", True, "12000"),
        ("1.5M", False, "1500000"),
        ("1.230", False, "1.23"),
        ("12,000", False, "12000"),
        ("1,234.56", False, "1234.56"),
    ],
)
def test_money_explicit_decimal_separator(text: str, decimal_comma: bool, amount: str) -> None:
    assert parse_amount(text, decimal_comma=decimal_comma) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "decimal_comma"),
    [("12,5", False), ("1,234.56", True), ("1.234,56", False), ("1,2,3", True)],
)
def test_money_explicit_separator_rejects_the_other_convention(
    text: str, decimal_comma: bool
) -> None:
    with pytest.raises(ParseError):
        parse_money(text, decimal_comma=decimal_comma)


@pytest.mark.parametrize(
    "text",
    [
        "-",
        "abc",
        "",
        "   ",
        "12kk",
        "1.2.3",
        "$",
        "nan",
        "NaN",
        "inf",
        "1e5",
        "12,3456",
        "12,34,567",
        "0,500",
        "1,234 567",
        "12.",
        ",5",
        "usd 12",
        "USD",
        "12 $ USD",
        "(12)",
        "12k5",
        "1,2.3",
        "½",
        "١٢",
    ],
)
def test_money_rejects_garbage(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_money(text)
    assert caught.value.value == text
    assert f"'{text}'" in str(caught.value)
    assert "12k" in str(caught.value)
    assert caught.value.accepted in str(caught.value)


@pytest.mark.parametrize("text", ["-12", "-$12", "$-12", "−12", "EUR -1.234,56"])
def test_money_rejects_negative_amounts(text: str) -> None:
    with pytest.raises(ParseError, match="negative"):
        parse_money(text)


@pytest.mark.parametrize(
    "text", ["10000000000000", "10,000,000,000,000.00", "10000bn", "9999999999999.999k", "9" * 90]
)
def test_money_rejects_amounts_too_large(text: str) -> None:
    with pytest.raises(ParseError, match="too large"):
        parse_money(text)


def test_parse_error_is_a_value_error_and_truncates_huge_input() -> None:
    text = "x" * 5000
    with pytest.raises(ValueError) as caught:
        parse_money(text)
    assert isinstance(caught.value, ParseError)
    assert caught.value.value == text
    assert len(str(caught.value)) < 200


cents = st.decimals(
    min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
).map(abs)  # abs() turns a generated -0.00 into 0.00


@given(cents)
def test_money_round_trips_formatted_amounts(amount: Decimal) -> None:
    us = f"{amount:,.2f}"
    european = us.translate(str.maketrans(",.", ".,"))
    assert parse_money(us) == Money(amount, None)
    assert parse_money(f"${us}") == Money(amount, "USD")
    assert parse_money(f"USD {us}") == Money(amount, "USD")
    assert parse_money(european) == Money(amount, None)
    assert parse_money(f"EUR {european}") == Money(amount, "EUR")
    assert parse_money(f"{european.replace('.', ' ')} €") == Money(amount, "EUR")


@given(
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from([*CURRENCY_SYMBOLS, "CHF"]),
)
def test_money_reads_what_format_money_writes(whole: int, currency: str) -> None:
    amount = Decimal(whole)
    assert parse_money(format_money(amount, currency)) == Money(amount, currency)


def test_money_reads_compact_format_money_output() -> None:
    assert parse_money(format_money(Decimal(1_200_000), compact=True)) == Money(
        Decimal(1_200_000), "USD"
    )
    assert parse_amount(format_money(Decimal(45_000), "EUR", compact=True)) == Decimal(45_000)


# --- probability -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70", 70),
        ("70%", 70),
        (" 70 % ", 70),
        ("0", 0),
        ("0%", 0),
        ("100", 100),
        ("100%", 100),
        ("007", 7),
        ("12.5", 13),
        ("12.5%", 13),
        ("12,5%", 13),
        ("12.4", 12),
        ("0.5", 1),
        ("99.5", 100),
        ("100.0", 100),
        ("+70", 70),
    ],
)
def test_probability_forms(text: str, expected: int) -> None:
    assert parse_probability(text) == expected


@pytest.mark.parametrize("text", ["101", "100.4", "-1", "-0.5", "1000%"])
def test_probability_rejects_out_of_range(text: str) -> None:
    with pytest.raises(ParseError, match="between 0 and 100"):
        parse_probability(text)


@pytest.mark.parametrize("text", ["", "abc", "%", "70%%", "7 0", "1e2", "nan", "seventy", "½"])
def test_probability_rejects_garbage(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_probability(text)
    assert f"'{text}'" in str(caught.value)
    assert "70%" in str(caught.value)


@given(st.integers(min_value=0, max_value=100))
def test_probability_round_trips(p: int) -> None:
    assert parse_probability(str(p)) == p
    assert parse_probability(f"{p}%") == p


# --- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", "2026-12-31"),
        ("2026-12-31T23:00:00Z", "2026-12-31"),
        ("2026-12-31 10:00:00+02:00", "2026-12-31"),
        ("2026-12-31T23:30:00-08:00", "2026-12-31"),
        ("2026-12-31T24:00:00", "2026-12-31"),
        ("2026/12/31", "2026-12-31"),
        ("2026/1/5", "2026-01-05"),
        ("12/31/2026", "2026-12-31"),
        ("12-31-2026", "2026-12-31"),
        ("10/20/16", "2016-10-20"),
        ("1/5/2026", "2026-01-05"),
        ("12/31/26", "2026-12-31"),
        ("01/01/75", "2075-01-01"),
        ("01/01/77", "1977-01-01"),
        ("31.12.2026", "2026-12-31"),
        ("5.1.2026", "2026-01-05"),
        ("31.12.26", "2026-12-31"),
        ("Dec 31, 2026", "2026-12-31"),
        ("December 31st 2026", "2026-12-31"),
        ("sept. 1, 2026", "2026-09-01"),
        ("31 Dec 2026", "2026-12-31"),
        ("31-Dec-26", "2026-12-31"),
        ("today", "2026-11-26"),
        ("TODAY", "2026-11-26"),
        (" Today ", "2026-11-26"),
        ("tomorrow", "2026-11-27"),
        ("yesterday", "2026-11-25"),
        ("+2w", "2026-12-10"),
        ("+2W", "2026-12-10"),
        ("+3d", "2026-11-29"),
        ("+0d", "2026-11-26"),
        ("+ 3 d", "2026-11-29"),
        ("-1w", "2026-11-19"),
        ("-3d", "2026-11-23"),
        ("+1m", "2026-12-26"),
        ("+1q", "2027-02-26"),
        ("-1q", "2026-08-26"),
        ("+1y", "2027-11-26"),
        ("eom", "2026-11-30"),
        ("EOM", "2026-11-30"),
        ("end of month", "2026-11-30"),
        ("eoq", "2026-12-31"),
        ("end of quarter", "2026-12-31"),
        ("eoy", "2026-12-31"),
        ("end-of-year", "2026-12-31"),
        ("next-quarter", "2027-03-31"),
        ("next quarter", "2027-03-31"),
        ("Next  Quarter", "2027-03-31"),
        ("next week", "2026-12-03"),
        ("next month", "2026-12-26"),
        ("friday", "2026-11-27"),
        ("fri", "2026-11-27"),
        ("FRI", "2026-11-27"),
        ("next friday", "2026-11-27"),
        ("next fri", "2026-11-27"),
        ("saturday", "2026-11-28"),
        ("sun", "2026-11-29"),
        ("monday", "2026-11-30"),
        ("tues", "2026-12-01"),
        ("wed", "2026-12-02"),
        ("thursday", "2026-12-03"),  # strictly after today, so not today itself
        ("next thurs", "2026-12-03"),
    ],
)
def test_date_forms(text: str, expected: str) -> None:
    assert parse_date(text, today=TODAY) == d(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2026", "2026-12-31"),
        ("05/01/2026", "2026-01-05"),
        ("31/12/26", "2026-12-31"),
        ("31.12.2026", "2026-12-31"),
        ("31-12-2026", "2026-12-31"),
        ("20-10-16", "2016-10-20"),
        ("2026-12-31", "2026-12-31"),
        ("today", "2026-11-26"),
    ],
)
def test_date_forms_dayfirst(text: str, expected: str) -> None:
    assert parse_date(text, today=TODAY, dayfirst=True) == d(expected)


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        ("2026-01-31", "+1m", "2026-02-28"),
        ("2024-01-31", "next month", "2024-02-29"),
        ("2026-12-31", "tomorrow", "2027-01-01"),
        ("2026-12-15", "eom", "2026-12-31"),
        ("2026-02-03", "eom", "2026-02-28"),
        ("2026-11-30", "+1q", "2027-02-28"),
    ],
)
def test_relative_dates_at_month_ends(today: str, text: str, expected: str) -> None:
    assert parse_date(text, today=d(today)) == d(expected)


@pytest.mark.parametrize(
    ("start", "today", "eoq", "next_quarter", "eoy"),
    [
        (1, "2026-11-26", "2026-12-31", "2027-03-31", "2026-12-31"),
        (1, "2026-01-01", "2026-03-31", "2026-06-30", "2026-12-31"),
        (2, "2026-11-26", "2027-01-31", "2027-04-30", "2027-01-31"),
        (2, "2026-01-15", "2026-01-31", "2026-04-30", "2026-01-31"),
        (2, "2026-02-01", "2026-04-30", "2026-07-31", "2027-01-31"),
        (2, "2026-05-31", "2026-07-31", "2026-10-31", "2027-01-31"),
        (4, "2026-11-26", "2026-12-31", "2027-03-31", "2027-03-31"),
        (7, "2026-11-26", "2026-12-31", "2027-03-31", "2027-06-30"),
        (10, "2026-11-26", "2026-12-31", "2027-03-31", "2027-09-30"),
        (12, "2026-11-26", "2026-11-30", "2027-02-28", "2026-11-30"),
        (3, "2027-12-15", "2028-02-29", "2028-05-31", "2028-02-29"),
    ],
)
def test_fiscal_quarters(start: int, today: str, eoq: str, next_quarter: str, eoy: str) -> None:
    def parse(text: str) -> date:
        return parse_date(text, today=d(today), fiscal_year_start_month=start)

    assert parse("eoq") == d(eoq)
    assert parse("next-quarter") == d(next_quarter)
    assert parse("eoy") == d(eoy)
    assert parse("eom") == parse_date("eom", today=d(today))


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)), st.integers(min_value=1, max_value=12))
def test_fiscal_quarter_ends_are_consistent(today: date, start: int) -> None:
    eoq = parse_date("eoq", today=today, fiscal_year_start_month=start)
    next_quarter = parse_date("next quarter", today=today, fiscal_year_start_month=start)
    eoy = parse_date("eoy", today=today, fiscal_year_start_month=start)
    assert today <= eoq < today + timedelta(days=92)
    assert (eoq + timedelta(days=1)).day == 1
    assert (eoq.month - start + 1) % 3 == 0
    assert next_quarter == parse_date(
        "eoq", today=eoq + timedelta(days=1), fiscal_year_start_month=start
    )
    assert eoq <= eoy < today + timedelta(days=366)
    assert (eoy.month % 12) + 1 == start


def test_fiscal_year_start_month_must_be_a_month() -> None:
    for bad in (0, 13):
        with pytest.raises(ValueError, match="fiscal_year_start_month") as caught:
            parse_date("eoq", today=TODAY, fiscal_year_start_month=bad)
        assert not isinstance(caught.value, ParseError)


def test_today_defaults_to_the_clock() -> None:
    before = date.today()
    assert parse_date("today") in {before, date.today()}


@pytest.mark.parametrize(
    "text",
    [
        "soon",
        "2026-13-01",
        "32/01/2026",
        "",
        "   ",
        "+w",
        "next blursday",
        "12",
        "dec",
        "Dec 31",
        "dec 2026",
        "12/31",
        "2026",
        "2026-12",
        "20261231",
        "2026-02-30",
        "02/30/2026",
        "13/13/2026",
        "2026-12-31T25:00",
        "2026-12-31 and then some",
        "2026-W01",
        "next",
        "+2x",
        "2w",
        "++2w",
        "+99999y",
        "smarch 3, 2026",
        "31-12-2026",
        "31/12/2026 10:00",
    ],
)
def test_date_rejects_garbage(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, today=TODAY)
    message = str(caught.value)
    assert caught.value.value == text
    assert f"'{text}'" in message
    assert "2026-12-31" in message
    assert "+2w" in message
    assert "next friday" in message


def test_impossible_month_first_date_says_how_it_was_read() -> None:
    # The app's prompts have no day-first switch, and a Python argument means nothing
    # to the person typing: the message says how it was read and what to write.
    with pytest.raises(
        ParseError, match=r"no month 31 \(this reads month first\); write 2026-12-31"
    ):
        parse_date("31/12/2026", today=TODAY)
    with pytest.raises(ParseError) as caught:
        parse_date("12-31-26", today=TODAY, dayfirst=True)
    assert "(this reads day first); write 2026-12-31" in str(caught.value)
    assert "dayfirst=" not in str(caught.value)


def test_impossible_day_first_date_lists_the_day_first_form() -> None:
    with pytest.raises(ParseError) as caught:
        parse_date("12/31/2026", today=TODAY, dayfirst=True)
    assert "31/12/2026" in caught.value.accepted


def test_date_arithmetic_overflow_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_date("tomorrow", today=date.max)
    with pytest.raises(ParseError):
        parse_date("-1d", today=date.min)


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)))
def test_date_round_trips(day: date) -> None:
    assert parse_date(day.isoformat(), today=TODAY) == day
    assert parse_date(day.strftime("%m/%d/%Y"), today=TODAY) == day
    assert parse_date(day.strftime("%d/%m/%Y"), today=TODAY, dayfirst=True) == day
    assert parse_date(day.strftime("%d.%m.%Y"), today=TODAY) == day


@given(st.integers(min_value=0, max_value=3650))
def test_plus_days_is_today_plus_days(days: int) -> None:
    assert parse_date(f"+{days}d", today=TODAY) == TODAY + timedelta(days=days)


# --- nothing but ParseError escapes ------------------------------------------------

junk = st.one_of(
    st.text(),
    # Mostly characters the parsers care about, to get past their first checks.
    st.text(alphabet="0123456789.,'$€£¥ -+/%:TZkmbKMBUSDEURdwqynext", max_size=30),
)


@settings(max_examples=300)
@given(junk, st.sampled_from([None, True, False]))
def test_money_raises_only_parse_error(text: str, decimal_comma: bool | None) -> None:
    with contextlib.suppress(ParseError):
        parse_money(text, decimal_comma=decimal_comma)


@settings(max_examples=300)
@given(junk)
def test_probability_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_probability(text)


@settings(max_examples=300)
@given(junk, st.booleans(), st.integers(min_value=1, max_value=12), st.dates())
def test_date_raises_only_parse_error(text: str, dayfirst: bool, start: int, today: date) -> None:
    with contextlib.suppress(ParseError):
        parse_date(text, today=today, dayfirst=dayfirst, fiscal_year_start_month=start)


class _Refused(InputError):
    pass


def test_parse_text_strips_and_leaves_out_an_optional_blank() -> None:
    assert parse_text("  a note \n", 10, empty=None, too_long="long") == "a note"
    assert parse_text("   ", 10, empty=None, too_long="long") is None
    assert parse_text(None, 10, empty=None, too_long="long") is None
    assert parse_text("x" * 10, 10, empty="empty", too_long="long") == "x" * 10


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "Say something."), (" \t", "Say something."), ("x" * 11, "11 of 10 characters")],
)
def test_parse_text_refuses_with_the_callers_message(value: str | None, message: str) -> None:
    with pytest.raises(_Refused) as refused:
        parse_text(
            value, 10, empty="Say something.", too_long="{length} of {limit} characters",
            error=_Refused,
        )  # fmt: skip
    assert str(refused.value) == message
