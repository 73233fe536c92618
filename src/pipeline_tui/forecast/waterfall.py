"""What changed: the pipeline waterfall between two moments, by rep and for the team.

    start + new + pulled in + reopened + restored + moved in + increased
          - decreased - won - lost - pushed out - omitted - moved out = end

`start` and `end` are the period's pipeline (open deals closing in the period, except
`omitted`, as in the roll-up) at the two moments; every deal that is in either is in
exactly one entering or leaving bar, or in neither, and the change of amount of a deal
that was in the start pipeline is in increased or decreased, so the sum is exact. The
bars are defined in docs/metrics.md.

Only deals touched since the start are looked at one by one: the end pipeline is a SQL
sum, and a deal untouched since the start moves no bar.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, true

from ..models import Deal, DealChange, ForecastCategory, SnapshotDeal, StageKind, table_of, utcnow
from ..money import MINOR_UNITS
from ..org import OrgChart
from ..periods import Period
from ..query import DEAL, Scope, StageInfo, as_utc, load_org, load_stages, where
from ..query.currency import Sums, converted_sums, load_rates, rate_in_force, reporting_currency
from .binding import reading
from .history import (
    FIELDS,
    DealNow,
    DealState,
    deal_state,
    load_moved,
    stages_by_name,
    state_at,
)
from .metrics import merge_unconverted
from .snapshots import load_snapshot
from .waterfall_model import Bar, MovedDeal, Waterfall, WaterfallError, build_row

CHANGE, SNAPSHOT_DEAL = table_of(DealChange).c, table_of(SnapshotDeal).c
DEAL_TABLE = table_of(Deal)
OPEN, OMITTED = StageKind.OPEN.value, ForecastCategory.OMITTED.value
BATCH = 5000  # ids per IN list: well under every database's limit on parameters


def waterfall(
    bind: Engine | Connection,
    *,
    since: datetime | int,
    period: Period,
    scope: Scope | None = None,
    until: datetime | int | None = None,
) -> Waterfall:
    """The waterfall from `since` (a moment, or a snapshot id: then the start is the
    snapshot's own deal rows) to `until` (default: now; a snapshot id means the moment it
    was taken, rebuilt from the history)."""
    scope = scope or Scope()
    with reading(bind) as conn:
        return _waterfall(conn, since, until, period, scope)


def _waterfall(
    conn: Connection,
    since: datetime | int,
    until: datetime | int | None,
    period: Period,
    scope: Scope,
) -> Waterfall:
    org = load_org(conn)
    snapshot_id: int | None = None
    use_rows = False
    if isinstance(since, int):
        snapshot = load_snapshot(conn, since)
        if snapshot.period.key != period.key:
            raise WaterfallError(f"Snapshot {since} is of {snapshot.period.key}, not {period.key}.")
        if not snapshot.scope.covers(org, scope.owner_ids, scope.pipeline_id):
            raise WaterfallError(f"Snapshot {since} does not cover the deals asked for.")
        snapshot_id, start_at, use_rows = since, snapshot.taken_at, snapshot.with_deals
    else:
        start_at = as_utc(since)
    if isinstance(until, int):
        later = load_snapshot(conn, until)
        if later.period.key != period.key:
            raise WaterfallError(f"Snapshot {until} is of {later.period.key}, not {period.key}.")
        until = later.taken_at
    end_at = None if until is None else as_utc(until)
    if start_at > (end_at or utcnow()):
        raise WaterfallError("The start of a waterfall must come before its end.")

    stages = load_stages(conn)
    by_name = stages_by_name(stages, conn)
    ids = _moved_ids(start_at, period, scope, stages, snapshot_id if use_rows else None)
    moved = load_moved(conn, ids, start_at, stages)
    from_rows = _snapshot_states(conn, snapshot_id, moved, stages) if use_rows else {}
    today = (end_at or utcnow()).date()
    now, unconverted = _pipeline_by_owner(conn, period, scope, stages, today)
    factors = _factors(conn, sorted(moved), today)
    tally = _Tally(period, scope, now)
    for deal_id, (deal, history) in moved.items():
        after = deal.state if end_at is None else state_at(deal, history, end_at, by_name)
        before = from_rows.get(deal_id) or state_at(deal, history, start_at, by_name)
        currency, factor = factors.get(deal_id, ("", Decimal(1)))
        absent = use_rows and deal_id not in from_rows
        if factor is None:
            # Not in the pipeline sum now either: counted once, if it counts at an end.
            if not tally.counted(deal.state) and (
                (not absent and tally.counted(before)) or tally.counted(after)
            ):
                unconverted[currency] = unconverted.get(currency, 0) + 1
            continue
        tally.add(deal, before, after, absent=absent, factor=factor)

    rows = []
    for owner in sorted(tally.owners(), key=lambda o: _sort(org, o)):
        person = org.people.get(owner)
        key, label = (person.login, person.display_name) if person else (str(owner), str(owner))
        nothing = [Decimal(0), Decimal(0)]
        start, end = tally.start.get(owner, nothing), tally.end.get(owner, nothing)
        rows.append(build_row(key, label, owner, start, end, tally.by_owner.get(owner, [])))
    team_row = build_row(
        "TEAM",
        _scope_label(org, scope),
        None,
        [sum((v[i] for v in tally.start.values()), Decimal(0)) for i in (0, 1)],
        [sum((v[i] for v in tally.end.values()), Decimal(0)) for i in (0, 1)],
        tally.team,
    )
    return Waterfall(
        period, start_at, end_at, snapshot_id, team_row, rows, merge_unconverted(unconverted)
    )


class _Tally:
    """Start and end per owner, and the bars, built one moved deal at a time.

    Start and end begin as the pipeline now (a SQL sum); each moved deal then swaps its
    contribution now for its contribution at each end.
    """

    def __init__(self, period: Period, scope: Scope, now: dict[int, list[Decimal]]) -> None:
        self.period, self.scope = period, scope
        self.start = {o: list(v) for o, v in now.items()}
        self.end = {o: list(v) for o, v in now.items()}
        self.team: list[tuple[Bar, MovedDeal]] = []
        self.by_owner: dict[int, list[tuple[Bar, MovedDeal]]] = {}

    def inside(self, state: DealState | None, owner: int | None = None) -> bool:
        scope = self.scope
        return (
            state is not None
            and (scope.owner_ids is None or state.owner_id in scope.owner_ids)
            and scope.pipeline_id in (None, state.pipeline_id)
            and (owner is None or state.owner_id == owner)
        )

    def counted(self, state: DealState | None, owner: int | None = None) -> bool:
        return (
            state is not None
            and state.kind == OPEN
            and state.category != OMITTED
            and not state.archived
            and self.period.contains(state.close_date)
            and self.inside(state, owner)
        )

    def add(
        self,
        deal: DealNow,
        before: DealState | None,
        after: DealState | None,
        *,
        absent: bool,
        factor: Decimal = Decimal(1),
    ) -> None:
        """`factor` converts the deal's amounts, at both ends, to the reporting currency:
        one rate per deal, so that its bars are its own changes, not the rate's."""
        was = not absent and self.counted(before)
        now, will = self.counted(deal.state), self.counted(after)
        if now:
            _add(self.start, deal.state, -factor)
            _add(self.end, deal.state, -factor)
        if was and before is not None:
            _add(self.start, before, factor)
        if will and after is not None:
            _add(self.end, after, factor)
        if not (was or will):
            return  # in the pipeline at neither end
        if (
            was
            and will
            and before is not None
            and after is not None
            and (before.owner_id, before.amount_minor) == (after.owner_id, after.amount_minor)
        ):
            return  # in it throughout, at the same amount, with the same rep
        made: dict[tuple[Bar, int], MovedDeal] = {}

        def moved(owner: int | None) -> list[tuple[Bar, MovedDeal]]:
            bars = _classify(
                before,
                after,
                not absent and self.counted(before, owner),
                self.counted(after, owner),
                absent,
                partial(self.inside, owner=owner),
                self.period,
            )
            result = []
            for bar, amount in bars:
                if (bar, amount) not in made:  # one object for the team's and the rep's bar
                    made[bar, amount] = MovedDeal.of(
                        deal.id, deal.name, amount, before, after, factor
                    )
                result.append((bar, made[bar, amount]))
            return result

        self.team += moved(None)
        for owner in {s.owner_id for s in (before, after) if s is not None}:
            self.by_owner.setdefault(owner, []).extend(moved(owner))

    def owners(self) -> set[int]:
        """The owners in scope with a pipeline at either end or a movement."""
        found = set()
        for owner in set(self.start) | set(self.end) | set(self.by_owner):
            if self.scope.owner_ids is not None and owner not in self.scope.owner_ids:
                continue
            s, e = self.start.get(owner, [0, 0]), self.end.get(owner, [0, 0])
            if s[0] or e[0] or s[1] or e[1] or self.by_owner.get(owner):
                found.add(owner)
        return found


