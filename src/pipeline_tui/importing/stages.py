"""Which stage of which pipeline a row belongs in, creating stages the file introduces.

A stage name the pipeline doesn't have becomes a new stage, unless `--stage-map` says
which stage it is. HubSpot's internal stage ids (`closedwon`, ...) read as the labels
HubSpot shows. A new stage is won or lost when its name says so (`Closed Won`, `Won`,
`closedwon`, `Closed/Won`, `Closed Lost - No Decision`, ...); otherwise it is open,
placed after the pipeline's open stages in the order `stage_order` works out, with the
default probability it gives. Stored stages keep their order.

A status column (Pipedrive's Open/Won/Lost) says whether a deal is won or lost
whatever its stage: a won deal goes to the pipeline's won stage (a new `Won` stage if it
has none). In the `csv` layout that `export` writes, status is the kind of the named
stage instead, so stages such as `Renewed` come back as won stages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from ..models import StageKind
from .directory import PipelineRef, StageRef
from .model import StageOrder
from .stage_order import default_probability, known_pipeline, order, placed
from .values import squash

# HubSpot's internal stage ids and the labels it shows (their order and probabilities
# are in `stage_order`).
HUBSPOT_STAGES = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
KIND_PROBABILITY = {StageKind.WON.value: 100, StageKind.LOST.value: 0}
NEW_CLOSED_NAMES = {StageKind.WON.value: "Won", StageKind.LOST.value: "Lost"}
MAX_STAGE_NAME = 128


def kind_from_name(name: str) -> str:
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", name.casefold())  # "won't" is not "won"
    for kind in (StageKind.WON.value, StageKind.LOST.value):
        if words[:1] == [kind] or words[:2] == ["closed", kind] or squash(name) == "closed" + kind:
            return kind
    return StageKind.OPEN.value


class StageResolver:
    def __init__(
        self,
        stage_map: Mapping[str, str],
        *,
        status_is_kind: bool,
        stage_order: tuple[str, ...] = (),
    ) -> None:
        self.stage_map = {k.strip().casefold(): v.strip() for k, v in stage_map.items()}
        self.status_is_kind = status_is_kind
        self.stage_order = stage_order
        self.evidence: dict[int, Counter[int]] = {}  # id(new stage) -> probabilities seen
        self.history: dict[str, float] = {}  # casefolded stage name -> where deals enter it
        self.bases: dict[int, tuple[str | None, str | None]] = {}  # id(pipeline) -> why
        self._resolved: dict[tuple[int, str, str | None], StageRef | str] = {}

    def resolve(self, pipeline: PipelineRef, raw: str, status: str | None) -> StageRef | str:
        """The stage, or why the row can't have one."""
        key = (id(pipeline), raw, status)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(pipeline, raw, status)
        return found

    def _resolve(self, pipeline: PipelineRef, raw: str, status: str | None) -> StageRef | str:
        name = self.stage_map.get(raw.casefold())
        if name is None:
            name = HUBSPOT_STAGES.get(raw.casefold(), raw)
            # `--stage-map` may name a HubSpot stage by its id or by its label.
            if name.casefold() in self.stage_map:
                name = self.stage_map[name.casefold()]
        if len(name) > MAX_STAGE_NAME:
            return f"a stage name can have at most {MAX_STAGE_NAME} characters"
        found = pipeline.stage_named(name) if name else None
        if status is None or status == StageKind.OPEN.value:
            if not name:
                return "the stage is blank"
            kind = found.kind if found else kind_from_name(name)
            if status is not None and kind != status:
                return f"the status is {status} but stage {name!r} is {kind}"
            return found or self._create(pipeline, name, kind)
        if found is not None and found.kind == status:
            return found
        if self.status_is_kind:
            if found is not None:
                return f"the status is {status} but stage {name!r} is {found.kind}"
            return self._create(pipeline, name or NEW_CLOSED_NAMES[status], status)
        closing = pipeline.first_of_kind(status)
        return closing or self._create(pipeline, NEW_CLOSED_NAMES[status], status)

    def _create(self, pipeline: PipelineRef, name: str, kind: str) -> StageRef:
        stage = StageRef(None, name, True, pipeline, kind)
        stage.default_probability = KIND_PROBABILITY.get(kind, 10)
        pipeline.stages.append(stage)
        return stage

    def saw(self, stage: StageRef, probability: int | None) -> None:
        if stage.new and probability is not None and stage.kind == StageKind.OPEN.value:
            seen = self.evidence.get(id(stage))
            if seen is None:
                seen = self.evidence[id(stage)] = Counter()
            seen[probability] += 1

    def settle(self, pipelines: list[PipelineRef]) -> None:
        """Place new stages and give the open ones their default probability; call once
        every row has been resolved."""
        for pipeline in pipelines:
            if not any(s.new for s in pipeline.stages):
                continue
            old = sorted((s for s in pipeline.stages if not s.new), key=lambda s: s.position)
            new_open = [s for s in pipeline.stages if s.new and s.kind == StageKind.OPEN.value]
            new_closed = sorted(
                (s for s in pipeline.stages if s.new and s.kind != StageKind.OPEN.value),
                key=lambda s: s.kind != StageKind.WON.value,  # won before lost
            )
            last_open = max(
                (i for i, s in enumerate(old) if s.kind == StageKind.OPEN.value), default=-1
            )
            history = {
                id(s): self.history[s.name.casefold()]
                for s in new_open
                if s.name.casefold() in self.history
            }
            found = order(
                new_open, evidence=self.evidence, history=history, wanted=self.stage_order
            )
            self.bases[id(pipeline)] = (found.basis, found.note)
            head = placed(old[: last_open + 1], found)
            ordered = head + old[last_open + 1 :] + new_closed
            for position, stage in enumerate(ordered):
                stage.position = position
            pipeline.stages = ordered
            open_stages = [s for s in ordered if s.kind == StageKind.OPEN.value]
            known = known_pipeline(new_open)
            for stage in new_open:
                stage.default_probability = default_probability(
                    stage, known, self.evidence.get(id(stage)), open_stages.index(stage)
                )

    def orders(self, pipelines: list[PipelineRef]) -> list[StageOrder]:
        """Each pipeline that gets new stages, as it will be once they are written."""
        return [
            StageOrder(
                pipeline.name,
                [(s.name, s.kind, s.default_probability, s.new) for s in pipeline.stages],
                *self.bases.get(id(pipeline), ("", None)),
            )
            for pipeline in pipelines
            if any(s.new for s in pipeline.stages)
        ]
