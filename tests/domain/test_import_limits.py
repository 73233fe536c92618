"""Bounded input: files are read as a stream within a size and a line limit, devices and
pipes are refused before anything is read, and amounts below a cent are refused."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline_tui.cli import main
from pipeline_tui.importing import FileRejected, RowsRejected, dry_run, import_file, reader
from pipeline_tui.importing.reader import parse_bytes
from pipeline_tui.parsing import ParseError, parse_amount, parse_money
from tests.domain.test_import_errors import GOOD, HEADER, csv_bytes
from tests.domain.test_import_support import options, stored_deals

AMOUNT = HEADER.index("Amount")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_it_is_read(sqlite_engine: Engine, device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    with pytest.raises(FileRejected, match="is not a regular file"):
        dry_run(sqlite_engine, device, options())


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe that someone writes a small, valid export into."""
    path = tmp_path / "export.csv"
    os.mkfifo(path)
    data = csv_bytes(GOOD)

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), open(path, "wb") as pipe:
            pipe.write(data)  # once a reader opens the pipe; it may close it unread

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    yield path
    if writer.is_alive():  # refused without opening it for reading: let the writer go
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as drain:
            drain.read()
    writer.join(timeout=5)


def test_a_pipe_is_refused_not_read(
    sqlite_engine: Engine, fifo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["import", str(fifo), "--db", str(sqlite_engine.url.database)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: {fifo} is not a regular file (it is a device, a pipe or a socket); "
        "save the export to a file and import that"
    ]
    assert stored_deals(sqlite_engine) == {}


def test_a_file_over_the_size_limit_is_refused(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = csv_bytes(GOOD)
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(FileRejected, match=r"big.csv is .* bytes; the limit for an import is"):
        import_file(sqlite_engine, path, options())
    # A stream with no size to look at up front (a file that grows) stops at the limit too.
    with pytest.raises(FileRejected, match="is larger than"):
        parse_bytes(data, "growing.csv")
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", len(data))
    assert len(parse_bytes(data, "fits.csv").rows) == 3


def test_a_line_over_the_length_limit_is_refused_with_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [list(r) for r in GOOD]
    rows[1][HEADER.index("Next Step")] = "z" * 5000
    monkeypatch.setattr(reader, "MAX_LINE_CHARS", 1000)
    with pytest.raises(FileRejected, match="line 3: the line is longer than 1,000 characters"):
        parse_bytes(csv_bytes(rows), "long.csv")


def test_the_file_is_read_as_a_stream_and_the_encoding_from_a_bounded_sample(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def whole_file(*_: object) -> bytes:
        raise AssertionError("the import read the whole file at once")

    monkeypatch.setattr(Path, "read_bytes", whole_file)
    # The only byte that isn't UTF-8 comes long after the sample: still Windows-1252.
    rows = [[f"00{k:05}", f"Deal {k}", *GOOD[0][2:]] for k in range(2000)]
    rows.append(["00LAST", "Caf\xe9 cr\xe8me", *GOOD[0][2:]])
    path = tmp_path / "cp1252.csv"
    path.write_bytes(csv_bytes(rows).decode().encode("cp1252"))
    report = dry_run(sqlite_engine, path, options())
    assert (report.encoding, report.rows, report.counts.rejected) == ("Windows-1252", 2001, 0)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0.004", "less than a cent"),
        ("$0.001", "less than a cent"),
        ("0.005", "less than a cent"),
        ("0.000001k", "less than a cent"),
        ("12.345", "finer than a cent"),
        ("0.015", "finer than a cent"),
        ("1.234567k", "finer than a cent"),
        ("EUR 1.234,567", "finer than a cent"),
    ],
)
def test_amounts_finer_than_a_cent_are_refused_not_rounded(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why) as caught:
        parse_money(text)
    assert f"'{text}'" in str(caught.value)
    with pytest.raises(ParseError):
        parse_amount(text)  # what the app's amount prompt reads with


def test_an_import_rejects_a_sub_cent_amount_instead_of_storing_zero(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    rows = [list(r) for r in GOOD]
    rows[1][AMOUNT] = "0.004"
    path = tmp_path / "cents.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(RowsRejected) as caught:
        import_file(sqlite_engine, path, options())
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, "Amount")
    assert "less than a cent" in problem.reason
    assert stored_deals(sqlite_engine) == {}
    # Trailing zeros are not precision: these are exact.
    assert parse_amount("0.010") == Decimal("0.01")
    assert parse_amount("12.5000") == Decimal("12.50")
    assert parse_amount("1.2345k") == Decimal("1234.50")

    quotas = tmp_path / "quotas.csv"
    quotas.write_text("user,period,amount\nJane Doe,2026Q1,$0.001\n", encoding="utf-8")
    import_file(sqlite_engine, FIXTURE_PEOPLE, options(kind="users"))
    with pytest.raises(RowsRejected, match="1 of 1 rows rejected") as caught:
        import_file(sqlite_engine, quotas, options(kind="quotas"))
    assert "less than a cent" in caught.value.problems[0].reason


FIXTURE_PEOPLE = Path(__file__).parents[1] / "fixtures" / "import" / "users.csv"