def _classify(
    before: DealState | None,
    after: DealState | None,
    was: bool,
    now: bool,
    absent: bool,
    inside: Callable[[DealState | None], bool],
    period: Period,
) -> list[tuple[Bar, int]]:
    """The bars one deal moves, with the (positive) amount it moves each by."""
    result: list[tuple[Bar, int]] = []
    if was and after is not None and before is not None:
        delta = after.amount_minor - before.amount_minor
        if delta:
            result.append((Bar.INCREASED if delta > 0 else Bar.DECREASED, abs(delta)))
        if now:
            return result
        if after.kind == StageKind.WON.value:
            bar = Bar.WON
        elif after.kind == StageKind.LOST.value:
            bar = Bar.LOST
        elif not inside(after):
            bar = Bar.MOVED_OUT
        elif not period.contains(after.close_date):
            bar = Bar.PUSHED_OUT
        else:
            bar = Bar.OMITTED
        return [*result, (bar, after.amount_minor)]
    if not now or after is None:
        return result
    if before is None:
        bar = Bar.NEW
    elif not inside(before) or (absent and period.contains(before.close_date)):
        # Absent from a snapshot of this period although dated in it: out of its scope.
        bar = Bar.MOVED_IN
    elif not before.is_open:
        bar = Bar.REOPENED
    elif not period.contains(before.close_date):
        bar = Bar.PULLED_IN
    else:
        bar = Bar.RESTORED
    return [(bar, after.amount_minor)]


