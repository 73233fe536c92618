"""`pipeline-tui backup` and `pipeline-tui check`: copies made while the database is in
use are consistent and pass the check; the check finds what was planted."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main
from pipeline_tui.services import set_probability
from pipeline_tui.storage import backup as backup_module
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.storage.backup import backup
from tests.conftest import fresh_pg_schema

TODAY = "2026-11-26"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "seeded.db"
    assert (
        main(["seed", "--deals", "3000", "--seed", "5", "--today", TODAY, "--db", str(path)]) == 0
    )
    return path


@pytest.fixture
def db(seeded_file: Path, tmp_path: Path) -> Path:
    """A seeded database of the test's own."""
    path = tmp_path / "pipeline.db"
    shutil.copy(seeded_file, path)
    return path


def files(folder: Path) -> list[str]:
    """What is in `folder`, but for the SQLite files of the open source database (opening
    a WAL database makes its -wal and -shm)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("pipeline.db-"))


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_check_passes_on_a_seeded_database(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--db", str(db))
    assert (code, out) == (0, "")
    assert "Checked 3,000 deals" in err and "no problems found" in err


def test_check_reports_each_planted_violation(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(db) as conn:
        tampered, logged = conn.execute(
            "SELECT deal_id, new_value FROM deal_change WHERE field = 'probability' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        conn.execute(
            "UPDATE deal SET probability = ? WHERE id = ?", ((int(logged) + 3) % 100, tampered)
        )
        moved, pipeline = conn.execute(
            "SELECT id, pipeline_id FROM deal WHERE id NOT IN (SELECT deal_id FROM deal_change)"
            " ORDER BY id LIMIT 1"
        ).fetchone()
        conn.execute(
            "UPDATE deal SET stage_id = (SELECT min(id) FROM stage WHERE pipeline_id <> ?) "
            "WHERE id = ?",
            (pipeline, moved),
        )
        overlapping = conn.execute(
            "INSERT INTO quota (user_id, period_start, period_end, amount_minor) "
            "SELECT user_id, period_start, period_start, 100 FROM quota ORDER BY id LIMIT 1"
        ).lastrowid
    code, out, err = run(capsys, "check", "--db", str(db))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3, out
    [stage_line] = [line for line in lines if line.startswith("stage-pipeline: ")]
    assert stage_line.startswith(f"stage-pipeline: deal {moved} “")
    [quota_line] = [line for line in lines if line.startswith("quota-overlap: ")]
    assert quota_line.startswith(f"quota-overlap: quota {overlapping} “")
    [replay_line] = [line for line in lines if line.startswith("replay: ")]
    assert replay_line.startswith(f"replay: deal {tampered} “")
    assert replay_line.endswith(f"; expected {logged}, found {(int(logged) + 3) % 100}")
    assert "3 problems found" in err
    code, quick, _ = run(capsys, "check", "--db", str(db), "--quick")
    assert code == 1 and quick == out

    code, out, _ = run(capsys, "check", "--db", str(db), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["checked"]["deals"] == 3000
    assert {(v["check"], v["row_id"]) for v in data["violations"]} == {
        ("stage-pipeline", moved),
        ("quota-overlap", overlapping),
        ("replay", tampered),
    }


def test_backup_while_another_connection_holds_a_write_transaction(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deals = count(db, "deal")
    with sqlite3.connect(db) as conn:
        victim, logged = conn.execute(
            "SELECT deal_id, count(*) FROM deal_change GROUP BY deal_id ORDER BY deal_id LIMIT 1"
        ).fetchone()
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "UPDATE deal SET probability = 77, version = version + 1 WHERE id = ?", (victim,)
        )
        writer.execute("DELETE FROM deal_change WHERE deal_id = ?", (victim,))
        copy = tmp_path / "copy.db"
        code, _, err = run(capsys, "backup", "--db", str(db), str(copy))
        assert code == 0, err
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert f"to {copy}" in err
    # The copy is the database before the open transaction, and holds together.
    assert count(copy, "deal") == deals
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        query = "SELECT count(*) FROM deal_change WHERE deal_id = ?"
        assert conn.execute(query, (victim,)).fetchone()[0] == logged
    code, _, err = run(capsys, "check", "--db", str(copy))
    assert code == 0 and "no problems found" in err


def test_backup_while_edits_are_written_in_a_thread(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few pages per step and a pause after each: the app's edits land between the
    steps, and the copy is still one moment of the database, whose log replays."""
    monkeypatch.setattr(backup_module, "PAGES_PER_STEP", 8)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        deals = [
            (row.id, row.version, row.probability)
            for row in conn.execute(
                text("SELECT id, version, probability FROM deal WHERE id <= 50")
            )
        ]
    stop = threading.Event()
    written: list[int] = []
    steps: list[int] = []

    def edit() -> None:
        while not stop.is_set():
            for i, (deal_id, version, probability) in enumerate(deals):
                if stop.is_set():
                    return
                new = (probability + 5) % 100
                set_probability(engine, deal_id, version, new, user_id=None, source="cli")
                deals[i] = (deal_id, version + 1, new)
                written.append(len(steps))

    def progress(done: int, total: int) -> None:
        if steps and done < steps[-1]:
            # SQLite started over because another connection wrote: with a steady
            # writer, a backup that does this never finishes.
            raise AssertionError("the backup restarted")
        steps.append(done)
        stop.wait(0.002)

    thread = threading.Thread(target=edit)
    thread.start()
    try:
        result = backup(engine, tmp_path / "copy.db", progress=progress)
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    during = [s for s in written if 0 < s < len(steps)]
    assert len(steps) > 20 and len(during) > 5  # the edits really did land mid-copy
    assert result.method == "sqlite-backup" and result.size > 0
    assert main(["check", "--db", str(result.path)]) == 0
    changes = count(result.path, "deal_change")
    assert count(db, "deal_change") - len(written) <= changes <= count(db, "deal_change")


