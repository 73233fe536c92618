"""Deals in close-date order, with their change history and notes.

Close-date order keeps most index inserts near the end of each index, and the loop
works on locals, lookup tables and preformatted text because it runs a million times.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date

from .closings import Closing
from .org import Organisation
from .timeline import Row, Timeline, lookup_normal, lookup_table
from .vocabulary import (
    AMOUNT_SIGMA,
    BASE_WIN_RATE,
    CATEGORY_BEFORE,
    CHANGE_SHARE,
    CHANGE_WINDOW_DAYS,
    CLOSING_HISTORY_DAYS,
    LOST_REASONS,
    MANAGER_OWNED_SHARE,
    MAX_AMOUNT,
    MIN_AMOUNT,
    NEXT_STEP_SHARE,
    NEXT_STEPS,
    NO_CLOSE_DATE_SHARE,
    NOTE_SHARE,
    NOTE_TEXTS,
    OMITTED_SHARE,
    OVERDUE_SHARE,
    PIPELINES,
    PRODUCTS,
    QUARTER_WEIGHTS,
    STATED_LOST,
    STATED_WON,
)

# fmt: off
DEAL_COLUMNS = (
    "id", "external_id", "name", "account_id", "owner_id", "pipeline_id", "stage_id",
    "amount_minor", "currency", "probability", "forecast_category", "close_date", "next_step",
    "created_at", "updated_at", "stage_entered_at", "closed_date", "lost_reason", "push_count",
    "version", "probability_at_close",
)
CHANGE_COLUMNS = ("id", "deal_id", "field", "old_value", "new_value", "changed_by_id",
                  "changed_at", "source")
NOTE_COLUMNS = ("id", "deal_id", "author_id", "text", "created_at", "kind", "due_date", "done")
# fmt: on
Chunk = tuple[list[Row], list[Row], list[Row]]  # deals, changes, notes


class DealFactory:
    """Builds the rows; `won` and the counts are read once `chunks` is exhausted."""

    def __init__(
        self,
        rng: random.Random,
        timeline: Timeline,
        org: Organisation,
        account_names: list[str],
        outcomes: random.Random | None = None,
    ) -> None:
        self.rng, self.timeline, self.org, self.account_names = rng, timeline, org, account_names
        # What reps said before deals closed comes from a generator of its own, so the
        # deals themselves stay what they were before this was added.
        self.outcomes = outcomes or random.Random(0)
        self.stated = (lookup_normal(*STATED_WON), lookup_normal(*STATED_LOST))
        self.closings: list[Closing] = []  # the last few weeks' closings, for history
        self.quarter_luck = [rng.uniform(0.85, 1.15) for _ in QUARTER_WEIGHTS]
        people = max(row[0] for row in org.users) + 1
        # won[owner * quarters + q]: won amount closed in quarter q, for sizing quotas.
        self.won = [0] * (people * timeline.quarters)
        self.changes: list[Row] = []
        self.notes: list[Row] = []
        self.change_count = self.note_count = 0

        # Per-owner traits by user id; managers who own a deal are neutral.
        self.skill, self.bias = [1.0] * people, [0] * people
        for rep, profile in org.reps.items():
            self.skill[rep], self.bias[rep] = profile.skill, profile.bias
        self.owners = lookup_table([(rep, profile.share) for rep, profile in org.reps.items()])
        self.pipes = lookup_table([(k, spec.share) for k, spec in enumerate(PIPELINES)])
        self.deal_names = [
            [f" - {product}{spec.deal_suffix}" for product in PRODUCTS] for spec in PIPELINES
        ]
        self.stage_names = [[name for name, _, _ in spec.stages()] for spec in PIPELINES]
        # Per pipeline: weighted tables of (stage id, probability, position) for open deals
        # closing later / soon, and the (won, lost) stage ids. Ids follow `pipeline_rows`.
        self.far: list[list[tuple[int, int, int]]] = []
        self.near: list[list[tuple[int, int, int]]] = []
        self.closed_stages: list[tuple[int, int]] = []
        stage_id = 1
        for spec in PIPELINES:
            slots = [((stage_id + k, s.probability, k), s) for k, s in enumerate(spec.open_stages)]
            self.far.append(lookup_table([(slot, s.weight_far) for slot, s in slots]))
            self.near.append(lookup_table([(slot, s.weight_near) for slot, s in slots]))
            stage_id += len(slots)
            self.closed_stages.append((stage_id, stage_id + 1))
            stage_id += 2
        self.pushes = lookup_table([(0, 60), (1, 25), (2, 10), (3, 5)])
        self.overdue_pushes = lookup_table([(0, 15), (1, 35), (2, 30), (3, 20)])

    def close_days(self, deals: int) -> list[tuple[int, int, int]]:
        """(day, quarter, number of deals closing that day), spread by weight."""
        starts = self.timeline.quarter_starts
        weighted: list[tuple[int, int, float]] = []
        for q, weight in enumerate(QUARTER_WEIGHTS):
            for day in range(starts[q], starts[q + 1]):
                # Few deals close at weekends and many in a quarter's last two weeks.
                w = weight * (0.1 if date.fromordinal(day).weekday() >= 5 else 1.0)
                weighted.append((day, q, w * (1.8 if starts[q + 1] - day <= 14 else 1.0)))
        total = sum(w for _, _, w in weighted)
        days, running, placed = [], 0.0, 0
        for day, q, w in weighted:
            running += w
            count = round(deals * running / total) - placed
            placed += count
            days.append((day, q, count))
        return days

    def chunks(self, deals: int, size: int) -> Iterator[Chunk]:
        # Everything the loop touches is a local: attribute and global lookups add up
        # over a million iterations.
        t, manager_of, won, luck = self.timeline, self.org.manager_of, self.won, self.quarter_luck
        r, gauss, exp, log = self.rng.random, self.rng.gauss, math.exp, math.log
        today, first_day, day_iso, times = t.today, t.first_day, t.day_iso, t.times
        n_times, nq, n_products, n_steps = len(times), t.quarters, len(PRODUCTS), len(NEXT_STEPS)
        accounts, n_accounts = self.account_names, len(self.account_names)
        skill, bias, owners, pipes = self.skill, self.bias, self.owners, self.pipes
        deal_names, closed_stages = self.deal_names, self.closed_stages
        pushes, overdue_pushes = self.pushes, self.overdue_pushes
        mus = [log(spec.median) for spec in PIPELINES]
        medians = [spec.median for spec in PIPELINES]
        said, (said_won, said_lost) = self.outcomes.random, self.stated
        closings, recent = self.closings, today - CLOSING_HISTORY_DAYS

        rows: list[Row] = []
        deal_id = 0
        for day, q, count in self.close_days(deals):
            close = day_iso[day - first_day]
            past = day < today
            stage_table = self.near if day - today < 45 else self.far
            win_rate = BASE_WIN_RATE * luck[q]
            for _ in range(count):
                deal_id += 1
                p = pipes[int(r() * 1000)]
                owner = owners[int(r() * 1000)]
                if r() < MANAGER_OWNED_SHARE:
                    owner = manager_of[owner]
                account = int(r() ** 1.5 * n_accounts)  # a few accounts carry many deals
                dollars = int(exp(mus[p] + AMOUNT_SIGMA * gauss(0.0, 1.0)) / 100 + 0.5) * 100
                amount = min(MAX_AMOUNT, max(MIN_AMOUNT, dollars)) * 100
                name = accounts[account] + deal_names[p][int(r() * n_products)]
                created = day - 10 - int(r() * 191)
                if created >= today:  # closing far ahead: opened recently instead
                    created = today - 1 - int(r() * 90)
                created_s = day_iso[created - first_day] + times[int(r() * n_times)]
                if past and r() >= OVERDUE_SHARE:
                    closed_s = close + times[int(r() * n_times)]
                    # Bigger deals are won a little less often.
                    if r() < win_rate * skill[owner] * (1.0 - 0.07 * log(dollars / medians[p])):
                        won[owner * nq + q] += amount
                        stage, probability, category = closed_stages[p][0], 100, "closed"
                        lost = None
                        stated = said_won[int(said() * 1000)] + bias[owner]
                    else:
                        stage, probability, category = closed_stages[p][1], 0, "omitted"
                        lost = LOST_REASONS[int(r() * 5)]
                        stated = said_lost[int(said() * 1000)] + bias[owner]
                    stated = 5 if stated < 5 else 95 if stated > 95 else stated
                    if day >= recent:
                        closings.append((deal_id, owner, p, closed_s, stated, lost is None))
                    # fmt: off
                    rows.append((
                        deal_id, f"D-{deal_id:07d}", name, account + 1, owner, p + 1, stage,
                        amount, "USD", probability, category, close, None, created_s,
                        closed_s, closed_s, close, lost, pushes[int(r() * 1000)], 1, stated,
                    ))
                    # fmt: on
                    is_open, last_day = False, day
                else:
                    stage, probability, position = stage_table[p][int(r() * 1000)]
                    probability += bias[owner]
                    probability = 5 if probability < 5 else 95 if probability > 95 else probability
                    category = (
                        "omitted"
                        if r() < OMITTED_SHARE
                        else "commit"
                        if probability >= 90
                        else "best_case"
                        if probability >= 60
                        else "pipeline"
                    )
                    entered = created + int(r() * ((day if past else today - 1) - created + 1))
                    entered_s = day_iso[entered - first_day] + times[int(r() * n_times)]
                    if entered_s < created_s:
                        entered_s = created_s
                    updated = entered + int(r() * (today - entered))
                    updated_s = day_iso[updated - first_day] + times[int(r() * n_times)]
                    if updated_s < entered_s:
                        updated_s = entered_s
                    push = (overdue_pushes if past else pushes)[int(r() * 1000)]
                    step = NEXT_STEPS[int(r() * n_steps)] if r() < NEXT_STEP_SHARE else None
                    close_day, close_s = (None, None) if r() < NO_CLOSE_DATE_SHARE else (day, close)
                    if r() < CHANGE_SHARE:
                        entered_s, updated_s, push = self._changes(
                            deal_id,
                            owner,
                            p,
                            position,
                            probability,
                            category,
                            amount,
                            close_day,
                            created,
                            created_s,
                            entered_s,
                            updated_s,
                            push,
                        )
                    # fmt: off
                    rows.append((
                        deal_id, f"D-{deal_id:07d}", name, account + 1, owner, p + 1, stage,
                        amount, "USD", probability, category, close_s, step,
                        created_s, updated_s, entered_s, None, None, push, 1, None,
                    ))
                    # fmt: on
                    is_open, last_day = True, today - 1
                if r() < NOTE_SHARE:
                    self._note(deal_id, owner, created, created_s, last_day, is_open)
                if len(rows) == size:
                    yield rows, self.changes, self.notes
                    rows, self.changes, self.notes = [], [], []
        if rows:
            yield rows, self.changes, self.notes

    def _changes(
        self,
        deal_id: int,
        owner: int,
        p: int,
        position: int,
        probability: int,
        category: str,
        amount: int,
        close_day: int | None,
        created: int,
        created_s: str,
        entered_s: str,
        updated_s: str,
        push: int,
    ) -> tuple[str, str, int]:
        """Record one to three recent edits that led to the deal's current values.

        Returns the stage-entered and updated stamps and push count, moved to agree with
        that history.
        """
        t, rng = self.timeline, self.rng
        r, minutes = rng.random, len(t.times)
        start = max(created, t.today - CHANGE_WINDOW_DAYS)
        fields = ["probability", "amount", "forecast_category"]
        # Recent stage moves and pushes only make sense while the close date is ahead.
        if close_day is None or close_day >= t.today:
            if position > 0:
                fields.append("stage")
            if close_day is not None:
                fields.append("close_date")
        # Consecutive fields from a random start: varied enough, and cheaper than sample().
        first, count = int(r() * len(fields)), 1 + (r() < 0.45) + (r() < 0.15)
        for k in range(first, first + count):
            field = fields[k % len(fields)]
            stamp = t.iso(start + int(r() * (t.today - start))) + t.times[int(r() * minutes)]
            stamp = max(stamp, created_s)
            if field == "stage":
                names = self.stage_names[p]
                old = names[position - 1 - (position > 1 and r() < 0.2)]  # a skipped stage
                new, entered_s = names[position], stamp
            elif field == "probability":
                before = min(95, max(5, probability - rng.choice((-10, -5, 5, 10, 15, 20))))
                if before == probability:
                    before += 5 if probability < 95 else -5
                old, new = str(before), str(probability)
            elif field == "amount":
                before = max(1, round(amount * rng.uniform(0.6, 1.4) / 10_000)) * 10_000
                if before == amount:
                    before += 500_000
                old, new = _decimal(before), _decimal(amount)
            elif field == "close_date":
                assert close_day is not None
                before = close_day - 7 - int(r() * 54)
                old, new = t.iso(before), t.iso(close_day)
                if t.quarter_of(before) < t.quarter_of(close_day):
                    # Into a later quarter is a push: the app records the count with it.
                    push = max(push, 1)
                    self._record(deal_id, "push_count", str(push - 1), str(push), owner, stamp)
            else:
                old, new = CATEGORY_BEFORE[category], category
            self._record(deal_id, field, old, new, owner, stamp)
            updated_s = max(updated_s, stamp)
        return entered_s, max(updated_s, entered_s), push

    def _record(self, deal_id: int, field: str, old: str, new: str, owner: int, stamp: str) -> None:
        self.change_count += 1
        self.changes.append((self.change_count, deal_id, field, old, new, owner, stamp, "cli"))

    def _note(
        self, deal_id: int, owner: int, created: int, created_s: str, last_day: int, is_open: bool
    ) -> None:
        t, r = self.timeline, self.rng.random
        stamp = max(
            t.iso(created + int(r() * (last_day - created + 1))) + t.times[int(r() * len(t.times))],
            created_s,
        )
        kind = ("note", "note", "next_step", "action")[int(r() * 4)] if is_open else "note"
        due = None if kind == "note" else t.iso(t.today + 1 + int(r() * 21))
        texts = NOTE_TEXTS if kind == "note" else NEXT_STEPS
        self.note_count += 1
        self.notes.append(
            (self.note_count, deal_id, owner, texts[int(r() * len(texts))], stamp, kind, due, False)
        )


def _decimal(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"
