"""What the session's mixins may use of `workspace.Workspace`, for the type checker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..org import OrgChart, Person
    from ..query import Scope
    from .deals import DealCard
    from .people import SettingsView
    from .permissions import Policy
    from .undo import UndoStack

T = TypeVar("T")


class SessionBase:
    """`Workspace` provides all of this; the mixins (`ReadsDoor`, `ReviewsDoor`,
    `ImportsDoor`) only use it."""

    if TYPE_CHECKING:
        engine: Engine
        org: OrgChart
        settings: SettingsView
        pipelines: list[tuple[int, str]]
        login: str | None
        person: Person | None
        undo_stack: UndoStack

        @property
        def me(self) -> Person: ...

        def run(self, operation: Callable[[], T]) -> T: ...

        def _writable(self) -> None: ...

        def today(self) -> date: ...

        def based_on(self, card: DealCard) -> int: ...

        @property
        def policy(self) -> Policy: ...

        def acting_policy(self) -> Policy | None: ...

        def owner_of(self, deal_id: int) -> int: ...

        def seen(self, scope: Scope) -> Scope: ...