def _add(totals: dict[int, list[Decimal]], state: DealState, factor: Decimal) -> None:
    """Adds (factor > 0) or takes away the state's converted amount and one deal."""
    pair = totals.setdefault(state.owner_id, [Decimal(0), Decimal(0)])
    pair[0] += factor * state.amount_minor
    pair[1] += 1 if factor > 0 else -1


def _moved_ids(
    start_at: datetime,
    period: Period,
    scope: Scope,
    stages: dict[int, StageInfo],
    snapshot_id: int | None,
) -> Any:
    """Ids of the deals that may have moved a bar, as a subquery.

    Touched since the start and dated in the period now or at some point since (a
    close-date change from or to a day in it). Without a snapshot only a change to a
    forecast field or being new can move a bar, which leaves out the many deals whose
    probability alone moved; from a snapshot, also every deal it holds that differs from
    today (so owners changed without history are seen).
    """
    # Archived ones too: archived since the start, a deal leaves the pipeline (omitted).
    seen = replace(scope.counted(None), with_archived=True)
    query = select(DEAL.id).where(DEAL.updated_at > start_at, *where(seen, stages))
    if period.start is not None and period.end is not None:
        first, last = period.start.isoformat(), period.end.isoformat()
        dated = select(CHANGE.deal_id).where(
            CHANGE.field == "close_date",
            CHANGE.changed_at > start_at,
            or_(CHANGE.old_value.between(first, last), CHANGE.new_value.between(first, last)),
        )
        query = query.where(
            or_(DEAL.close_date.between(period.start, period.end), DEAL.id.in_(dated))
        )
    if snapshot_id is None:
        changed = select(CHANGE.deal_id).where(
            CHANGE.changed_at > start_at, CHANGE.field.in_(FIELDS)
        )
        return query.where(or_(DEAL.created_at > start_at, DEAL.id.in_(changed)))
    sd = SNAPSHOT_DEAL
    differs = (
        select(sd.deal_id)
        .join(DEAL_TABLE, DEAL.id == sd.deal_id)
        .where(
            sd.snapshot_id == snapshot_id,
            or_(
                DEAL.owner_id != sd.owner_id,
                DEAL.pipeline_id != sd.pipeline_id,
                DEAL.stage_id != sd.stage_id,
                DEAL.amount_minor != sd.amount_minor,
                DEAL.forecast_category != sd.forecast_category,
                DEAL.close_date.is_distinct_from(sd.close_date),
            ),
        )
    )
    return query.union(differs)