def test_backup_refuses_to_overwrite_without_force(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "old-backup.db"
    target.write_bytes(b"an older backup")
    code, _, err = run(capsys, "backup", "--db", str(db), str(target))
    assert code == 2 and "already exists; use --force" in err
    assert target.read_bytes() == b"an older backup"
    code, _, err = run(capsys, "backup", "--db", str(db), str(target), "--force")
    assert code == 0 and count(target, "deal") == 3000
    assert files(tmp_path) == ["old-backup.db", "pipeline.db"]


@pytest.mark.parametrize("case", ["itself", "itself-forced", "wal", "folder", "no-folder"])
def test_backup_refusals_write_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    before = files(tmp_path)
    target = {
        "itself": db,
        "itself-forced": tmp_path / "." / db.name,
        "wal": tmp_path / "open.db",
        "folder": tmp_path,
        "no-folder": tmp_path / "nowhere" / "copy.db",
    }[case]
    if case == "wal":
        (tmp_path / "open.db-wal").write_bytes(b"")
        before = files(tmp_path)
    extra = ["--force"] if case in ("itself-forced", "wal") else []
    code, out, err = run(capsys, "backup", "--db", str(db), str(target), *extra)
    assert code == 2 and out == ""
    assert {
        "itself": "is the database itself",
        "itself-forced": "is the database itself",
        "wal": "open.db-wal exists",
        "folder": "is a folder",
        "no-folder": "No folder",
    }[case] in err
    assert files(tmp_path) == before
    assert count(db, "deal") == 3000


def test_backup_of_postgres_without_pg_dump_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    target = tmp_path / "pg.dump"
    url = "postgresql://someone@127.0.0.1:1/nothing"  # never reached: pg_dump is missing
    code, out, err = run(capsys, "backup", "--db", url, str(target))
    assert code == 2 and out == ""
    assert "pg_dump is not installed" in err and "Nothing was written" in err
    assert files(tmp_path) == ["bin"]


@pytest.fixture
def pg_seeded() -> Iterator[str]:
    with fresh_pg_schema() as schema:
        url = schema.url.render_as_string(hide_password=False)
        assert main(["seed", "--deals", "2000", "--seed", "5", "--today", TODAY, "--db", url]) == 0
        yield url


def test_check_and_backup_on_postgres(
    pg_seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", "--db", pg_seeded)
    assert (code, out) == (0, "") and "Checked 2,000 deals" in err, err
    engine = make_engine(pg_seeded)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE deal SET amount_minor = amount_minor + 1 WHERE id = "
                    "(SELECT deal_id FROM deal_change WHERE field = 'amount' LIMIT 1)"
                )
            )
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    finally:
        engine.dispose()
    code, out, _ = run(capsys, "check", "--db", pg_seeded)
    assert code == 1 and out.startswith("replay: deal ") and " amount " in out

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    target = tmp_path / "pg.dump"
    code, _, err = run(capsys, "backup", "--db", pg_seeded, str(target))
    assert code == 0, err
    assert "pg_dump, custom format" in err
    if shutil.which("pg_restore") is None:
        return
    listing = subprocess.run(
        ["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True
    ).stdout
    # Our schema, and only it: not the other schemas of the test database.
    assert f"TABLE DATA {schema} deal " in listing
    assert all(f" {schema} " in line for line in listing.splitlines() if "TABLE DATA" in line)


def test_check_without_a_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "check", "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "No database at" in err
    assert not (tmp_path / "missing.db").exists()


@pytest.fixture
def pg_with_password() -> Iterator[str]:
    """A schema of its own, reached by a URL that carries a password (the test server
    trusts every connection, so any password works)."""
    with fresh_pg_schema() as schema:
        url = schema.url.set(password="s3cret-pw")
        engine = make_engine(url.render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
        yield url.render_as_string(hide_password=False)


def fake_pg_dump(folder: Path, *, fails: bool) -> Path:
    """A `pg_dump` that records how it was called, writes part of a file, and fails or
    succeeds."""
    folder.mkdir()
    record = folder / "called"
    script = folder / "pg_dump"
    exit_with = (
        "echo 'pg_dump: error: connection to s3cret-pw failed' >&2; exit 1" if fails else "exit 0"
    )
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {record}\n'
        f'echo "PGPASSWORD=$PGPASSWORD" >> {record}\n'
        'for arg in "$@"; do case "$arg" in\n'
        '  --file=*) echo partial > "${arg#--file=}";;\n'
        "esac; done\n"
        f"{exit_with}\n"
    )
    script.chmod(0o755)
    return record


@pytest.mark.parametrize("fails", [False, True])
def test_pg_dump_gets_the_password_from_its_environment(
    pg_with_password: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fails: bool,
) -> None:
    bin_dir = tmp_path / "bin"
    record = fake_pg_dump(bin_dir, fails=fails)
    monkeypatch.setenv("PATH", str(bin_dir))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run(capsys, "backup", "--db", pg_with_password, str(out_dir / "pg.dump"))
    called = record.read_text().splitlines()
    assert "PGPASSWORD=s3cret-pw" in called
    assert not any("s3cret-pw" in arg for arg in called if not arg.startswith("PGPASSWORD="))
    assert "--format=custom" in called and any(a.startswith("--schema=") for a in called)
    assert "s3cret-pw" not in out + err
    if fails:
        assert code == 2 and "pg_dump failed: pg_dump: error: connection to *** failed" in err
        assert list(out_dir.iterdir()) == []
    else:
        assert code == 0, err
        assert [p.name for p in out_dir.iterdir()] == ["pg.dump"]


def test_a_folder_that_cant_be_written_is_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module.tempfile, "mkstemp", full)
    code, out, err = run(capsys, "backup", "--db", str(db), str(tmp_path / "copy.db"))
    assert (code, out) == (2, "")
    assert err.strip() == f"error: Can't write in {tmp_path}: No space left on device"
    assert files(tmp_path) == ["pipeline.db"]


