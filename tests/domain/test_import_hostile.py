"""Hostile text in an imported file: control characters reject the row (and say where),
invisible reordering characters are removed, and nothing reaches the terminal or the
database as it came."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from pipeline_tui.cli import main
from pipeline_tui.display import CONTROL_CHARS, INVISIBLE_CHARS
from pipeline_tui.importing import ImportFailed, RowsRejected, Severity, dry_run, import_file
from tests.domain.test_import_errors import GOOD, HEADER, csv_bytes
from tests.domain.test_import_support import count, options, snapshot, stored_deals

NAME = HEADER.index("Opportunity Name")
CONTROLS = {
    "\x1b": "\\x1b (ESC)",
    "\x07": "\\x07 (BEL)",
    "\x00": "\\x00 (NUL)",
    "\x08": "\\x08 (BS)",
    "\x7f": "\\x7f (DEL)",
    "\x9b": "\\x9b (CSI)",
    "\x9d": "\\x9d (OSC)",
}


def hostile_file(tmp_path: Path, column: str, value: str, row: int = 1) -> Path:
    rows = [list(r) for r in GOOD]
    rows[row][HEADER.index(column)] = value
    path = tmp_path / "hostile.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def raw_controls(text: str) -> list[str]:
    return CONTROL_CHARS.findall(text.replace("\r\n", "\n"))


@pytest.mark.parametrize("char", sorted(CONTROLS))
@pytest.mark.parametrize("column", ["Opportunity Name", "Account Name", "Next Step", "Stage"])
def test_a_control_character_rejects_the_row_and_names_line_column_and_character(
    sqlite_engine: Engine, tmp_path: Path, char: str, column: str
) -> None:
    path = hostile_file(tmp_path, column, f"Title{char}]0;pwned\x07 x")
    before = snapshot(sqlite_engine)
    with pytest.raises(RowsRejected) as caught:
        import_file(sqlite_engine, path, options())
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.severity) == (3, column, Severity.ERROR)
    assert CONTROLS[char] in problem.reason and "rejected" in problem.reason
    assert not raw_controls(problem.describe()) and not raw_controls(problem.value or "")
    assert snapshot(sqlite_engine) == before

    report = dry_run(sqlite_engine, path, options())
    assert (report.counts.created, report.counts.rejected) == (2, 1)
    summary = import_file(sqlite_engine, path, options(skip_invalid=True))
    assert summary.counts.created == 2
    assert all(
        not raw_controls(str(v)) for d in stored_deals(sqlite_engine).values() for v in d.values()
    )


def test_invisible_reordering_characters_are_removed_with_a_warning(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    path = hostile_file(tmp_path, "Opportunity Name", "Acme \u202etxt.exe\u2066\u200b")
    summary = import_file(sqlite_engine, path, options())
    assert summary.counts.created == 3
    assert stored_deals(sqlite_engine)["006B"]["name"] == "Acme txt.exe"
    [warning] = [p for p in summary.problems if p.line == 3]
    assert warning.severity is Severity.WARNING and warning.column == "Opportunity Name"
    assert "\\u202e (RIGHT-TO-LEFT OVERRIDE)" in warning.reason and "removed" in warning.reason
    assert not INVISIBLE_CHARS.search(warning.describe())


def test_the_dry_run_says_which_rows_are_rejected_and_what_was_removed_never_raw(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = [list(r) for r in GOOD]
    rows[0][NAME] = "\x1b]0;owned\x07\x1b[2J\x1b]52;c;ZWNobyBoaQ==\x07"
    rows[2][NAME] = "Gamma \u202egnp.exe"
    path = tmp_path / "hostile.csv"
    path.write_bytes(csv_bytes(rows))
    code = main(["import", str(path), "--dry-run", "--db", str(tmp_path / "x.db")])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "line 2, Opportunity Name:" in out and "\\x1b (ESC), \\x07 (BEL)" in out
    assert "rejected" in out
    assert "line 4, Opportunity Name:" in out and "\\u202e (RIGHT-TO-LEFT OVERRIDE)" in out
    assert "removed" in out
    assert not raw_controls(out + err) and "\u202e" not in out + err


def cli_db(engine: Engine) -> str:
    """`--db` for the CLI that reaches the same database (and schema) as `engine`."""
    if engine.dialect.name == "sqlite":
        return str(engine.url.database)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    url = engine.url.set(query={"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize("form", ["json", "csv_past_the_sample"])
def test_a_nul_byte_is_one_clear_line_and_exit_2_on_every_backend(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    if form == "json":
        items = [dict(zip(HEADER, row, strict=True)) for row in GOOD]
        items[1]["Opportunity Name"] = "Be\x00ta"
        path = tmp_path / "deals.json"
        path.write_text(json.dumps(items), encoding="utf-8")
        where = "item 2, Opportunity Name"
    else:
        # Far enough into the file that no sniffing of its start sees it.
        rows = [[f"00{k:05}", f"Deal {k} " + "x" * 60, *GOOD[0][2:]] for k in range(1500)]
        rows.append(["00NUL", "Nul\x00here", *GOOD[0][2:]])
        path = tmp_path / "deals.csv"
        path.write_bytes(csv_bytes(rows))
        where = "line 1502, Opportunity Name"
    code = main(["import", str(path), "--db", cli_db(engine)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "Traceback" not in err and "psycopg" not in err
    assert f"{where}:" in err and "\\x00 (NUL)" in err and "\x00" not in err
    assert err.strip().splitlines()[-1].startswith("error: 1 of ")
    assert count(engine, "deal") == 0


hostile_text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            "\x00\x07\x08\x1b\x7f\x85\x9b\x9c\x9d\u202e\u2066\u200b\ufeff=+-@'\t\r\n\""
        ),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=hostile_text, step=hostile_text)
def test_any_text_through_the_import_is_rejected_or_stored_without_control_characters(
    sqlite_engine: Engine, tmp_path_factory: pytest.TempPathFactory, name: str, step: str
) -> None:
    rows = [list(r) for r in GOOD]
    rows[0][NAME], rows[0][HEADER.index("Next Step")] = name, step
    path = tmp_path_factory.mktemp("hostile") / "hostile.csv"
    path.write_bytes(csv_bytes(rows))
    try:
        report = dry_run(sqlite_engine, path, options())
    except ImportFailed as exc:
        assert "\n" not in str(exc).strip() and not raw_controls(str(exc))
        return
    for problem in report.problems:
        assert not raw_controls(problem.describe()) and not INVISIBLE_CHARS.search(
            problem.describe()
        )
    for row in report.preview:
        for value in row.values():
            assert not raw_controls(value) and not INVISIBLE_CHARS.search(value)
    if raw_controls(name + step):
        assert report.counts.rejected == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--pipeline", "Sales\x1b]0;owned\x07"],
        ["--stage-map", "Prospecting=New\x1b[2J"],
        ["--map", "name=Opportunity Name\x9b"],
    ],
)
def test_control_characters_in_options_are_refused_like_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes(GOOD))
    db = tmp_path / "x.db"
    code = main(["import", str(path), "--db", str(db), *args])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith(f"error: {args[0]} has the control character \\x")
    assert len(err.strip().splitlines()) == 1 and not raw_controls(err)