def _snapshot_states(
    conn: Connection,
    snapshot_id: int | None,
    moved: Mapping[int, Any],
    stages: dict[int, StageInfo],
) -> dict[int, DealState]:
    """The snapshot's rows for the moved deals, fetched by id a batch at a time (a
    snapshot of everyone holds a whole period's deals)."""
    sd = SNAPSHOT_DEAL
    ids = sorted(moved)
    result: dict[int, DealState] = {}
    for first in range(0, len(ids), BATCH):
        query = select(
            sd.deal_id,
            sd.owner_id,
            sd.pipeline_id,
            sd.stage_id,
            sd.amount_minor,
            sd.forecast_category,
            sd.close_date,
        ).where(sd.snapshot_id == snapshot_id, sd.deal_id.in_(ids[first : first + BATCH]))
        for row in conn.execute(query).mappings():
            result[row["deal_id"]] = deal_state(row, stages)
    return result


def _pipeline_by_owner(
    conn: Connection, period: Period, scope: Scope, stages: dict[int, StageInfo], today: date
) -> tuple[dict[int, list[Decimal]], dict[str, int]]:
    """The pipeline now, per owner: [amount in minor units of the reporting currency,
    number of deals]; and the deals left out for want of a rate, per currency."""
    conditions = [
        DEAL.forecast_category != ForecastCategory.OMITTED.value,
        *where(scope.counted(period, open_only=True), stages),
    ]
    sums = Sums(money={"amount": (true(), DEAL.amount_minor)}, counts={"n": true()})
    grouped = converted_sums(conn, DEAL.owner_id, sums, conditions, today=today)
    unconverted: dict[str, int] = {}
    result: dict[int, list[Decimal]] = {}
    for owner, c in grouped.items():
        left_out = sum(c.unconverted.values())
        for code, n in c.unconverted.items():
            unconverted[code] = unconverted.get(code, 0) + n
        result[owner] = [c.amount("amount") * MINOR_UNITS, Decimal(c.count("n") - left_out)]
    return result, unconverted


def _factors(
    conn: Connection, ids: list[int], today: date
) -> dict[int, tuple[str, Decimal | None]]:
    """Each moved deal's currency and rate to the reporting currency: the one in force at
    its close date now (or today); None when there is none."""
    reporting, rates = reporting_currency(conn), load_rates(conn)
    result: dict[int, tuple[str, Decimal | None]] = {}
    rate_id = rate_in_force(reporting, today)
    for first in range(0, len(ids), BATCH):
        query = select(DEAL.id, DEAL.currency, rate_id).where(
            DEAL.id.in_(ids[first : first + BATCH])
        )
        for deal_id, currency, found in conn.execute(query):
            code = str(currency or reporting).upper()
            factor = Decimal(1) if code == reporting else rates.get(found) if found else None
            result[deal_id] = (code, factor)
    return result


def _sort(org: OrgChart, owner: int) -> tuple[str, int]:
    person = org.people.get(owner)
    return ((person.display_name if person else "").casefold(), owner)


def _scope_label(org: OrgChart, scope: Scope) -> str:
    if scope.owner_ids is None:
        return "Everyone"
    tops = [
        p
        for p in scope.owner_ids
        if org.people.get(p) and org.people[p].manager_id not in scope.owner_ids
    ]
    if len(tops) == 1:
        person = org.people[tops[0]]
        return person.display_name if len(scope.owner_ids) == 1 else f"{person.display_name}'s team"
    return "Team"


__all__ = ["Bar", "MovedDeal", "Waterfall", "WaterfallError", "waterfall"]
