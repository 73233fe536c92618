"""The forecast roll-up as the team hierarchy: organisation, managers, reps.

Every node's figures are the roll-up's own for that person: a rep's node is their
`GroupBy.REP` row, a manager's node their `GroupBy.MANAGER` row (everyone below them), the
root the totals. A manager who owns deals or carries a quota also gets an "own" child, so
a node's children always add up to it. Beside the rep's call each node has the manager's
call, and the node's commit in the period's past snapshots for a sparkline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from ..org import OrgChart
from ..periods import Period
from ..query import Scope, load_org
from .binding import reading
from .calls import CallFigures
from .metrics import ForecastFigures, figures_dict, money_text
from .snapshots import current_calls, list_snapshots, snapshot_calls, total

HISTORY_POINTS = 12


@dataclass(frozen=True)
class TreeNode:
    key: str  # "organisation", a login, or "<login>:own"
    kind: str  # "organisation", "manager", "rep" or "own"
    person_id: int | None
    label: str
    depth: int
    calls: CallFigures
    commit_history: tuple[Decimal, ...] = ()  # oldest first, one per past snapshot
    history_dates: tuple[datetime, ...] = ()
    children: tuple[TreeNode, ...] = field(default=(), repr=False)

    @property
    def figures(self) -> ForecastFigures:
        return self.calls.figures

    @property
    def rep_call(self) -> Decimal:
        return self.calls.rep_call

    @property
    def manager_call(self) -> Decimal:
        return self.calls.manager_call

    def walk(self) -> Iterator[TreeNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def as_dict(self) -> dict[str, Any]:
        return figures_dict(self.figures) | {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "depth": self.depth,
            "rep_call": money_text(self.rep_call),
            "manager_call": money_text(self.manager_call),
            "judged_count": self.calls.manager.judged_count,
            "commit_history": [money_text(v) for v in self.commit_history],
            "children": [c.key for c in self.children],
        }


def rollup_tree(
    bind: Engine | Connection,
    period: Period,
    scope: Scope | None = None,
    *,
    today: date | None = None,
    history: int = HISTORY_POINTS,
) -> list[TreeNode]:
    """The tree in display order (each node followed by its children); the first node is
    the root and holds the others in `children`."""
    scope = scope or Scope()
    with reading(bind) as conn:
        org = load_org(conn)
        calls = current_calls(conn, period, scope, today=today)
        people = scope.owner_ids if scope.owner_ids is not None else frozenset(org.people)
        builder = _Builder(org, people, calls, _history(conn, org, period, scope, history))
        root = builder.root(_root_label(org, scope, people))
    return list(root.walk())


@dataclass
class _History:
    dates: tuple[datetime, ...]
    points: list[tuple[Any, Mapping[int, CallFigures]]]  # (snapshot scope, rows)


class _Builder:
    def __init__(
        self,
        org: OrgChart,
        people: frozenset[int],
        calls: Mapping[int, CallFigures],
        history: _History,
    ) -> None:
        self.org, self.people, self.calls, self.history = org, people, calls, history
        self.managers = {m for m in org.managers() if m in people}

    def root(self, label: str) -> TreeNode:
        tops = [p for p in self._sorted(self.people) if self._top(p)]
        children = tuple(n for p in tops if (n := self._node(p, 1)) is not None)
        owners = frozenset(self.calls) & self.people
        return self._make("organisation", "organisation", None, label, 0, owners, children)

    def _top(self, person: int) -> bool:
        manager = self.org.people[person].manager_id
        return manager is None or manager not in self.people

    def _node(self, person_id: int, depth: int) -> TreeNode | None:
        person = self.org.people[person_id]
        if person_id not in self.managers:
            if person_id not in self.calls:
                return None  # no deals, no quota: the roll-up has no row for them either
            return self._make(
                person.login, "rep", person_id, person.display_name, depth, {person_id}, ()
            )
        reports = [r for r in self.org.direct_reports(person_id) if r in self.people]
        children = [n for r in reports if (n := self._node(r, depth + 1)) is not None]
        if person_id in self.calls:
            own = self._make(
                f"{person.login}:own",
                "own",
                person_id,
                f"{person.display_name} (own)",
                depth + 1,
                {person_id},
                (),
            )
            children.insert(0, own)
        team = self.org.subtree(person_id) & self.people
        return self._make(
            person.login, "manager", person_id, person.display_name, depth, team, tuple(children)
        )

    def _make(
        self,
        key: str,
        kind: str,
        person_id: int | None,
        label: str,
        depth: int,
        owners: frozenset[int] | set[int],
        children: tuple[TreeNode, ...],
    ) -> TreeNode:
        calls = total(self.calls[o] for o in sorted(owners) if o in self.calls)
        commits = tuple(
            total(rows[o] for o in owners if o in rows).figures.commit
            for scope_owners, rows in self.history.points
            if scope_owners is None or frozenset(owners) <= scope_owners
        )
        dates = tuple(
            d
            for d, (scope_owners, _) in zip(self.history.dates, self.history.points, strict=True)
            if scope_owners is None or frozenset(owners) <= scope_owners
        )
        return TreeNode(key, kind, person_id, label, depth, calls, commits, dates, children)

    def _sorted(self, ids: frozenset[int]) -> list[int]:
        return sorted(ids, key=lambda p: (self.org.people[p].display_name.casefold(), p))


def guides(depths: Sequence[int]) -> list[str]:
    """The tree lines before each name, for nodes listed as `rollup_tree` lists them (each
    followed by its children): `├─ ` and `└─ ` before a name, `│  ` under a manager whose
    team goes on below. The root, at depth 0, gets none."""
    shown: list[str] = []
    for i, depth in enumerate(depths):
        if depth == 0:
            shown.append("")
            continue
        parts = ["│  " if _more_at(depths, i, level) else "   " for level in range(1, depth)]
        parts.append("├─ " if _more_at(depths, i, depth) else "└─ ")
        shown.append("".join(parts))
    return shown


def _more_at(depths: Sequence[int], index: int, level: int) -> bool:
    """Whether a sibling at `level` follows before the branch at `index` closes."""
    for depth in depths[index + 1 :]:
        if depth < level:
            return False
        if depth == level:
            return True
    return False


def _history(conn: Connection, org: OrgChart, period: Period, scope: Scope, limit: int) -> _History:
    """The last `limit` snapshots of this period and pipeline, with their rows."""
    snapshots = [
        s
        for s in list_snapshots(conn, period_key=period.key)
        if s.scope.pipeline_id == scope.pipeline_id
    ]
    snapshots = snapshots[-limit:] if limit > 0 else []
    rows = snapshot_calls(conn, [s.id for s in snapshots])
    return _History(
        tuple(s.taken_at for s in snapshots),
        [(s.scope.owner_ids(org), rows[s.id]) for s in snapshots],
    )


def _root_label(org: OrgChart, scope: Scope, people: frozenset[int]) -> str:
    if scope.owner_ids is None:
        return "Organisation"
    tops = [p for p in people if p in org.people and org.people[p].manager_id not in people]
    if len(tops) != 1:
        return "Team"
    name = org.people[tops[0]].display_name
    return f"{name}'s team" if len(people) > 1 else name
