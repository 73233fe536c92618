"""What must hold after a run, checked on the database itself against the processes' logs.

The history has no version column; as `services.conflicts` relies on, every version bump
of a deal is one write whose `deal_change` rows share a timestamp, an author and a
source, and a deal's rows are numbered in commit order. So the k-th write group after the
baseline is the write that left version `baseline + k`, and an acknowledged edit that
left version V must be exactly that group: same author, same time, same fields and values.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from pipeline_tui.models import Deal, DealChange, Note, Stage, User, table_of
from pipeline_tui.money import from_minor
from pipeline_tui.query import as_utc
from pipeline_tui.services.writes import COLUMNS, as_text

DEAL, CHANGE = table_of(Deal).c, table_of(DealChange).c
NOTE, STAGE, USER = table_of(Note).c, table_of(Stage).c, table_of(User).c
# Every field an edit may change, as the change log names it (from the write path itself,
# so a field added there is replayed here too).
FIELDS = tuple(COLUMNS)
EXAMPLES = 5  # failures quoted per check; the count says how many there were


@dataclass(frozen=True)
class Baseline:
    """The pool as seeded, before any session wrote: where the replay starts."""

    values: dict[int, dict[str, str | None]]
    versions: dict[int, int]
    last_change_id: int
    last_note_id: int


@dataclass
class Check:
    name: str
    failures: list[str] = field(default_factory=list)
    count: int = 0  # how many things were checked
    found: int = 0  # what a check counts besides failures (writes in flight at a kill)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, why: str) -> None:
        self.failures.append(why)

    def line(self) -> str:
        head = f"{'PASS' if self.ok else 'FAIL'}  {self.name} ({self.count:,} checked)"
        if self.ok:
            return head
        shown = "\n".join(f"        {f}" for f in self.failures[:EXAMPLES])
        more = len(self.failures) - EXAMPLES
        return f"{head}: {len(self.failures):,} failed\n{shown}" + (
            f"\n        ... and {more:,} more" if more > 0 else ""
        )


@dataclass(frozen=True)
class Group:
    """One write to a deal as its change rows tell it."""

    who: int | None
    at: str
    changes: frozenset[tuple[str, str | None, str | None]]


def _deal_values(conn: Connection, deal_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    rows = conn.execute(
        select(*DEAL, STAGE.name.label("stage_name"))
        .join(table_of(Stage), STAGE.id == DEAL.stage_id)
        .where(DEAL.id.in_(list(deal_ids)))
    ).mappings()
    out = {}
    for row in rows:
        values: dict[str, Any] = {"version": row["version"]}
        for name, column in COLUMNS.items():
            if name == "stage":
                values[name] = row["stage_name"]
            elif name == "amount":
                values[name] = as_text(from_minor(row[column]))
            else:
                values[name] = as_text(row[column])
        out[row["id"]] = values
    return out


def take_baseline(engine: Engine, deal_ids: list[int]) -> Baseline:
    with engine.connect() as conn:
        current = _deal_values(conn, deal_ids)
        last_change = conn.execute(select(func.coalesce(func.max(CHANGE.id), 0))).scalar_one()
        last_note = conn.execute(select(func.coalesce(func.max(NOTE.id), 0))).scalar_one()
    return Baseline(
        {i: {f: v[f] for f in FIELDS} for i, v in current.items()},
        {i: v["version"] for i, v in current.items()},
        int(last_change),
        int(last_note),
    )


def read_log(paths: Iterable[Path]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            # A line cut short by a kill was never logged: its edit was not acknowledged.
            records.extend(json.loads(line) for line in lines if line.endswith("\n"))
    return records


def _groups(conn: Connection, baseline: Baseline) -> dict[int, list[Group]]:
    """Each deal's writes since the baseline, oldest first."""
    rows = conn.execute(
        select(
            CHANGE.deal_id,
            CHANGE.field,
            CHANGE.old_value,
            CHANGE.new_value,
            CHANGE.changed_by_id,
            CHANGE.changed_at,
            CHANGE.source,
        )
        .where(CHANGE.id > baseline.last_change_id)
        .order_by(CHANGE.deal_id, CHANGE.id)
    ).all()
    groups: dict[int, list[Group]] = defaultdict(list)
    keys: dict[int, tuple[Any, ...]] = {}
    for deal_id, name, old, new, who, at, source in rows:
        key = (at, who, source)
        if keys.get(deal_id) != key:
            keys[deal_id] = key
            groups[deal_id].append(Group(who, as_utc(at).isoformat(), frozenset()))
        last = groups[deal_id][-1]
        groups[deal_id][-1] = Group(last.who, last.at, last.changes | {(name, old, new)})
    return groups


