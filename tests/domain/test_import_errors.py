"""Bad files and bad rows: one clear message each, and the database as it was."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from pipeline_tui.importing import (
    FileRejected,
    ImportFailed,
    RowsRejected,
    dry_run,
    import_file,
    parse_pairs,
    write_problems,
)
from pipeline_tui.importing.values import CATEGORY_NAMES, squash
from tests.domain.test_import_support import FIXTURES, options, snapshot

HEADER = [
    "Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage",
    "Amount", "Probability (%)", "Close Date", "Created Date", "Forecast Category", "Next Step",
]  # fmt: skip
GOOD = [
    ["006A", "Alpha", "Acme", "Jane Doe", "Prospecting", "USD 1,000.00", "10%", "3/31/2026",
     "1/15/2026", "Pipeline", "Call"],
    ["006B", "Beta", "Beta Ltd", "John Roe", "Closed Won", "USD 2,500.00", "100%", "2/28/2026",
     "1/2/2026", "Closed", "-"],
    ["006C", "Gamma", "Gamma Inc", "Jane Doe", "Proposal", "USD 9,000.00", "60%", "6/30/2026",
     "2/10/2026", "Best Case", "-"],
]  # fmt: skip
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """A database that already holds deals, so "as it was" means something."""
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    return engine


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \r\n\n ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "spreadsheet workbook"),
        (b"Opportunity Name,Stage,Amount\r\n\x81\x8d\x8f,Won,1\r\n", "neither UTF-8 nor"),
        (csv_bytes([]), "has a header (line 1) but no rows"),
        (b"Title,Phase,Chance\nA,B,10\n", "not a layout pipeline-tui knows"),
        (csv_bytes([["006A", "Alpha"]], ["Opportunity ID", "Opportunity Name", "Stage"]),
         "missing the required columns amount (usually 'Amount'), owner (usually 'Opportunity"),
        (b'Opportunity Name,Stage,Amount,Opportunity Owner\n"Alpha,Won,1,Jane\n',
         "not valid CSV"),
        (b'[{"name": "x"}, 3]', "JSON must be a list of objects"),
        (b"[1, 2", "not valid JSON"),
    ],
    ids=lambda value: value.split(" (")[0].replace(" ", "_") if isinstance(value, str) else "-",
)  # fmt: skip
def test_unusable_files_get_one_clear_message(
    loaded: Engine, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    before = snapshot(loaded)
    with pytest.raises(FileRejected, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_file(loaded, path, options())
    with pytest.raises(FileRejected):
        dry_run(loaded, path, options())
    assert snapshot(loaded) == before


def test_files_that_are_not_there_or_folders(loaded: Engine, tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="does not exist"):
        import_file(loaded, tmp_path / "nope.csv", options())
    with pytest.raises(FileRejected, match="is a folder"):
        import_file(loaded, tmp_path, options())


def test_bad_map_options_name_the_choices(loaded: Engine) -> None:
    path = FIXTURES / "salesforce_report.csv"
    with pytest.raises(FileRejected, match="did you mean 'Amount'"):
        dry_run(loaded, path, options(mapping={"amount": "Amout"}))
    with pytest.raises(FileRejected, match="unknown field 'size'; the fields are external_id"):
        parse_pairs("size=Amount", what="--map", keys=("external_id", "name"))
    assert parse_pairs(
        ["amount=Amount (USD, converted),name=Title", "stage=Phase"], what="--map",
        keys=("amount", "name", "stage"),
    ) == {"amount": "Amount (USD, converted)", "name": "Title", "stage": "Phase"}  # fmt: skip
    with pytest.raises(FileRejected, match="is not NAME=VALUE"):
        parse_pairs("Closed", what="--stage-map")


def test_every_rejected_row_is_reported_with_line_column_value_and_reason(
    loaded: Engine, tmp_path: Path
) -> None:
    rows = [list(r) for r in GOOD] + [list(GOOD[0]) for _ in range(6)]
    rows[3][0], rows[3][5] = "006D", "twelve"
    rows[4][0], rows[4][7] = "006E", "2/30/2026"
    rows[5][0], rows[5][6] = "006F", "150%"
    rows[6][0] = "006B"  # the same id as line 3
    rows[7][0], rows[7][4], rows[7][7] = "006G", "Closed Lost", "-"
    rows[8] = [*rows[8], "stray", "cells"]
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    before = snapshot(loaded)
    with pytest.raises(RowsRejected) as caught:
        import_file(loaded, path, options())
    assert str(caught.value) == "6 of 9 rows rejected; nothing was imported"
    found = [(p.line, p.column, p.value) for p in caught.value.problems]
    assert found == [
        (5, "Amount", "twelve"),
        (6, "Close Date", "2/30/2026"),
        (7, "Probability (%)", "150%"),
        (8, "Opportunity ID", "006B"),
        (9, "Close Date", None),
        (10, None, None),
    ]
    reasons = [p.reason for p in caught.value.problems]
    assert "as an amount" in reasons[0] and "as a date" in reasons[1]
    assert "between 0 and 100" in reasons[2] and reasons[3] == "the same external id as line 3"
    assert reasons[4] == "a lost deal needs a close date"
    assert reasons[5].startswith("the row has 13 cells but the header has 11")
    assert snapshot(loaded) == before

    written = tmp_path / "errors.csv"
    assert write_problems(written, caught.value.problems) == 6
    with open(written, newline="", encoding="utf-8") as stream:
        lines = list(csv.reader(stream))
    assert lines[0] == ["line", "column", "value", "reason"]
    assert lines[1][:3] == ["5", "Amount", "twelve"] and "amount" in lines[1][3]


def test_a_dry_run_reports_the_same_problems_and_writes_nothing(
    loaded: Engine, tmp_path: Path
) -> None:
    rows = [list(r) for r in GOOD]
    rows[1][5] = "lots"
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    before = snapshot(loaded)
    report = dry_run(loaded, path, options())
    assert [(p.line, p.column) for p in report.errors] == [(3, "Amount")]
    assert (report.counts.created, report.counts.rejected) == (2, 1)
    assert report.preview[0]["name"] == "Alpha" and report.preview[0]["action"] == "create"
    assert snapshot(loaded) == before


def test_an_ambiguous_owner_is_refused(loaded: Engine, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("name,login\nJane Doe,jane.two\n", encoding="utf-8")
    import_file(loaded, users, options(kind="users"))  # a login nobody has: a new person
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([GOOD[0]]))
    with pytest.raises(RowsRejected) as caught:
        import_file(loaded, path, options())
    [problem] = caught.value.problems
    assert problem.column == "Opportunity Owner"
    assert "more than one person is called 'Jane Doe' (jane.doe, jane.two)" in problem.reason


BAD_CELLS = {
    "Amount": st.one_of(
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
        st.sampled_from(["-5", "1.2.3", "12,34,567", "USD 5 EUR", "(1,000.00)", "5e3"]),
    ),
    "Probability (%)": st.one_of(
        st.integers(101, 10_000).map(str),
        st.integers(-100, -1).map(lambda n: f"{n}%"),
        st.text("xyz%", min_size=1, max_size=5).filter(lambda t: t.strip("%")),
    ),
    "Close Date": st.one_of(
        st.sampled_from(["2026-02-30", "13/45/2026", "tomorrow", "+2w", "eoq", "2026/13/01"]),
        st.text("abcdefghijklmnop ", min_size=1, max_size=10).filter(str.strip),
    ),
    "Created Date": st.sampled_from(["2026-13-01", "yesterday", "1/1/1800", "31/12/2026"]),
    "Forecast Category": st.text("abcdefghij", min_size=1, max_size=10).filter(
        lambda t: squash(t) not in CATEGORY_NAMES
    ),
    "Opportunity Name": st.sampled_from(["", "x" * 256]),
    "Stage": st.sampled_from(["", "y" * 129]),
    "Next Step": st.just("z" * 501),
    "Opportunity ID": st.sampled_from(["006A", "006B", "i" * 65]),
}


@SETTINGS
@given(
    column=st.sampled_from(sorted(BAD_CELLS)),
    row=st.integers(0, 2),
    data=st.data(),
)
def test_any_malformed_cell_rejects_the_file_and_says_where(
    loaded: Engine, tmp_path_factory: pytest.TempPathFactory, column: str, row: int,
    data: st.DataObject,
) -> None:  # fmt: skip
    value = data.draw(BAD_CELLS[column])
    rows = [[f"00X{k}", *r[1:]] for k, r in enumerate(GOOD)]
    if column == "Opportunity ID" and value in ("006A", "006B"):
        rows[(row + 1) % 3][0] = value  # the duplicate is reported on the later line
    rows[row][HEADER.index(column)] = value
    path = tmp_path_factory.mktemp("bad") / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    before = snapshot(loaded)
    with pytest.raises(RowsRejected) as caught:
        import_file(loaded, path, options())
    assert any(p.column == column and p.reason for p in caught.value.problems)
    lines = {p.line for p in caught.value.problems}
    assert lines <= {2, 3, 4} and lines
    assert snapshot(loaded) == before


junk_line = st.text(
    st.characters(blacklist_characters=",;\t|\"'\r\n", blacklist_categories=("Cs",)),
    max_size=30,
)
malformed_files = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=100).map(lambda b: b + b"\x00" + b),
    st.lists(junk_line, max_size=8).map(lambda lines: "\n".join(lines).encode()),
    st.lists(junk_line, min_size=1, max_size=8).map(
        lambda lines: csv_bytes([]) + "\r\n".join(lines).encode("utf-8")
    ),
    st.lists(junk_line, max_size=4).map(lambda lines: ('"' + "\n".join(lines)).encode()),
)


@SETTINGS
@given(malformed_files)
def test_any_malformed_file_fails_cleanly_and_writes_nothing(
    loaded: Engine, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("junk") / "junk.csv"
    path.write_bytes(data)
    before = snapshot(loaded)
    with pytest.raises(ImportFailed) as caught:
        import_file(loaded, path, options())
    assert str(caught.value).strip() and "\n" not in str(caught.value)
    assert snapshot(loaded) == before
