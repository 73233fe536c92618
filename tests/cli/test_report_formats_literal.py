"""Names in a report's Markdown and CSV are data too: a name that is Markdown (a link,
emphasis, HTML, code, a heading or list marker, a `|`, a line break) comes out escaped and
leaves the document's shape alone, and a name a spreadsheet would run as a formula comes
out inert, in every command's `--format markdown` and `--format csv`.

Each command runs on two databases alike but for their names, one plain and one hostile:
the hostile one's Markdown must parse into the same headings, tables, rows and cells as the
plain one's, with nothing but text inside them."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlalchemy import text

from pipeline_tui import cli
from pipeline_tui.cli import history, reviews
from pipeline_tui.display import clean
from pipeline_tui.importing.formula import FORMULA_STARTS
from pipeline_tui.services import set_probability
from pipeline_tui.storage import make_engine, upgrade

from ..factories import Builder

TODAY = "2026-11-26"
SCOPE = ["--period", "2026Q4", "--today", TODAY]
PLAIN = {
    "deal": "Acme renewal",
    "rep": "Ann Lee",
    "manager": "Vic Poe",
    "manager_login": "vic",
    "stage": "Propose",
    "other_stage": "Negotiate",
    "pipeline": "New Business",
    "note": "call it",
}
# Each starts a line of Markdown the way data never may (a heading, a list item, a
# numbered item) and carries inline markup; those that start with - + = @ are formulas.
HOSTILE = {
    "deal": "# **Big** [x](http://evil)\n`tick` <script>alert(1)</script> a|b #",
    "rep": "- **Ann** [r](http://evil) <i>x</i> ~~s~~ a\\|b",
    "manager": '=HYPERLINK("http://evil") _vp_ &amp;',
    "manager_login": "-vic **m** [m](http://evil) a|b\nc",
    "stage": "+ **Propose** `x` ![i](http://evil/i.png) a|b",
    "other_stage": "1. <b>Negotiate</b>\n---",
    "pipeline": "@SUM(1) [p](http://evil) <b>x</b> #",
    "note": "=1+1 **note** [n](http://evil)",
}
# (command, the names it must show)
MARKDOWN = {
    "report": (["report", *SCOPE, "--by", "manager"], ["manager_login"]),
    "report-by-stage": (["report", *SCOPE, "--by", "stage"], ["stage", "other_stage"]),
    "report-calibration": (["report", *SCOPE, "--calibration"], ["rep"]),
    "process": (["process", "show", "--today", TODAY], ["stage", "other_stage", "pipeline"]),
    "changes": (["changes", "--since", "2026-01-01", *SCOPE], ["deal", "rep"]),
    "changes-deal": (["changes", "--deal", "1"], ["deal", "rep"]),
    "settings": (["settings", "list"], ["stage", "pipeline"]),
    "calls-list": (["calls", "list", "--today", TODAY], ["rep", "note"]),
    "calls-show": (["calls", "show", "ann", "--today", TODAY], ["note"]),
}
CSV = {
    "report": (["report", *SCOPE, "--by", "manager"], ["manager_login"]),
    "report-by-stage": (["report", *SCOPE, "--by", "stage"], ["stage"]),
    "process": (["process", "show", "--today", TODAY], ["stage"]),
    "changes-deal": (["changes", "--deal", "1"], ["rep"]),
    "settings": (["settings", "list"], ["stage", "pipeline"]),
    "calls-list": (["calls", "list", "--today", TODAY], ["rep", "note"]),
}


def seed(path: Path, names: dict[str, str]) -> Path:
    """Ann (under Vic) has an open deal changed this quarter, a won and a lost deal for
    calibration, and two forecast calls, the second lower (a negative change)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    vic = b.user("vic", role="manager")
    ann = b.user("ann", manager=vic)
    deal = b.deal(ann, "Propose", "10000", date(2026, 12, 15), category="commit")
    b.deal(ann, "Negotiate", "5000", date(2026, 12, 20))
    b.deal(ann, "Won", "3000", date(2026, 10, 20), probability=70)
    b.deal(ann, "Lost", "2000", date(2026, 11, 2), probability=40)
    b.commit()
    set_probability(engine, deal.id or 0, 1, 60, user_id=ann.id, source="tui")
    with engine.begin() as conn:
        for login, key in (("ann", "rep"), ("vic", "manager")):
            sql = 'UPDATE "user" SET display_name = :n WHERE login = :l'
            conn.execute(text(sql), {"n": names[key], "l": login})
        sql = "UPDATE \"user\" SET login = :n WHERE login = 'vic'"
        conn.execute(text(sql), {"n": names["manager_login"]})
        conn.execute(text("UPDATE deal SET name = :n WHERE id = :i"), {"n": names["deal"], "i": 1})
        conn.execute(text("UPDATE pipeline SET name = :n"), {"n": names["pipeline"]})
        # What calibration scores: the won and the lost deal's last stated probability.
        sql = "UPDATE deal SET probability_at_close = probability WHERE closed_date IS NOT NULL"
        conn.execute(text(sql))
        for stage, key in (("Propose", "stage"), ("Negotiate", "other_stage")):
            sql = "UPDATE stage SET name = :n WHERE name = :s"
            conn.execute(text(sql), {"n": names[key], "s": stage})
    engine.dispose()
    for commit in ("20k", "10k"):
        args = ["calls", "submit", "--user", "ann", "--commit", commit, "--best-case", "30k"]
        assert cli.main([*args, "--note", names["note"], "--db", str(path), "--today", TODAY]) == 0
    return path


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report-formats")
    return {
        "plain": seed(folder / "plain.db", PLAIN),
        "hostile": seed(folder / "hostile.db", HOSTILE),
    }


