"""A review's summary as Markdown, to paste into notes or mail after the meeting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from ..display import markdown_literal, markdown_row
from ..forecast.calls import CallFigures
from ..labels import category_label, field_label, field_value
from ..models import ItemStatus
from ..money import format_money
from .summary import ReviewSummary

# (label, value) rows of the forecast table; None is a figure that is undefined.
FORECAST_ROWS: list[tuple[str, Callable[[CallFigures], Decimal | float | None]]] = [
    ("Closed won", lambda c: c.figures.closed_won),
    ("Commit", lambda c: c.figures.commit),
    ("Best case", lambda c: c.figures.best_case),
    ("Pipeline", lambda c: c.figures.pipeline),
    ("Weighted", lambda c: c.figures.weighted),
    ("Coverage", lambda c: c.figures.coverage),
    ("Rep call", lambda c: c.rep_call),
    ("Manager call", lambda c: c.manager_call),
    ("Gap to quota", lambda c: c.figures.gap),
]


def summary_markdown(summary: ReviewSummary) -> str:
    """What the meeting decided first, then the forecast it left, then the deals walked."""
    r = summary.review
    lines = [
        f"# Forecast review #{r.id}: {_escape(r.scope_label)}, {r.period.label}",
        "",
        f"Started {r.started_at:%Y-%m-%d %H:%M} UTC by {_escape(r.started_by_name)}; "
        + (f"ended {r.ended_at:%Y-%m-%d %H:%M} UTC" if r.ended_at else f"{r.status}")
        + f"; {_duration(r.elapsed_seconds)} of discussion.",
        "",
        "## What the meeting decided",
    ]
    for section in DECISIONS:
        lines += ["", *section(summary)]
    lines += ["", "## Forecast", ""]
    lines += _forecast(summary, _money(summary.currency))
    lines += ["", *_deals(summary)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _changes(summary: ReviewSummary) -> list[str]:
    lines = ["### Changes made", ""]
    if not summary.changes:
        return [*lines, "No deal was changed."]
    lines += ["| Deal | Field | Before | After | By |", "|---|---|---|---|---|"]
    for c in summary.changes:
        before, after = (
            field_value(c.field, v, summary.currency, missing="—") for v in (c.before, c.after)
        )
        lines.append(
            markdown_row(c.deal_name, field_label(c.field), before, after, c.changed_by or "—")
        )
    return lines


def _judgments(summary: ReviewSummary) -> list[str]:
    """Each deal's last call in the meeting: one changed later was superseded."""
    money = _money(summary.currency)
    lines = ["### Manager judgments", ""]
    decided = summary.final_judgments
    if not decided:
        return [*lines, "No judgments recorded."]
    lines += ["| Deal | Rep's call | Manager's call | By | Note |", "|---|---|---|---|---|"]
    for j in decided:
        rep = f"{_category(j.rep_category)} {money(j.rep_amount)}"
        manager = (
            f"{_category(j.manager_category)} {money(j.manager_amount)}"
            if j.active
            else "withdrawn: the rep's call stands"
        )
        lines.append(markdown_row(j.deal_name, rep, manager, j.manager_name, j.note or ""))
    return lines


def _action_items(summary: ReviewSummary) -> list[str]:
    lines = ["### Action items", ""]
    if not summary.action_items:
        return [*lines, "No action items."]
    for group in summary.action_items:
        lines += [f"#### {_escape(group.owner_name)}", ""]
        for a in group.items:
            due = f" (due {a.due_date.isoformat()})" if a.due_date else ""
            box = "x" if a.done else " "
            lines.append(f"- [{box}] {_escape(a.text)}: {_escape(a.deal_name)}{due}")
        lines.append("")
    return lines[:-1]


def _calls(summary: ReviewSummary) -> list[str]:
    """The forecast calls stated in the meeting, each against the person's call before."""
    money = _money(summary.currency)
    lines = ["### Forecast calls", ""]
    if not summary.calls:
        return [*lines, "No calls were made in this meeting."]
    lines += ["| Who | Commit | Best case | Before | By |", "|---|---:|---:|---:|---|"]
    for c in summary.calls:
        who = f"{c.person_name} (team)" if c.scope == "team" else c.person_name
        before = "first call" if c.before is None else "kept" if c.kept else money(c.before)
        lines.append(markdown_row(who, money(c.commit), money(c.best_case), before, c.made_by_name))
    return lines


# What the meeting decided, in this order; each section is a list of lines.
DECISIONS: list[Callable[[ReviewSummary], list[str]]] = [
    _changes,
    _judgments,
    _action_items,
    _calls,
]


def _deals(summary: ReviewSummary) -> list[str]:
    """The deals discussed or skipped, one row each; those not reached are only counted:
    listing them would bury the meeting under the part it never got to."""
    reviewed, skipped = summary.items(ItemStatus.REVIEWED), summary.items(ItemStatus.SKIPPED)
    pending = len(summary.items(ItemStatus.PENDING))
    lines = [f"## Deals: {len(reviewed)} reviewed, {len(skipped)} skipped", ""]
    walked = [i for i in summary.review.items if i.status != ItemStatus.PENDING.value]
    if walked:
        lines += ["| # | Deal | Stage | Amount | Status | Time |", "|---:|---|---|---:|---|---:|"]
        for item in walked:
            lines.append(
                markdown_row(
                    str(item.position + 1),
                    item.deal_name,
                    item.stage_name,
                    format_money(item.amount, item.currency or summary.currency),
                    item.status,
                    _duration(item.seconds_spent),
                )
            )
    else:
        lines.append("No deal was reviewed.")
    if pending:
        noun = "deal was" if pending == 1 else "deals were"
        lines += ["", f"{pending} {noun} not reached."]
    return lines


def _forecast(summary: ReviewSummary, money: Callable[[Decimal | None], str]) -> list[str]:
    start, end = summary.forecast_start, summary.forecast_end
    end_label = "End" if summary.review.ended_at else "Now"
    lines = [f"| | Start | {end_label} | Change |", "|---|---:|---:|---:|"]
    for label, value in FORECAST_ROWS:
        a = None if start is None else value(start)
        b = None if end is None else value(end)
        if isinstance(a, float) or isinstance(b, float) or label == "Coverage":
            change = "—" if a is None or b is None else f"{float(b) - float(a):+.2f}x"
            lines.append(markdown_row(label, _ratio(a), _ratio(b), change))
        else:
            delta = None if a is None or b is None else Decimal(b) - Decimal(a)
            sign = "+" if delta is not None and delta > 0 else ""
            cells = (money(_dec(a)), money(_dec(b)), "—" if delta is None else sign + money(delta))
            lines.append(markdown_row(label, *cells))
    if any(c is not None and c.figures.all_pipelines for c in (start, end)):
        lines += ["", "Coverage and gap to quota cover all pipelines: quotas are per person."]
    return lines


def _dec(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _ratio(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{float(value):.2f}x"


def _money(currency: str) -> Callable[[Decimal | None], str]:
    def money(value: Decimal | None) -> str:
        return format_money(value, currency)

    return money


def _category(category: str) -> str:
    return category_label(category)


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def _escape(text: str) -> str:
    """Data as Markdown that reads as typed: no link, emphasis, HTML or control character
    in a name or note survives into the summary (the app renders it, people paste it)."""
    return markdown_literal(text)


__all__: Sequence[str] = ["summary_markdown"]
