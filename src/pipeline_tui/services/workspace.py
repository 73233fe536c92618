"""The session: one person's door to one database, for the app and the CLI alike.

`Workspace` is the only way a front end reaches the domain: scope, every read a screen
or a command shows, every write, undo and redo. It holds the engine (never connected at
construction; no front end touches it), who is acting, the clock, the settings and the
undo history; screens and commands hold only results. Each method runs its operation
through `run` (lock waits, fault translation), and every write first calls `_writable`,
the one place per write where what may be written is decided.

Every method blocks on the database, so the UI calls them only from thread workers. The
methods beyond editing live in mixins (`session_reads`, `session_reviews`,
`session_calls`, `session_imports`, `session_people`, `session_deals`,
`session_process`) to keep modules small; they are part of this one class.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from types import TracebackType
from typing import TypeVar

from sqlalchemy import Engine, text

from ..errors import NotFoundError, PermissionDenied, PipelineError, StorageError
from ..forecast import Scope, forecast_totals, load_org
from ..forecast.metrics import ForecastFigures
from ..models import ChangeSource
from ..org import OrgChart, Person
from ..query.flags import FlagRules
from ..storage import current_revision, head_revision, make_engine, redact_url, upgrade
from ..storage.faults import (
    LOCKED,
    READ_ONLY,
    DatabaseLocked,
    DatabaseReadOnly,
    install,
    read_only_reason,
    translated,
)
from ..storage.opening import display_url, url_secrets
from .board_totals import applies, board_totals
from .deals import (
    DealCard,
    DealFilter,
    StageColumn,
    count_deals,
    flag_rules,
    list_deals,
    stage_columns,
)
from .detail import DealDetail, get_deal
from .edit_types import Edit, apply
from .identity import command_person, who_am_i
from .live import ChangeWatcher, watch
from .maintenance import new_engine
from .new_deals import CreatedDeal
from .people import SettingsView, list_pipelines, load_settings
from .session_board import BoardDoor, BoardPatch, ChangeFeed, ChangeMark
from .session_calls import CallsDoor
from .session_deals import DealsDoor
from .session_imports import ImportsDoor
from .session_people import PeopleDoor, PersonRow
from .session_process import ProcessDoor, ProcessResult
from .session_reads import ReadsDoor
from .session_reviews import ReviewsDoor
from .settings import SettingRow
from .undo import UndoStack
from .writes import EditResult, FieldChange

# Results the front ends receive, named here so that they need not import the write modules.
__all__ = [
    "BoardPatch",
    "BoardSnapshot",
    "ChangeFeed",
    "ChangeMark",
    "ColumnPage",
    "CreatedDeal",
    "EditResult",
    "FieldChange",
    "PersonRow",
    "ProcessResult",
    "SettingRow",
    "Workspace",
    "WorkspaceError",
]

T = TypeVar("T")

# SQLite's own wait for a lock is short, so that the person is told at once; the retries
# around each operation then wait up to LOCK_WAIT in all before giving up.
BUSY_TIMEOUT = 0.2
LOCK_WAIT = 10.0
# A command has no one to tell that it waits, so it waits as long as SQLite's default.
COMMAND_LOCK_WAIT = 30.0
LOCK_RETRY = 0.25


class WorkspaceError(PipelineError):
    """Something the person must fix before the app can start (shown, then exit)."""


@dataclass(frozen=True)
class ColumnPage:
    stage: StageColumn
    offset: int
    cards: list[DealCard]


@dataclass(frozen=True)
class BoardSnapshot:
    figures: ForecastFigures
    pages: list[ColumnPage]
    # Read first: a change made while the rest was read is after it, so it is read again.
    mark: ChangeMark = field(default_factory=ChangeMark)


@dataclass
class Workspace(
    BoardDoor, ReadsDoor, ReviewsDoor, CallsDoor, ImportsDoor, PeopleDoor, DealsDoor, ProcessDoor
):
    """The session (see the module's docstring): `open` for the app, `for_command` for
    a CLI command. Use it as a context manager to let go of the database at the end."""

    url: str
    engine: Engine  # the session's own: front ends never use it (tests/test_architecture.py)
    person: Person | None  # None only for a command run by no one known (see `me`)
    org: OrgChart
    settings: SettingsView
    pipelines: list[tuple[int, str]]
    today_fn: Callable[[], date] = date.today
    undo_stack: UndoStack = field(default_factory=UndoStack)
    # Why nothing may be written (a read-only file), or None when edits are allowed.
    read_only: str | None = None
    # Called from the worker's thread the moment an operation finds the database locked.
    on_wait: Callable[[], None] | None = None
    # How long a locked database is waited for before an operation gives up.
    lock_wait: float = LOCK_WAIT
    # The login "me" stands for in a scope (a command's --user may name nobody yet).
    login: str | None = None
    # A command's errors name the database (it may be one of several in a script).
    names_database: bool = False

    @property
    def me(self) -> Person:
        """Who is acting. A command run without a known user has no one."""
        if self.person is None:
            raise NotFoundError(
                "Not signed in as anyone: give --user LOGIN (or set PIPELINE_TUI_USER)"
            )
        return self.person

    @me.setter
    def me(self, person: Person) -> None:
        self.person = person

    @property
    def secrets(self) -> tuple[str, ...]:
        return url_secrets(self.url)

    def run(self, operation: Callable[[], T]) -> T:
        """Runs one operation on the database: faults become `StorageError`s and a lock
        is waited out (the person is told at once). Every session method goes through
        this."""
        if not self.names_database:
            return _retrying(operation, self.secrets, self.lock_wait, self.on_wait)
        with _naming(self.url):
            return _retrying(operation, self.secrets, self.lock_wait, self.on_wait)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _writable(self) -> None:
        if self.read_only is not None:
            raise DatabaseReadOnly(f"{READ_ONLY} ({self.read_only}): nothing was changed")

    def ping(self) -> None:
        """Reaches the database once; after a lost connection this connects afresh."""

        def select_one() -> None:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        self.run(select_one)

    @classmethod
    def open(
        cls,
        url: str,
        user: str | None = None,
        *,
        today: Callable[[], date] = date.today,
        on_wait: Callable[[], None] | None = None,
    ) -> Workspace:
        secrets = url_secrets(url)

        def connect() -> tuple[Engine, str | None]:
            return _connect(url, read_only_reason(url))

        engine, read_only = _retrying(connect, secrets, LOCK_WAIT, on_wait)

        def load() -> tuple[OrgChart, list[tuple[int, str]], SettingsView]:
            with engine.connect() as conn:
                org = load_org(conn)
            return org, list_pipelines(engine), load_settings(engine)

        try:
            org, pipelines, settings = _retrying(load, secrets, LOCK_WAIT, on_wait)
        except BaseException:
            engine.dispose()
            raise
        if not org.people or not pipelines:
            engine.dispose()
            raise WorkspaceError(
                f"{redact_url(url)} has no people or pipelines yet: bring your own with "
                "`pipeline-tui import FILE`, or try the app on demo data with "
                "`pipeline-tui --demo` (or `pipeline-tui seed`)"
            )
        me = _who_am_i(org, user, settings.head_login)
        return cls(
            url,
            engine,
            me,
            org,
            settings,
            pipelines,
            today,
            read_only=read_only,
            on_wait=on_wait,
            login=me.login,
        )

    @classmethod
    def for_command(
        cls,
        url: str,
        user: str | None = None,
        *,
        check_user: bool = False,
        today: date | None = None,
        create: bool = False,
    ) -> Workspace:
        """The session a CLI command runs in, built from its flags: the database (which
        must exist unless the command makes one, `create`), migrated; `user`, who "me"
        is (refused when nobody has that login and `check_user`); `today`, the clock.

        Unlike `open`, a database with no people or pipelines yet is fine: `seed` and the
        first `import` start from one. (`db` maintenance has no one to act as and goes
        through `services.maintenance` instead.)
        """
        engine = install(new_engine(url, create=create, busy_timeout=BUSY_TIMEOUT))

        def load() -> tuple[OrgChart, list[tuple[int, str]], SettingsView]:
            upgrade(engine)
            with engine.connect() as conn:
                org = load_org(conn)
            return org, list_pipelines(engine), load_settings(engine)

        try:
            with _naming(url):
                org, pipelines, settings = _retrying(
                    load, url_secrets(url), COMMAND_LOCK_WAIT, None
                )
            # Who runs the command: --user (or the environment's), else the OS login when
            # it is someone here; writes refuse anyone else (`acting_policy`).
            person = command_person(org, user, check_user=check_user)
        except BaseException:
            engine.dispose()
            raise
        clock: Callable[[], date] = date.today if today is None else (lambda: today)
        return cls(
            url,
            engine,
            person,
            org,
            settings,
            pipelines,
            clock,
            lock_wait=COMMAND_LOCK_WAIT,
            login=user or (person.login if person else None),
            names_database=True,
        )

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    def today(self) -> date:
        return self.today_fn()

    def team_of(self, person_id: int) -> frozenset[int]:
        return self.org.subtree(person_id)

    def forecast(self, scope: Scope, flt: DealFilter) -> ForecastFigures:
        scope, flt = self.seen(scope), self.seen(flt)
        assert flt.period is not None
        period = flt.period

        def totals() -> ForecastFigures:
            with self.engine.connect() as conn:
                return forecast_totals(conn, period, scope, today=self.today())

        return self.run(totals)

    def board(
        self,
        flt: DealFilter,
        scope: Scope,
        *,
        sort: str,
        descending: bool,
        offsets: dict[int, int],
        page_size: int,
    ) -> BoardSnapshot:
        """Header figures, stage totals and one page of cards per stage."""
        flt = self.seen(flt)
        pipeline_id = scope.pipeline_id
        assert pipeline_id is not None
        mark = self.change_mark()
        # One reading of the flags' settings for every column: a page per stage follows.
        rules = self.run(lambda: flag_rules(self.engine, flt))
        figures, columns = self._board_totals(scope, flt, rules)
        pages = []
        for stage in columns:
            offset = max(0, min(offsets.get(stage.stage_id, 0), max(stage.count - 1, 0)))
            pages.append(
                self.page(
                    flt,
                    stage,
                    sort=sort,
                    descending=descending,
                    offset=offset,
                    limit=page_size,
                    rules=rules,
                )
            )
        return BoardSnapshot(figures, pages, mark)

    def _board_totals(
        self, scope: Scope, flt: DealFilter, rules: FlagRules
    ) -> tuple[ForecastFigures, list[StageColumn]]:
        """The header's figures and the stage columns: one grouped query for the plain
        view (`board_totals`), else the roll-up's and the columns' own queries."""
        scope, period = self.seen(scope), flt.period
        pipeline_id = scope.pipeline_id
        assert period is not None and pipeline_id is not None
        if applies(period, scope, flt):

            def combined() -> tuple[ForecastFigures, list[StageColumn]]:
                with self.engine.connect() as conn:
                    return board_totals(conn, period, scope, today=self.today())

            return self.run(combined)
        figures = self.forecast(scope, flt)
        return figures, self.run(lambda: stage_columns(self.engine, flt, pipeline_id, rules))

    def page(
        self,
        flt: DealFilter,
        stage: StageColumn,
        *,
        sort: str,
        descending: bool,
        offset: int,
        limit: int,
        rules: FlagRules | None = None,
    ) -> ColumnPage:
        flt = self.seen(flt)
        cards = self.run(
            lambda: list_deals(
                self.engine,
                replace(flt, stage_id=stage.stage_id),
                sort=sort,
                descending=descending,
                offset=offset,
                limit=limit,
                rules=rules,
            )
        )
        return ColumnPage(stage, offset, cards)

    def deals(
        self, flt: DealFilter, *, sort: str, descending: bool, offset: int, limit: int
    ) -> list[DealCard]:
        flt = self.seen(flt)
        return self.run(
            lambda: list_deals(
                self.engine, flt, sort=sort, descending=descending, offset=offset, limit=limit
            )
        )

    def count(self, flt: DealFilter) -> int:
        return self.run(lambda: count_deals(self.engine, self.seen(flt)))

    def deal(self, deal_id: int) -> DealDetail:
        self.may_see(deal_id)
        return self.run(lambda: get_deal(self.engine, deal_id, today=self.today()))

    def based_on(self, card: DealCard) -> int:
        """The version a write based on `card` (as the user saw it) is checked against:
        the card's own, moved on only past this session's own writes."""
        return self.undo_stack.based_on(card.id, card.version)

    def edit(self, card: DealCard, edit: Edit) -> EditResult:
        """Writes one edit as this person on `card` as they saw it, remembering it for
        undo. `StaleDealError` if someone else changed the deal since."""
        self._writable()
        self.policy.check_deal(self.owner_of(card.id))
        result = self.run(
            lambda: apply(
                self.engine,
                card.id,
                self.based_on(card),
                edit,
                user_id=self.me.id,
                source=ChangeSource.TUI,
            )
        )
        # Notes are not undoable, but a next step bumps the version, which undo must know.
        self.undo_stack.push(result)
        return result

    def undo(self) -> EditResult:
        self._writable()
        self.may_step(self.undo_stack.next_undo())
        return self.run(
            lambda: self.undo_stack.undo(self.engine, user_id=self.me.id, source=ChangeSource.TUI)
        )

    def redo(self) -> EditResult:
        self._writable()
        self.may_step(self.undo_stack.next_redo())
        return self.run(
            lambda: self.undo_stack.redo(self.engine, user_id=self.me.id, source=ChangeSource.TUI)
        )

    def watch(self) -> ChangeWatcher:
        """Tells when someone else changes this database (`services/live.py`); the
        caller closes it."""
        return self.run(lambda: watch(self.engine))

    def changed_by_others(self, seen: DealCard, now: DealCard) -> bool:
        """Whether `now` holds a change to the deal shown as `seen` that this session's
        own writes don't account for."""
        return now.version != seen.version and now.version != self.based_on(seen)


@contextmanager
def _naming(url: str) -> Iterator[None]:
    """A database fault inside the block names the database it happened on."""
    try:
        yield
    except StorageError as exc:
        raise type(exc)(f"Database {display_url(url)}: {exc}") from None


def _retrying(
    operation: Callable[[], T],
    secrets: tuple[str, ...],
    wait: float,
    on_wait: Callable[[], None] | None,
) -> T:
    """`operation`, run again while another program holds the lock, for `wait` seconds.

    Running it again is safe: a locked write raised before its transaction committed, so
    it was rolled back whole. `on_wait` is told at the first refusal, so the person sees
    why nothing happens yet.
    """
    deadline: float | None = None
    while True:
        try:
            with translated(secrets):
                return operation()
        except DatabaseLocked as exc:
            now = time.monotonic()
            if deadline is None:
                deadline = now + wait
                if on_wait is not None:
                    on_wait()
            if now >= deadline:
                raise DatabaseLocked(
                    f"{LOCKED}: gave up after waiting {wait:g} s; nothing was changed"
                ) from exc
            time.sleep(min(LOCK_RETRY, max(deadline - now, 0.0)))


def _connect(url: str, read_only: str | None) -> tuple[Engine, str | None]:
    """An engine with a current schema, and why it is read-only (None if it isn't)."""
    if read_only is None:
        engine = install(make_engine(url, busy_timeout=BUSY_TIMEOUT))
        try:
            upgrade(engine)
            return engine, None
        except DatabaseReadOnly:  # a read-only mount, or a file only root may write
            engine.dispose()
            read_only = "the file can't be written"
        except BaseException:
            engine.dispose()
            raise
    engine = install(make_engine(url, busy_timeout=BUSY_TIMEOUT, read_only=True))
    try:
        current = current_revision(engine)
    except BaseException:
        engine.dispose()
        raise
    if current != head_revision():
        engine.dispose()
        raise DatabaseReadOnly(
            f"{redact_url(url)} is read-only ({read_only}) and its schema is out of date: "
            "make it writable and run `pipeline-tui db upgrade` once"
        )
    return engine, read_only


def _who_am_i(org: OrgChart, login: str | None, head: str | None) -> Person:
    """The named person, else the OS login's; acting as someone else (the head of the
    organisation) is no fallback: it would let anyone change things in their name. `head`
    stays the "me" of a command run by no one (`services.scope.who_is_me`)."""
    del head
    try:
        return who_am_i(org, login)
    except PermissionDenied as exc:
        raise WorkspaceError(str(exc)) from None
