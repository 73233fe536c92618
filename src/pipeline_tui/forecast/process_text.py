"""The process under review in words and numbers: one wording for the screen and every
format of `pipeline-tui process`, so they can't disagree."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ..display import csv_of, markdown_header, markdown_literal, markdown_row
from .process import HistoryEntry, ProcessStage, ProcessView, Targets

TENTH = Decimal("0.1")
COLUMNS = [
    "stage", "kind", "retired", "default_probability", "observed_percent", "won", "closed",
    "median_days", "stays", "open_deals", "proposal",
]  # fmt: skip


def observed_text(stage: ProcessStage) -> str:
    """`67% (2/3)`; `—` when no deal from the stage closed in the window."""
    if stage.observed_percent is None:
        return "—"
    return f"{stage.observed_percent}% ({stage.won}/{stage.closed})"


def days_value(stage: ProcessStage) -> str | None:
    if stage.median_days is None:
        return None
    return str(stage.median_days.quantize(TENTH, ROUND_HALF_EVEN))


def days_text(stage: ProcessStage) -> str:
    days = days_value(stage)
    return "—" if days is None else f"{days} d ({stage.stays})"


def proposal_text(stage: ProcessStage) -> str:
    p = stage.proposal
    if p is None:
        return ""
    return f"#{p.id} → {p.new}% ({p.who or 'someone'})"


def ratio_text(value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0%}" if percent else f"{value:.1f}x"


def targets_lines(t: Targets) -> list[tuple[str, str, str]]:
    """(what, target, actual) rows: the contradiction reads across them."""
    return [
        ("Coverage", ratio_text(t.coverage_target), ratio_text(t.coverage)),
        (
            "Win rate",
            ratio_text(t.win_rate_target, percent=True),
            ratio_text(t.win_rate, percent=True),
        ),
        ("Coverage the win rate implies (1 / win rate)", "", ratio_text(t.implied_coverage)),
    ]


def targets_note(t: Targets) -> str:
    """One sentence when the targets contradict the figures, else nothing."""
    if not t.contradicted or t.implied_coverage is None:
        return ""
    return (
        f"At a {ratio_text(t.win_rate, percent=True)} win rate the team needs "
        f"{ratio_text(t.implied_coverage)} coverage, not the {ratio_text(t.coverage_target)} "
        "target"
    )


def change_text(e: HistoryEntry) -> str:
    """`Propose: 50% → 67%`, `Propose → Proposal`, `coverage 3x → coverage 3.5x`."""
    if e.kind in ("proposal", "proposal_accepted"):
        number = f" (#{e.proposal_id})" if e.proposal_id else f" (#{e.id})"
        return f"{e.stage}: {e.old_value}% → {e.new_value}%{number}"
    if e.kind == "stage_moved":
        return f"{e.stage}: position {e.old_value} → {e.new_value}"
    if e.kind == "stage_retired":
        return f"{e.stage}"
    if e.kind == "stage_added":
        return f"{e.new_value}"
    if e.kind == "setting" and e.stage:  # a stage's days limit
        return f"{e.stage}: {e.old_value} → {e.new_value}"
    return f"{e.old_value} → {e.new_value}"


def history_dict(e: HistoryEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "who": e.who,
        "kind": e.kind,
        "pipeline": e.pipeline,
        "stage": e.stage,
        "old": e.old_value,
        "new": e.new_value,
        "why": e.reason,
        "proposal_id": e.proposal_id,
    }


def stage_dict(s: ProcessStage) -> dict[str, Any]:
    return {
        "stage": s.name,
        "kind": s.kind,
        "retired": s.retired,
        "default_probability": s.default_probability,
        "observed_percent": s.observed_percent,
        "won": s.won,
        "closed": s.closed,
        "median_days": days_value(s),
        "stays": s.stays,
        "open_deals": s.open_deals,
        "proposal": None
        if s.proposal is None
        else {
            "id": s.proposal.id,
            "from": s.proposal.old,
            "to": s.proposal.new,
            "by": s.proposal.who,
            "why": s.proposal.reason,
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def view_dict(view: ProcessView) -> dict[str, Any]:
    t = view.targets
    return {
        "pipeline": view.pipeline_name,
        "window": {
            "since": view.window.since.isoformat() if view.window.since else None,
            "until": view.window.until.isoformat() if view.window.until else None,
            "text": view.window.text,
        },
        "stages": [stage_dict(s) for s in view.stages if s.is_open],
        "targets": {
            "period": view.period_key,
            "coverage_target": t.coverage_target,
            "win_rate_target": t.win_rate_target,
            "coverage": _round(t.coverage),
            "win_rate": _round(t.win_rate),
            "implied_coverage": _round(t.implied_coverage),
            "contradicted": t.contradicted,
        },
    }


def _flat(view: ProcessView) -> list[dict[str, Any]]:
    rows = []
    for s in view_dict(view)["stages"]:
        proposal = s["proposal"]
        rows.append(
            s | {"proposal": "" if proposal is None else f"#{proposal['id']} {proposal['to']}%"}
        )
    return rows


def as_csv(view: ProcessView) -> str:
    return csv_of(_flat(view), COLUMNS)


def as_markdown(view: ProcessView) -> str:
    lines = [
        f"# The process under review: {markdown_literal(view.pipeline_name)}",
        "",
        f"Observed: deals {view.window.text}.",
        "",
        *markdown_header(COLUMNS, right=COLUMNS[1:]),
    ]
    lines += [markdown_row(*(row[c] for c in COLUMNS)) for row in _flat(view)]
    lines += ["", f"Targets ({view.period_key}):", ""]
    for what, target, actual in targets_lines(view.targets):
        lines.append(f"- {what}: " + (f"target {target}, " if target else "") + f"actual {actual}")
    note = targets_note(view.targets)
    if note:
        lines += ["", note + "."]
    return "\n".join(lines) + "\n"


__all__ = [
    "as_csv",
    "as_markdown",
    "change_text",
    "days_text",
    "history_dict",
    "observed_text",
    "proposal_text",
    "ratio_text",
    "targets_lines",
    "targets_note",
    "view_dict",
]