def test_a_postgres_backup_restores_and_passes_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("the PostgreSQL client tools are not installed")
    with fresh_pg_schema() as schema:
        url = schema.url.render_as_string(hide_password=False)
        assert main(["seed", "--deals", "500", "--seed", "9", "--today", TODAY, "--db", url]) == 0
        target = tmp_path / "pg.dump"
        assert main(["backup", "--db", url, str(target)]) == 0
        with schema.admin.connect() as conn:
            before = conn.execute(text(f'SELECT count(*) FROM "{schema.name}".deal_change'))
            changes = before.scalar_one()
            conn.execute(text(f'DROP SCHEMA "{schema.name}" CASCADE'))
        server = schema.server.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={server}", str(target)],
            check=True,
            capture_output=True,
        )
        capsys.readouterr()
        code, out, err = run(capsys, "check", "--db", url)
        assert (code, out) == (0, ""), err
        assert "Checked 500 deals" in err and f"{changes:,} changes" in err


def test_a_large_copy_draws_a_progress_bar(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar is drawn from a size on (made tiny here) and follows the pages copied."""
    from rich.progress import Progress

    from pipeline_tui.cli import maintenance

    monkeypatch.setattr(maintenance, "PROGRESS_FROM_PAGES", 1)
    monkeypatch.setattr(backup_module, "PAGES_PER_STEP", 64)
    seen: list[tuple[int, int]] = []
    original = Progress.update

    def spy(self: Progress, task: object, **fields: object) -> None:
        seen.append((int(fields["completed"]), int(fields["total"])))  # type: ignore[call-overload]
        original(self, task, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(Progress, "update", spy)
    code, _, err = run(capsys, "backup", "--db", str(db), str(tmp_path / "copy.db"))
    assert code == 0, err
    assert len(seen) > 3 and seen[-1][0] == seen[-1][1] > 0
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
