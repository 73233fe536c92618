"""In which order the open stages a file introduces go, and their default probabilities.

A file lists deals, not stages, so the order of the stages it brings has to be worked
out. In turn, the first that applies:

1. `--stage-order A,B,C`: what the person importing said.
2. The default pipeline of Salesforce, HubSpot or Pipedrive, when every new open stage
   of the pipeline is one of its stages (their names, order and probabilities are
   public). New stages take that pipeline's default probability.
3. The file's probability column: each stage's median probability. A deal's
   probability is evidence of what is usual in its stage, not the stage's default, so
   one deal at 5% doesn't move a stage that ten deals put at 60%.
4. The order deals moved through the stages: `Date entered "STAGE"` columns (HubSpot
   writes one per stage), each deal's stages in the order it entered them.
5. Otherwise the order the file first uses them, and the dry run says it can't tell.

Stages already stored are never reordered: new open stages go after the stored open
ones, or between them when all are one known pipeline's and the stored ones are in its
order (a Salesforce `Qualification` lands between `Prospecting` and `Proposal/Price
Quote`). A new stage's default probability is the known pipeline's, else its median in
the file, else the known default of a stage of that name, else 10% per open stage
before it (capped at 90%).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median_low

from .directory import StageRef
from .values import squash


@dataclass(frozen=True)
class KnownPipeline:
    label: str
    stages: tuple[tuple[tuple[str, ...], int | None], ...]  # (names, default %), in order

    def ranks(self) -> dict[str, tuple[int, int | None]]:
        return {
            squash(name): (rank, probability)
            for rank, (names, probability) in enumerate(self.stages)
            for name in names
        }


# fmt: off
KNOWN_PIPELINES = (
    KnownPipeline(
        "Salesforce's default sales process",
        (
            (("Prospecting",), 10), (("Qualification",), 10), (("Needs Analysis",), 20),
            (("Value Proposition",), 50), (("Id. Decision Makers",), 60),
            (("Perception Analysis",), 70), (("Proposal/Price Quote",), 75),
            (("Negotiation/Review",), 90),
        ),
    ),
    KnownPipeline(
        "HubSpot's default deal pipeline",
        (
            (("Appointment Scheduled",), 20), (("Qualified To Buy",), 40),
            (("Presentation Scheduled",), 60), (("Decision Maker Bought-In",), 80),
            (("Contract Sent",), 90),
        ),
    ),
    # Pipedrive's stages have no default probability of their own. Older accounts have
    # "Needs Defined" where newer ones have "Demo Scheduled".
    KnownPipeline(
        "Pipedrive's default pipeline",
        (
            (("Qualified",), None), (("Contact Made",), None),
            (("Demo Scheduled", "Needs Defined"), None), (("Proposal Made",), None),
            (("Negotiations Started",), None),
        ),
    ),
)
# fmt: on
_KNOWN_DEFAULTS = {
    key: probability
    for known in KNOWN_PIPELINES
    for key, (_, probability) in known.ranks().items()
    if probability is not None
}
STAGE_ORDER_OPTION = "--stage-order"
ASKED = f"as {STAGE_ORDER_OPTION} gives them"


@dataclass(frozen=True)
class Ordered:
    stages: list[StageRef]  # the new open stages, in order
    basis: str | None  # None: the file doesn't say, so as first seen; "": one, or none
    note: str | None = None


def known_pipeline(stages: Sequence[StageRef]) -> KnownPipeline | None:
    keys = [squash(s.name) for s in stages]
    return next((k for k in KNOWN_PIPELINES if all(key in k.ranks() for key in keys)), None)


def median(seen: Counter[int]) -> int:
    """The median probability; of the two middle ones, the lower, to be prudent."""
    return int(median_low(seen.elements()))


def order(
    stages: list[StageRef],
    *,
    evidence: Mapping[int, Counter[int]],
    history: Mapping[int, float],
    wanted: Sequence[str],
) -> Ordered:
    """`stages` (new, open, in the order first seen) in the order they should go."""
    found = _automatic(stages, evidence, history)
    rank = {name.strip().casefold(): i for i, name in enumerate(wanted)}
    named = [s for s in stages if s.name.casefold() in rank]
    if not named:
        return found
    named.sort(key=lambda s: rank[s.name.casefold()])
    rest = [s for s in found.stages if s.name.casefold() not in rank]
    return Ordered(named + rest, ASKED)


def _automatic(
    stages: list[StageRef], evidence: Mapping[int, Counter[int]], history: Mapping[int, float]
) -> Ordered:
    if len(stages) < 2:
        return Ordered(stages, "")
    if known := known_pipeline(stages):
        ranks = known.ranks()
        return Ordered(sorted(stages, key=lambda s: ranks[squash(s.name)][0]), known.label)
    medians = {id(s): median(evidence[id(s)]) for s in stages if evidence.get(id(s))}
    if len(medians) == len(stages):
        by_median = sorted(stages, key=lambda s: medians[id(s)])
        basis = "each stage's median probability in the file"
        return Ordered(by_median, basis, _ties(medians, stages))
    if all(id(s) in history for s in stages):
        return Ordered(sorted(stages, key=lambda s: history[id(s)]), "the dates deals entered them")
    if not medians:
        return Ordered(stages, None)
    # Some medians are better than none: those stages by them, the others after.
    lacking = ", ".join(repr(s.name) for s in stages if id(s) not in medians)
    by_median = sorted(stages, key=lambda s: medians.get(id(s), 101))
    return Ordered(by_median, None, f"the file gives no probabilities for {lacking}")


def placed(stored: list[StageRef], found: Ordered) -> list[StageRef]:
    """The stored stages up to the last open one, with the new open stages placed."""
    known = known_pipeline([*stored, *found.stages])
    if stored and found.stages and known is not None and found.basis not in (None, ASKED):
        ranks = known.ranks()
        stored_ranks = [ranks[squash(s.name)][0] for s in stored]
        if stored_ranks == sorted(stored_ranks):
            # Stable, so a stored stage stays before a new one of the same rank.
            return sorted([*stored, *found.stages], key=lambda s: ranks[squash(s.name)][0])
    return [*stored, *found.stages]


def default_probability(
    stage: StageRef, basis: KnownPipeline | None, seen: Counter[int] | None, index: int
) -> int:
    """`index`: how many open stages come before it in the pipeline."""
    key = squash(stage.name)
    if basis is not None and (known := basis.ranks()[key][1]) is not None:
        return known
    if seen:
        return median(seen)
    if key in _KNOWN_DEFAULTS:
        return _KNOWN_DEFAULTS[key]
    return min(90, 10 * (index + 1))


def _ties(medians: Mapping[int, int], stages: list[StageRef]) -> str | None:
    by_value: dict[int, list[str]] = {}
    for stage in stages:
        by_value.setdefault(medians[id(stage)], []).append(stage.name)
    tied = [names for names in by_value.values() if len(names) > 1]
    if not tied:
        return None
    shown = "; ".join(" and ".join(repr(n) for n in names) for names in tied)
    return f"{shown} have the same median, so they are in the order the file first uses them"