def run(capsys: pytest.CaptureFixture[str], db: Path, args: list[str], fmt: str) -> str:
    capsys.readouterr()
    code = cli.main([*args, "--format", fmt, "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def parse(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)


def shape(tokens: list[Token]) -> list[tuple[str, str]]:
    """The document's blocks (headings, paragraphs, lists, tables, rows, cells) in order."""
    return [(t.type, t.tag) for t in tokens]


def shown_text(tokens: list[Token]) -> str:
    """What a reader sees, inline by inline; asserts that it is all plain text."""
    shown = []
    for token in tokens:
        if token.type != "inline":
            continue
        children = token.children or []
        kinds = {child.type for child in children}
        assert kinds <= {"text", "text_special", "softbreak"}, (token.content, kinds)
        shown.append("".join(c.content for c in children if c.type != "softbreak"))
    return "\n".join(shown)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (history.out, reviews.out, cli.err):
        monkeypatch.setattr(console, "width", 400)


@pytest.mark.parametrize("command", list(MARKDOWN))
def test_hostile_names_are_literal_in_markdown(
    dbs: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    args, keys = MARKDOWN[command]
    plain = parse(run(capsys, dbs["plain"], args, "markdown"))
    out = run(capsys, dbs["hostile"], args, "markdown")
    hostile = parse(out)
    assert shape(hostile) == shape(plain)  # not one heading, list, row or cell more or less
    assert any(t.type == "table_open" for t in hostile)
    seen = shown_text(hostile)
    for key in keys:
        assert clean(HOSTILE[key]) in seen, key  # as typed, its line break a space
    lines = out.splitlines()
    assert len(lines) == len(run(capsys, dbs["plain"], args, "markdown").splitlines())


def _is_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and not cell.lstrip("+-").replace(".", "").isdigit()


@pytest.mark.parametrize("command", list(CSV))
def test_hostile_names_are_inert_in_csv(
    dbs: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    args, keys = CSV[command]
    plain = list(csv.reader(io.StringIO(run(capsys, dbs["plain"], args, "csv"))))
    rows = list(csv.reader(io.StringIO(run(capsys, dbs["hostile"], args, "csv"))))
    assert len(rows) == len(plain) and rows[0] == plain[0]
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if _is_formula(cell)]
    for key in keys:
        value = clean(HOSTILE[key])
        assert "'" + value in cells or any(("'" + value) in cell for cell in cells), key


def test_a_negative_figure_stays_a_number_in_csv(
    dbs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Ann's second call is 10k below her first: a number, not text that looks like one."""
    out = run(capsys, dbs["hostile"], ["calls", "list", "--today", TODAY], "csv")
    rows = {row["person"]: row for row in csv.DictReader(io.StringIO(out))}
    assert rows["ann"]["change"] == "-10000.00"
