"""Knowing, cheaply, that someone else changed the database: what keeps open screens live.

`watch(engine)` gives a `ChangeWatcher` whose `wait(timeout)` blocks until something was
committed by another connection (then returns a new token) or the timeout passes (None).
It never re-reads the data itself; the screens do that when told.

- SQLite: `PRAGMA data_version` on a connection of the watcher's own. SQLite changes it
  whenever *another* connection commits, whatever it wrote (deals, notes, judgments,
  reviews, quotas, people), and it is per connection, so the watcher keeps one open and
  polls it. The app's own pooled connections are "other" too, so its own edits show up as
  changes; the app coalesces them (one reload per poll at most).
- PostgreSQL: `LISTEN pipeline_tui_changes` on a dedicated connection; migration 0006 makes
  every write to every table notify it at commit, naming the table's schema. A notification
  from one of this engine's own connections (by backend pid) is this session's own write
  and is ignored; one from another schema on the same server is someone else's database.
  If LISTEN can't be used, the watcher polls the server's transaction counter instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, event

if TYPE_CHECKING:  # imported where a PostgreSQL watcher needs it: SQLite starts skip it
    import psycopg

CHANNEL = "pipeline_tui_changes"
# How often SQLite is asked: a change shows on screen within about this long.
POLL_SECONDS = 0.5
# Notifications this close together are one change to the screens.
DRAIN_SECONDS = 0.05


class ChangeWatcher(Protocol):
    token: int

    def wait(self, timeout: float) -> int | None:
        """The new token once someone else committed a change since the last call (or
        since the watcher opened); None if `timeout` seconds passed without one."""

    def close(self) -> None: ...


def watch(engine: Engine, *, poll: float = POLL_SECONDS) -> ChangeWatcher:
    if engine.dialect.name == "sqlite":
        return DataVersionWatcher(engine, poll)
    return NotifyWatcher(engine, poll)


def _dedicated(engine: Engine) -> Any:
    """A driver connection of the engine's kind (sqlite3, psycopg) that no pool will hand
    to anyone else; the caller closes it."""
    fairy = engine.raw_connection()
    fairy.detach()
    return fairy.dbapi_connection


class DataVersionWatcher:
    def __init__(self, engine: Engine, poll: float) -> None:
        self.token = 0
        self.poll = poll
        self._conn = _dedicated(engine)
        self._lock = threading.Lock()
        self._version = self._read()

    def _read(self) -> int | None:
        with self._lock:
            try:
                row = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:  # locked for a moment, or gone: ask again next time
                return None
        return int(row[0])

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            version = self._read()
            if version is not None and version != self._version:
                changed = self._version is not None
                self._version = version
                if changed:
                    self.token += 1
                    return self.token
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(self.poll, left))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class NotifyWatcher:
    def __init__(self, engine: Engine, poll: float) -> None:
        self.token = 0
        self.poll = poll
        self._engine = engine
        self._own: set[int] = set()
        self._lock = threading.Lock()
        event.listen(engine, "checkout", self._checked_out)
        event.listen(engine, "close", self._closed)
        self._conn: Any = None
        self._schema = ""
        self._xmax: int | None = None  # polling instead, when LISTEN failed
        self._connect()

    # This engine's own connections: their notifications are this session's writes.
    def _checked_out(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        with self._lock:
            self._own.add(dbapi_connection.info.backend_pid)

    def _closed(self, dbapi_connection: Any, _record: Any) -> None:
        with self._lock:
            self._own.discard(dbapi_connection.info.backend_pid)

    def _connect(self) -> None:
        self._conn = _dedicated(self._engine)
        try:
            self._listen_on(self._conn)
        except BaseException:
            self._drop()
            raise

    def _listen_on(self, conn: psycopg.Connection[Any]) -> None:
        import psycopg

        conn.rollback()
        conn.autocommit = True
        row = conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass('deal')"
        ).fetchone()
        self._schema = str(row[0]) if row else ""
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            self._xmax = None
        except psycopg.Error:  # a pooler that can't hold a LISTEN: poll instead
            self._xmax = self._transactions()

    def _transactions(self) -> int:
        """The server's next transaction id: moves on with every write, ours or anyone's,
        in any database on the server, so polling it never misses one."""
        conn = self._conn
        row = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()
        return int(row[0])

    def _foreign(self, note: psycopg.Notify) -> bool:
        schema = note.payload.split(" ")[0]
        with self._lock:
            own = note.pid in self._own
        return schema == self._schema and not own

    def wait(self, timeout: float) -> int | None:
        import psycopg

        if self._conn is None:  # the connection broke: try again, and tell what we missed
            try:
                self._connect()
            except Exception:  # still unreachable; the next wait tries again
                self._conn = None
                time.sleep(timeout)
                return None
            self.token += 1
            return self.token
        try:
            if self._xmax is not None:
                return self._poll(timeout)
            return self._listen(timeout)
        except psycopg.Error:
            self._drop()
            return None

    def _listen(self, timeout: float) -> int | None:
        conn = self._conn
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            notes = list(conn.notifies(timeout=left, stop_after=1))
            if not notes:
                return None
            # Whatever else is arriving with it is the same news: take it all now.
            # A writer that never pauses still gets the screens told within a moment.
            until = time.monotonic() + 5 * DRAIN_SECONDS
            while time.monotonic() < until and (more := list(conn.notifies(timeout=DRAIN_SECONDS))):
                notes += more
            if any(self._foreign(n) for n in notes):
                self.token += 1
                return self.token
        return None

    def _poll(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            xmax = self._transactions()
            if xmax != self._xmax:
                self._xmax = xmax
                self.token += 1
                return self.token
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(self.poll, left))

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        with contextlib.suppress(Exception):  # already broken: nothing more to release
            conn.close()

    def close(self) -> None:
        event.remove(self._engine, "checkout", self._checked_out)
        event.remove(self._engine, "close", self._closed)
        if self._conn is not None:
            self._drop()
