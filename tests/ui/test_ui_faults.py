"""Faults under the running app: a locked file, a full disk, a read-only file, a killed
server connection. Each must show a message, keep the app running, and lose nothing the
app said it saved (and name everything it did not save)."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from pipeline_tui.config import UserConfig
from pipeline_tui.seed import seed_demo
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.main import MainScreen

from ..conftest import fresh_pg_schema
from ..ui_support import (
    DEMO_DEALS,
    TODAY,
    copy_db,
    count_changes,
    deal_row,
    demo_template,
    make_app,
    open_board,
    settle,
)

SIZE = (120, 36)
PASSWORD = "s3cr3tpw"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return copy_db(template, tmp_path / "pipeline.db")


def record_notifications(app: PipelineApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every notification's title and text, kept after the toast itself has gone."""
    seen: list[str] = []
    original = app.notify

    def notify(message: str, *, title: str = "", **kwargs: Any) -> None:
        seen.append(f"{title}\n{message}")
        original(message, title=title, **kwargs)

    monkeypatch.setattr(app, "notify", notify)
    return seen


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


def selected(screen: MainScreen) -> tuple[int, str]:
    card = screen.selected_deal()
    assert card is not None
    return card.id, card.name


async def wait_until(pilot: Any, condition: Any, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app never got there")


# Locked --------------------------------------------------------------------------------
@pytest.fixture
def write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Another program's open write transaction on the file (released at the end)."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


async def test_locked_database_shows_waiting_then_saves_when_released(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    notes = record_notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, _ = selected(screen)
        app.workspace.lock_wait = 20.0
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        await pilot.press("7")
        await wait_until(pilot, lambda: any("Waiting for the database" in n for n in notes))
        assert deal_row(db, deal_id)["probability"] != 70
        blocker.execute("ROLLBACK")
        blocker.close()
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 70
        assert "70%" in status(screen) and "not saved" not in status(screen)
        assert app.is_running
    assert app.return_code in (None, 0)


async def test_locked_database_gives_up_and_names_every_unsaved_edit(
    db: Path, write_lock: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    notes = record_notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, name = selected(screen)
        before = deal_row(db, deal_id)["probability"]
        changes = count_changes(db)
        app.workspace.lock_wait = 1.0
        await pilot.press("7", "plus")
        await settle(pilot)
        assert any("Waiting for the database" in n for n in notes)
        assert deal_row(db, deal_id)["probability"] == before
        assert count_changes(db) == changes
        report = "\n".join(notes)
        assert f"Probability 70% on {name} — not saved: the database is locked" in report
        assert f"Probability +5% on {name} — not saved: the database is locked" in report
        assert "not saved" in status(screen)
        assert app.is_running
        # Once the other program lets go, the app writes again.
        write_lock.execute("ROLLBACK")
        await pilot.press("6")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 60
        assert app.is_running


async def test_edits_queued_behind_a_failed_one_are_named_not_dropped(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    notes = record_notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, name = selected(screen)
        ws = app.workspace
        real_edit = ws.edit

        queued = threading.Event()

        def slow_edit(*args: Any, **kwargs: Any) -> Any:
            # Held until the next keystroke has queued behind it (a sleep could lose that race).
            assert queued.wait(timeout=30), "the second key never queued"
            return real_edit(*args, **kwargs)

        before = deal_row(db, deal_id)["probability"]
        monkeypatch.setattr(ws, "edit", slow_edit)
        with sqlite3.connect(db) as other:  # someone else changes the deal meanwhile
            other.execute("UPDATE deal SET version = version + 1 WHERE id = ?", (deal_id,))
        await pilot.press("7", "plus")
        queued.set()
        await settle(pilot)
        assert f"Probability +5% on {name} — not saved: an earlier edit failed" in "\n".join(notes)
        assert deal_row(db, deal_id)["probability"] == before
        assert app.is_running


# Disk full -----------------------------------------------------------------------------
async def test_disk_full_is_reported_and_the_edit_is_not_shown_as_saved(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    notes = record_notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, name = selected(screen)
        before = deal_row(db, deal_id)["probability"]
        changes = count_changes(db)
        dialect = app.workspace.engine.dialect
        real_execute = dialect.do_execute

        def full_disk(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
            if statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
                raise sqlite3.OperationalError("database or disk is full")
            real_execute(cursor, statement, parameters, context)

        monkeypatch.setattr(dialect, "do_execute", full_disk)
        await pilot.press("7")
        await settle(pilot)
        assert app.is_running
        assert deal_row(db, deal_id)["probability"] == before
        assert count_changes(db) == changes
        assert f"Probability 70% on {name} — not saved: the disk is full" in "\n".join(notes)
        assert "not saved" in status(screen)
        # Room again: the next edit is saved.
        monkeypatch.setattr(dialect, "do_execute", real_execute)
        await pilot.press("6")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 60
        assert app.is_running


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system of its own, when this machine lets us mount one (root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("can't mount a small tmpfs here; the injected disk-full test stands in")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path) -> Path:
    """Takes every free block of `disk`; deleting the returned file frees them again."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 16, 1 << 12, 1 << 9):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError:
                continue
    return filler


async def test_a_really_full_disk_is_reported_and_nothing_is_lost(
    template: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = copy_db(template, small_disk / "pipeline.db")
    app = make_app(db, config_dir=small_disk.parent)
    notes = record_notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, name = selected(screen)
        before = deal_row(db, deal_id)["probability"]
        filler = fill(small_disk)
        await pilot.press("7")
        await settle(pilot)
        assert app.is_running
        assert f"Probability 70% on {name} — not saved: the disk is full" in "\n".join(notes)
        filler.unlink()
        assert deal_row(db, deal_id)["probability"] == before
        await pilot.press("6")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 60
        assert "60%" in status(screen)
        app.workspace.engine.dispose()


# Read-only -------------------------------------------------------------------------
def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_read_only_file_opens_read_only_and_refuses_edits(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    before_file = digest(db)
    app = make_app(db)
    notes = record_notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, name = selected(screen)
        before = deal_row(db, deal_id)["probability"]
        assert "read-only" in app.sub_title
        assert any("Opened read-only" in n for n in notes)
        await pilot.press("7")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == before
        assert f"Probability 70% on {name} — not saved: the database is read-only" in "\n".join(
            notes
        )
        assert app.is_running
    assert digest(db) == before_file
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


async def test_read_only_open_refuses_writes_even_as_root(db: Path) -> None:
    """Root may write a 0444 file; the app still opens it so that SQLite refuses writes."""
    db.chmod(0o444)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        engine = app.workspace.engine
        with pytest.raises(Exception, match="read-only"), engine.begin() as conn:
            conn.execute(text("UPDATE deal SET probability = 1"))
    assert os.access(db, os.R_OK)


async def test_read_only_file_with_an_old_schema_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    path.chmod(0o444)
    before = digest(path)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert app.return_code == 2
    # Not migrated behind the owner's back (root could have written it).
    assert digest(path) == before
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


# Lost PostgreSQL connection -------------------------------------------------------------
@pytest.fixture
def pg_app_url() -> Iterator[tuple[str, str]]:
    """A seeded schema of its own, and a URL to it that carries a password."""
    with fresh_pg_schema() as schema:
        name = f"faults-{schema.name}"
        url = (
            schema.url.set(password=PASSWORD)
            .update_query_dict({"application_name": name})
            .render_as_string(hide_password=False)
        )
        seeding = make_engine(url)
        upgrade(seeding)
        seed_demo(seeding, deals=DEMO_DEALS, seed=42, today=TODAY)
        seeding.dispose()
        try:
            yield url, name
        finally:
            # The app under test may still hold connections; the schema can't go until then.
            with schema.admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": name},
                )


def pg_probability(url: str, deal_id: int) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT probability FROM deal WHERE id = :id"), {"id": deal_id}
        ).scalar_one()
    engine.dispose()
    return int(value)


async def test_killed_connection_is_reported_reconnected_and_leaks_no_password(
    pg_app_url: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    url, name = pg_app_url
    caplog.set_level(logging.DEBUG)
    app = PipelineApp(
        url,
        user="vp",
        config=UserConfig(path=tmp_path / "config.toml"),
        today=lambda: TODAY,
        clock=lambda: 1000.0,
        save_config=False,
    )
    notes = record_notifications(app, monkeypatch)
    admin_url = make_url(url).set(password=None).update_query_dict({"application_name": "admin"})
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    screens: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id, deal_name = selected(screen)
        before = pg_probability(url, deal_id)
        assert before not in (60, 70, 75)
        killed: list[int] = []

        def kill_own_backend(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if killed or not statement.lstrip().upper().startswith("UPDATE"):
                return
            pid = conn.connection.dbapi_connection.info.backend_pid
            killed.append(pid)
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # Hold this edit until the next keystroke has queued up behind it: a fixed
            # sleep lost that race on a loaded CI machine.
            assert queued.wait(timeout=30), "the second key never queued"

        queued = threading.Event()
        event.listen(app.workspace.engine, "before_cursor_execute", kill_own_backend)
        await pilot.press("7")
        await pilot.press("plus")
        queued.set()
        await settle(pilot)
        await settle(pilot)
        event.remove(app.workspace.engine, "before_cursor_execute", kill_own_backend)
        assert killed
        assert app.is_running
        report = "\n".join(notes)
        assert f"Probability 70% on {deal_name} — not saved: connection lost" in report
        assert f"Probability +5% on {deal_name} — not saved: connection lost" in report
        assert pg_probability(url, deal_id) == before  # never shown as saved, never saved
        assert "Reconnected to the database" in report
        screens.append(app.export_screenshot())

        # Every connection killed while idle: the next edit reconnects and is saved.
        with admin.connect() as other:
            other.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            )
        await pilot.press("6")
        await settle(pilot)
        assert pg_probability(url, deal_id) == 60
        assert "60%" in status(screen)
        assert app.is_running
        screens.append(app.export_screenshot())
        screens.append(app.sub_title)
        screens.append(status(screen))
    admin.dispose()
    captured = capfd.readouterr()
    haystack = "\n".join([*screens, *notes, caplog.text, captured.out, captured.err])
    assert "connection lost" in haystack
    assert PASSWORD not in haystack
