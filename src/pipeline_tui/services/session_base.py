"""What the session's mixins may use of `workspace.Workspace`, for the type checker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..org import OrgChart, Person
    from .deals import DealCard
    from .people import SettingsView

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

        @property
        def me(self) -> Person: ...

        def run(self, operation: Callable[[], T]) -> T: ...

        def _writable(self) -> None: ...

        def today(self) -> date: ...

        def based_on(self, card: DealCard) -> int: ...
