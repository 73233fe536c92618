"""Dates as real exports write them: day or month first as the file proves, hyphens,
two-digit years, Excel numbers; and a column that can't be read is one line, not one per row.

Expected dates are written out by hand here, from the fixture's own text.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine

from pipeline_tui.importing import FileRejected, RowsRejected, dry_run, import_file, write_problems
from pipeline_tui.importing.report import problem_lines
from pipeline_tui.importing.values import Readers
from pipeline_tui.parsing import ParseError
from tests.domain.test_import_support import FIXTURES, TODAY, options, snapshot, stored_deals

HYPHENS = FIXTURES / "dayfirst_hyphens.csv"
# Deal - Expected close date and Deal - Deal created of dayfirst_hyphens.csv, day first.
HYPHEN_DATES = {
    "Nordwind - Fleet": (date(2016, 10, 20), date(2016, 1, 5)),
    "Brandt - Licences": (date(2016, 11, 3), date(2016, 3, 2)),
    "Kaiser - Support": (date(2016, 6, 7), date(2016, 2, 4)),
    "Lindqvist - Seats": (date(2017, 3, 31), date(2016, 10, 11)),
}


def rendered(problems: list, unit: str = "line") -> list[str]:  # type: ignore[type-arg]
    console = Console(width=400, record=True, color_system=None)
    for line in problem_lines(problems, unit):
        console.print(line)
    return console.export_text().splitlines()


def by_name(engine: Engine) -> dict[str, dict]:  # type: ignore[type-arg]
    return {d["name"]: d for d in stored_deals(engine).values()}


def as_day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def test_day_first_hyphens_with_two_digit_years_are_proved_by_the_file(engine: Engine) -> None:
    report = dry_run(engine, HYPHENS, options())
    assert report.errors == []
    [notice] = [p.reason for p in report.warnings if "day first" in p.reason]
    assert "'20-10-16' in Deal - Expected close date can only be day first" in notice
    assert notice.endswith("pass --dayfirst to say so")
    assert "dayfirst=" not in notice and "next friday" not in notice

    import_file(engine, HYPHENS, options())
    deals = by_name(engine)
    found = {name: (as_day(d["close_date"]), as_day(d["created_at"])) for name, d in deals.items()}
    assert found == HYPHEN_DATES
    # Figures of the quarter the dates put deals in, against the hand-read dates.
    q4_2016 = sum(
        (d["amount"] for d in deals.values()
         if date(2016, 10, 1) <= d["close_date"] <= date(2016, 12, 31)),
        start=Decimal(0),
    )  # fmt: skip
    assert q4_2016 == Decimal(12000 + 30000)


def test_the_flag_agrees_with_the_file_and_says_nothing(engine: Engine) -> None:
    report = dry_run(engine, HYPHENS, options(dayfirst=True))
    assert not [p for p in report.warnings if "day first" in p.reason]
    import_file(engine, HYPHENS, options(dayfirst=True))
    assert {n: as_day(d["close_date"]) for n, d in by_name(engine).items()} == {
        n: close for n, (close, _) in HYPHEN_DATES.items()
    }


def test_monthfirst_against_a_day_first_file_is_one_line_naming_the_flags(
    engine: Engine,
) -> None:
    before = snapshot(engine)
    with pytest.raises(RowsRejected) as caught:
        import_file(engine, HYPHENS, options(monthfirst=True))
    values = sorted(p.value or "" for p in caught.value.problems)
    assert values == ["20-10-16", "31-03-17"]
    for problem in caught.value.problems:
        assert "can only be day first, but --monthfirst says month first" in problem.reason
        assert "pass --dayfirst instead" in problem.reason
    assert snapshot(engine) == before
    with pytest.raises(FileRejected, match="--dayfirst and --monthfirst"):
        options(dayfirst=True, monthfirst=True)


def test_dates_that_read_either_way_are_month_first_and_the_dry_run_says_so(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "ambiguous.csv"
    rows = ["Deal - Title,Deal - Value,Deal - Owner,Deal - Stage,Deal - Expected close date"]
    rows += [f"Deal {k},{k}000,Ines Vogel,Qualified,0{k}/0{k + 1}/2016" for k in range(1, 6)]
    rows += ["Same both ways,1000,Ines Vogel,Qualified,07/07/2016"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = dry_run(engine, path, options())
    assert report.counts.rejected == 0 and report.counts.created == 6
    [line] = [t for t in rendered(report.problems) if "could be day or month first" in t]
    assert "'01/02/2016' in Deal - Expected close date" in line
    assert "read month first (2 January)" in line and "--dayfirst" in line

    import_file(engine, path, options())
    assert as_day(by_name(engine)["Deal 1"]["close_date"]) == date(2016, 1, 2)
    import_file(engine, path, options(dayfirst=True))
    assert as_day(by_name(engine)["Deal 1"]["close_date"]) == date(2016, 2, 1)
    import_file(engine, path, options(monthfirst=True))
    assert as_day(by_name(engine)["Deal 1"]["close_date"]) == date(2016, 1, 2)


def test_an_unreadable_date_column_is_one_line_with_three_examples_and_the_count(
    engine: Engine, tmp_path: Path
) -> None:
    path = FIXTURES / "unreadable_dates.csv"
    report = dry_run(engine, path, options())
    assert report.counts.rejected == 5
    lines = rendered(report.problems)
    close_lines = [t for t in lines if "Close Date" in t]
    assert len(close_lines) == 1
    [line] = close_lines
    assert "Close Date: 5 lines can't be read as dates" in line
    assert "such as 'Q3 FY16', '2016.20.10', 'end of Oct' (lines 2, 3, 4, 5, 6)" in line
    assert "--dayfirst" in line and "dayfirst=" not in line
    # One bad cell in another column is still shown as its own line.
    assert [t for t in lines if "Created Date" in t] == [
        next(t for t in lines if "line 6, Created Date: Can't read '13/45/2016'" in t)
    ]
    for text in lines:
        assert "next friday" not in text and "+2w" not in text and "today" not in text

    before = snapshot(engine)
    with pytest.raises(RowsRejected) as caught:
        import_file(engine, path, options())
    assert snapshot(engine) == before
    # The rejected rows' file still has every row, for fixing them one by one.
    written = tmp_path / "errors.csv"
    assert write_problems(written, caught.value.problems) == 6
    with open(written, newline="", encoding="utf-8") as stream:
        assert [row[:3] for row in csv.reader(stream)][1:3] == [
            ["2", "Close Date", "Q3 FY16"], ["3", "Close Date", "2016.20.10"],
        ]  # fmt: skip


def test_excel_date_numbers_are_read_when_the_whole_column_is_numbers(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(
        "Deal - Title,Deal - Value,Deal - Owner,Deal - Stage,Deal - Expected close date,"
        "Deal - Deal created\n"
        "Serial One,1000,Ines Vogel,Qualified,42663,42552.375\n"
        "Serial Two,2000,Ines Vogel,Qualified,42735,42401\n",
        encoding="utf-8",
    )
    import_file(engine, path, options())
    deals = by_name(engine)
    # Excel counts days from 1899-12-30: 42663 is 2016-10-20, 42552.375 is 2016-07-01 09:00.
    assert as_day(deals["Serial One"]["close_date"]) == date(2016, 10, 20)
    assert as_day(deals["Serial Two"]["close_date"]) == date(2016, 12, 31)
    assert deals["Serial One"]["created_at"] == datetime(2016, 7, 1, 9, tzinfo=UTC)


def test_a_number_among_dates_is_not_an_excel_date(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "Deal - Title,Deal - Value,Deal - Owner,Deal - Stage,Deal - Expected close date\n"
        "A,1000,Ines Vogel,Qualified,42663\n"
        "B,1000,Ines Vogel,Qualified,2016-10-20\n",
        encoding="utf-8",
    )
    report = dry_run(engine, path, options())
    assert [(p.line, p.value) for p in report.errors] == [(2, "42663")]


@pytest.mark.parametrize(
    "text",
    [
        "20-10-16", "20-10-2016", "20.10.16", "20/10/16", "2016-10-20T09:00:00Z",
        "2016-10-20", "Oct 20, 2016", "20-Oct-16", "Thursday, October 20, 2016",
        "20 October 2016 09:00",
    ],
)  # fmt: skip
def test_every_layout_of_one_day_first_date(text: str) -> None:
    readers = Readers(today=TODAY, dayfirst=True, probability_is_fraction=False)
    assert readers.day(text) == date(2016, 10, 20)


@pytest.mark.parametrize("text", ["10/20/16", "10-20-2016", "10/20/2016 9:00 AM", "42663"])
def test_every_layout_of_one_month_first_date(text: str) -> None:
    readers = Readers(today=TODAY, dayfirst=None, probability_is_fraction=False)
    readers.settle_dates({"close_date": [text]}, {})
    assert readers.day(text) == date(2016, 10, 20) or readers.serial_day(text) == date(2016, 10, 20)


@pytest.mark.parametrize("text", ["October 2016", "next friday", "Oct 20", "2016"])
def test_a_date_with_a_part_missing_is_refused_with_file_forms(text: str) -> None:
    readers = Readers(today=TODAY, dayfirst=True, probability_is_fraction=False)
    found = readers.day(text)
    assert isinstance(found, ParseError)
    assert "next friday" not in found.accepted and "--dayfirst" in found.accepted


def test_a_date_against_the_files_proven_order_is_refused_naming_the_proof(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "mixed_order.csv"
    rows = ["Deal - Title,Deal - Value,Deal - Owner,Deal - Stage,Deal - Expected close date"]
    rows += [f"Day {k},1000,Ines Vogel,Qualified,{k}/01/2016" for k in (13, 14, 15)]
    rows += [
        "Month,1000,Ines Vogel,Qualified,01/20/2016",
        "Either,1000,Ines Vogel,Qualified,02/03/2016",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = dry_run(engine, path, options())
    [error] = report.errors
    assert (error.line, error.value) == (5, "01/20/2016")
    assert (
        "can only be month first, but the file's other dates are day first (such as '13/01/2016')"
        in error.reason
    )
    assert [row["close_date"] for row in report.preview if row["line"] == "6"] == ["2016-03-02"]