def verify(
    engine: Engine | Connection,
    baseline: Baseline,
    records: list[dict[str, Any]],
    *,
    planned: int | None = None,
    in_flight: int = 0,
) -> list[Check]:
    """The checks, each with its failures. `planned`: edits each process was to attempt
    (None when processes were killed). `in_flight`: writes that may have committed without
    being acknowledged (one per killed writer); they must be among the logged attempts."""
    acks = [r for r in records if r["kind"] == "ack"]
    with _connected(engine) as conn:
        groups = _groups(conn, baseline)
        current = _deal_values(conn, baseline.versions)
        notes = conn.execute(
            select(NOTE.deal_id, NOTE.author_id, NOTE.text, NOTE.kind).where(
                NOTE.id > baseline.last_note_id
            )
        ).all()
        names = {i: n for i, n in conn.execute(select(USER.id, USER.display_name))}
    return [
        _accounted(records, planned),
        _acknowledged_present(acks, groups, notes, baseline),
        _versions(acks, groups, current, baseline),
        _replay(acks, groups, current, baseline),
        _conflicts(records, groups, baseline, names),
        _unacknowledged(records, acks, groups, notes, baseline, in_flight),
        _steps(acks),
        _shared(records),
        _no_errors(records),
    ]


@contextmanager
def _connected(source: Engine | Connection) -> Iterator[Connection]:
    """A connection of the engine's, or the given one (a test's transaction)."""
    if isinstance(source, Connection):
        yield source
    else:
        with source.connect() as conn:
            yield conn


def _accounted(records: list[dict[str, Any]], planned: int | None) -> Check:
    check = Check("every attempted edit is accounted for (ack + conflict + refused + error)")
    by_proc: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_proc[r["proc"]].append(r)
    for proc, mine in sorted(by_proc.items()):
        check.count += 1
        outcomes = [r for r in mine if r["kind"] in ("ack", "conflict", "refused", "error")]
        seqs = sorted(r["seq"] for r in outcomes)
        if seqs != list(range(len(seqs))):
            check.fail(f"process {proc}: outcomes are not one per edit in order")
        if planned is None:
            continue
        done = [r for r in mine if r["kind"] == "done"]
        if not done:
            check.fail(f"process {proc}: no 'done' line (it died or was never started)")
        if len(outcomes) != planned:
            check.fail(f"process {proc}: {len(outcomes)} outcomes logged for {planned} edits")
    return check


def _acknowledged_present(
    acks: list[dict[str, Any]],
    groups: dict[int, list[Group]],
    notes: Sequence[Any],
    baseline: Baseline,
) -> Check:
    check = Check("every acknowledged edit is in the database (version, who, when, values)")
    note_rows: dict[tuple[int, int | None, str, str], int] = defaultdict(int)
    for deal_id, author, body, kind in notes:
        note_rows[(deal_id, author, body, kind)] += 1
    for ack in acks:
        check.count += 1
        where = f"process {ack['proc']} edit {ack['seq']} on deal {ack['deal']}"
        if ack.get("note") is not None:
            key = (ack["deal"], ack["user_id"], ack["note"]["text"], ack["note"]["kind"])
            if note_rows.get(key, 0) != 1:
                check.fail(f"{where}: its note is stored {note_rows.get(key, 0)} times")
        if not ack["changes"]:
            continue
        index = ack["version"] - baseline.versions[ack["deal"]] - 1
        mine = groups.get(ack["deal"], [])
        if not 0 <= index < len(mine):
            check.fail(f"{where}: no write left version {ack['version']}")
            continue
        group = mine[index]
        wanted = frozenset((f, old, new) for f, old, new in ack["changes"])
        if (group.who, group.at, group.changes) != (ack["user_id"], ack["at"], wanted):
            check.fail(
                f"{where}: version {ack['version']} was written by user {group.who} at "
                f"{group.at} with {sorted(group.changes)}, not by user {ack['user_id']} at "
                f"{ack['at']} with {sorted(wanted)}"
            )
    return check


