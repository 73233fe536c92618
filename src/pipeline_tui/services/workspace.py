"""One person's session with one database: what the UI's thread workers call.

Every method blocks on the database, so the UI calls them only from thread workers. The
workspace holds the engine (never connected at construction), who is acting, the
settings and the undo history; the screens hold only results.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from ..errors import PipelineError
from ..forecast import Scope, forecast_totals, load_org
from ..forecast.metrics import ForecastFigures
from ..models import ChangeSource
from ..org import OrgChart, Person
from ..storage import make_engine, redact_url, upgrade
from . import edits
from .deals import DealCard, DealFilter, StageColumn, count_deals, list_deals, stage_columns
from .detail import DealDetail, get_deal
from .people import SettingsView, list_pipelines, load_settings
from .undo import UndoStack


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


@dataclass
class Workspace:
    url: str
    engine: Engine
    me: Person
    org: OrgChart
    settings: SettingsView
    pipelines: list[tuple[int, str]]
    today_fn: Callable[[], date] = date.today
    undo_stack: UndoStack = field(default_factory=UndoStack)

    @classmethod
    def open(
        cls, url: str, user: str | None = None, *, today: Callable[[], date] = date.today
    ) -> Workspace:
        engine = make_engine(url)
        upgrade(engine)
        with engine.connect() as conn:
            org = load_org(conn)
        pipelines = list_pipelines(engine)
        if not org.people or not pipelines:
            raise WorkspaceError(
                f"{redact_url(url)} has no people or pipelines yet: run `pipeline-tui seed` "
                "or `pipeline-tui --demo` to try the app on demo data"
            )
        me = _who_am_i(org, user)
        return cls(url, engine, me, org, load_settings(engine), pipelines, today)

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    def today(self) -> date:
        return self.today_fn()

    def team_of(self, person_id: int) -> frozenset[int]:
        return self.org.subtree(person_id)

    def forecast(self, scope: Scope, flt: DealFilter) -> ForecastFigures:
        assert flt.period is not None
        with self.engine.connect() as conn:
            return forecast_totals(conn, flt.period, scope, today=self.today())

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
        assert scope.pipeline_id is not None
        figures = self.forecast(scope, flt)
        pages = []
        for stage in stage_columns(self.engine, flt, scope.pipeline_id):
            offset = max(0, min(offsets.get(stage.stage_id, 0), max(stage.count - 1, 0)))
            pages.append(
                self.page(
                    flt, stage, sort=sort, descending=descending, offset=offset, limit=page_size
                )
            )
        return BoardSnapshot(figures, pages)

    def page(
        self,
        flt: DealFilter,
        stage: StageColumn,
        *,
        sort: str,
        descending: bool,
        offset: int,
        limit: int,
    ) -> ColumnPage:
        cards = list_deals(
            self.engine,
            replace(flt, stage_id=stage.stage_id),
            sort=sort,
            descending=descending,
            offset=offset,
            limit=limit,
        )
        return ColumnPage(stage, offset, cards)

    def deals(
        self, flt: DealFilter, *, sort: str, descending: bool, offset: int, limit: int
    ) -> list[DealCard]:
        return list_deals(
            self.engine, flt, sort=sort, descending=descending, offset=offset, limit=limit
        )

    def count(self, flt: DealFilter) -> int:
        return count_deals(self.engine, flt)

    def deal(self, deal_id: int) -> DealDetail:
        return get_deal(self.engine, deal_id, today=self.today())

    def based_on(self, card: DealCard) -> int:
        """The version a write based on `card` (as the user saw it) is checked against:
        the card's own, moved on only past this session's own writes."""
        return self.undo_stack.based_on(card.id, card.version)

    def edit(self, operation: str, card: DealCard, *args: Any, **kwargs: Any) -> edits.EditResult:
        """Runs one keystroke edit as this person on `card` as they saw it, remembering it
        for undo. `StaleDealError` if someone else changed the deal since."""
        function = getattr(edits, operation)
        result: edits.EditResult = function(
            self.engine,
            card.id,
            self.based_on(card),
            *args,
            user_id=self.me.id,
            source=ChangeSource.TUI,
            **kwargs,
        )
        self.undo_stack.push(result)
        return result

    def add_note(self, card: DealCard, text: str, *, kind: str) -> edits.EditResult:
        result = edits.add_note(
            self.engine,
            card.id,
            text,
            kind=kind,
            user_id=self.me.id,
            expected_version=self.based_on(card),
        )
        # Not undoable, but a next step bumps the version, which undo must know about.
        self.undo_stack.push(result)
        return result

    def undo(self) -> edits.EditResult:
        return self.undo_stack.undo(self.engine, user_id=self.me.id, source=ChangeSource.TUI)

    def redo(self) -> edits.EditResult:
        return self.undo_stack.redo(self.engine, user_id=self.me.id, source=ChangeSource.TUI)


def _who_am_i(org: OrgChart, login: str | None) -> Person:
    """The named person; else the OS login if it is a person here; else the top manager."""
    if login:
        person = org.by_login(login)
        if person is None:
            known = ", ".join(sorted(p.login for p in org.people.values())[:8])
            raise WorkspaceError(f"no person with login '{login}' (some that exist: {known})")
        return person
    try:
        person = org.by_login(getpass.getuser())
    except (KeyError, OSError):  # no login name in some containers
        person = None
    if person is not None:
        return person
    roots = [org.people[r] for r in org.roots()]
    managers = [p for p in roots if p.role == "manager"] or roots
    return managers[0]