def _versions(
    acks: list[dict[str, Any]],
    groups: dict[int, list[Group]],
    current: dict[int, dict[str, Any]],
    baseline: Baseline,
) -> Check:
    """No lost update: each write was based on the version its author read, no two
    acknowledgements claim one version, and every version bump left history rows."""
    check = Check("versions: one write per version, each based on what its author read")
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    for ack in acks:
        check.count += 1
        if ack["changes"]:
            claimed[(ack["deal"], ack["version"])] += 1
        if "read_version" not in ack:  # an undo or redo: based on the session's own write
            continue
        expected = ack["read_version"] + (1 if ack["changes"] else 0)
        # An edit that wrote nothing (a nudge at 100%) hands back the deal as it is now,
        # which may be newer than what was read; a note, though, was written on it.
        wrote = ack["changes"] or ack.get("note") is not None
        if ack["version"] != expected and (wrote or ack["version"] < expected):
            check.fail(
                f"deal {ack['deal']}: read at version {ack['read_version']}, the edit "
                f"left version {ack['version']}"
            )
    for (deal_id, version), times in claimed.items():
        if times > 1:
            check.fail(f"deal {deal_id}: {times} acknowledged edits left version {version}")
    for deal_id, start in baseline.versions.items():
        bumps = current[deal_id]["version"] - start
        writes = len(groups.get(deal_id, []))
        if bumps != writes:
            check.fail(f"deal {deal_id}: version moved by {bumps} but history has {writes} writes")
    return check


def _replay(
    acks: list[dict[str, Any]],
    groups: dict[int, list[Group]],
    current: dict[int, dict[str, Any]],
    baseline: Baseline,
) -> Check:
    """Replaying each deal's change log from the baseline gives, write by write, the
    values its author was shown, and at the end the values the deal holds now."""
    check = Check("the change log replays to every deal's final values")
    shown = {(a["deal"], a["version"]): a["values"] for a in acks if a["changes"]}
    for deal_id, start in baseline.values.items():
        check.count += 1
        state = dict(start)
        for k, group in enumerate(groups.get(deal_id, []), start=1):
            version = baseline.versions[deal_id] + k
            for name, old, new in sorted(group.changes):
                if state.get(name) != old:
                    check.fail(
                        f"deal {deal_id} v{version}: {name} was {state.get(name)!r} but "
                        f"the log says it changed from {old!r}"
                    )
                state[name] = new
            for name, value in shown.get((deal_id, version), {}).items():
                if state.get(name) != value:
                    check.fail(
                        f"deal {deal_id} v{version}: replay gives {name} {state.get(name)!r}, "
                        f"its author was shown {value!r}"
                    )
        final = {f: current[deal_id][f] for f in FIELDS}
        if state != final:
            wrong = sorted(f for f in FIELDS if state[f] != final[f])
            check.fail(
                f"deal {deal_id}: replay ends at "
                + ", ".join(f"{f}={state[f]!r}" for f in wrong)
                + "; the deal holds "
                + ", ".join(f"{f}={final[f]!r}" for f in wrong)
            )
    return check


def _conflicts(
    records: list[dict[str, Any]],
    groups: dict[int, list[Group]],
    baseline: Baseline,
    names: dict[int, str],
) -> Check:
    """A conflict is genuine (someone else wrote the version after the one read) and the
    message names who."""
    check = Check("every conflict is real and names who changed the deal")
    for r in records:
        if r["kind"] != "conflict" or "read_version" not in r:
            continue
        check.count += 1
        where = f"process {r['proc']} edit {r['seq']} on deal {r['deal']}"
        index = r["read_version"] - baseline.versions[r["deal"]]
        mine = groups.get(r["deal"], [])
        if not 0 <= index < len(mine):
            check.fail(f"{where}: refused, yet nobody wrote after version {r['read_version']}")
            continue
        if mine[index].who == r["user_id"]:
            check.fail(f"{where}: refused because of its own write v{r['read_version'] + 1}")
        # The message sums up at most the latest 20 writes, so any later author will do;
        # it names nobody when each person's writes since cancel out (a change undone).
        authors = {names.get(g.who or -1, "Someone else") for g in mine[index:]}
        named = any(name in r["message"] for name in authors)
        if not named and not (r["message"].startswith(UNNAMED) and _cancel_out(mine[index:])):
            check.fail(f"{where}: the message names none of {sorted(authors)}: {r['message']}")
    return check


UNNAMED = "Someone else changed this deal"


def _cancel_out(later: list[Group]) -> bool:
    """Whether the first few writes, taken as runs by one author, change nothing in all."""
    runs: list[tuple[int | None, dict[str, tuple[str | None, str | None]]]] = []
    for group in later:
        if not runs or runs[-1][0] != group.who:
            runs.append((group.who, {}))
        net = runs[-1][1]
        for name, old, new in group.changes:
            net[name] = (net[name][0] if name in net else old, new)
        if all(old == new for _, net in runs for old, new in net.values()):
            return True
    return False


def _unacknowledged(
    records: list[dict[str, Any]],
    acks: list[dict[str, Any]],
    groups: dict[int, list[Group]],
    notes: Sequence[Any],
    baseline: Baseline,
    in_flight: int,
) -> Check:
    """Nothing was written that nobody was told about, beyond the writes in flight when a
    writer was killed (each the last attempt that writer logged)."""
    check = Check("no write without an acknowledgement, beyond those in flight at a kill")
    known = {(a["deal"], a["version"]) for a in acks if a["changes"]}
    unacked: list[tuple[int, int | None]] = []
    for deal_id, mine in groups.items():
        for k, group in enumerate(mine, start=1):
            check.count += 1
            if (deal_id, baseline.versions[deal_id] + k) not in known:
                unacked.append((deal_id, group.who))
    acked_notes = {(a["deal"], a["note"]["text"]) for a in acks if a.get("note") is not None}
    for deal_id, author, body, _kind in notes:
        check.count += 1
        if (deal_id, body) not in acked_notes:
            unacked.append((deal_id, author))
    finished = {(r["proc"], r["seq"]) for r in records if "seq" in r and r["kind"] != "attempt"}
    pending = [
        r for r in records if r["kind"] == "attempt" and (r["proc"], r["seq"]) not in finished
    ]
    if len(pending) > in_flight:
        check.fail(f"{len(pending)} attempts never finished (at most {in_flight} expected)")
    check.found = len(unacked)
    explained = {(r.get("deal"), r["user_id"]) for r in pending}
    for deal_id, who in unacked:
        if (deal_id, who) not in explained:
            check.fail(f"deal {deal_id}: a write by user {who} that nobody was told about")
    return check


def _steps(acks: list[dict[str, Any]]) -> Check:
    """An undo puts back exactly what the edit it takes back changed, from exactly what
    that edit left: never over someone else's later change (a redo, the same of an undo)."""
    check = Check("every undo and redo took back exactly its own edit")
    for ack in acks:
        taken = ack.get("takes_back")
        if taken is None:
            continue
        check.count += 1
        wanted = {(f, new, old) for f, old, new in taken["changes"]}
        done = {tuple(c) for c in ack["changes"]}
        if ack["deal"] != taken["deal"] or done != wanted:
            check.fail(
                f"process {ack['proc']} {ack['edit']} {ack['seq']}: wrote {sorted(done)} on deal "
                f"{ack['deal']} to take back {sorted(wanted)} on deal {taken['deal']}"
            )
    return check


def _shared(records: list[dict[str, Any]]) -> Check:
    """Refusals for want of permission are right where reps may change only their own
    deals, but then the sessions don't share the pool and the run proves little."""
    check = Check("every session may edit every deal of the pool")
    for r in records:
        if r["kind"] in ("ack", "conflict", "refused", "error"):
            check.count += 1
        if r["kind"] == "refused" and r["error"] == "PermissionDenied":
            check.fail(f"process {r['proc']} edit {r['seq']}: {r['message']} (try --role admin)")
    return check


def _no_errors(records: list[dict[str, Any]]) -> Check:
    check = Check("no unexpected errors (lock timeouts, lost connections, bugs)")
    for r in records:
        if r["kind"] in ("ack", "conflict", "refused", "error"):
            check.count += 1
        if r["kind"] == "error":
            check.fail(f"process {r['proc']} edit {r['seq']}: {r['error']}: {r['message']}")
    return check


def sqlite_integrity(engine: Engine) -> Check:
    check = Check("SQLite PRAGMA integrity_check and foreign_key_check")
    with engine.connect() as conn:
        check.count = 1
        result = [row[0] for row in conn.execute(text("PRAGMA integrity_check"))]
        if result != ["ok"]:
            check.fail("integrity_check: " + "; ".join(map(str, result[:EXAMPLES])))
        broken = conn.execute(text("PRAGMA foreign_key_check")).all()
        if broken:
            check.fail(f"foreign_key_check: {len(broken)} rows point nowhere")
    return check
