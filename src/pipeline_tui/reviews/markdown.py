"""A review's summary as Markdown, to paste into notes or mail after the meeting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from ..display import markdown_literal
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
    r = summary.review
    money = _money(summary.currency)
    lines = [
        f"# Forecast review #{r.id}: {_escape(r.scope_label)}, {r.period.label}",
        "",
        f"Started {r.started_at:%Y-%m-%d %H:%M} UTC by {_escape(r.started_by_name)}; "
        + (f"ended {r.ended_at:%Y-%m-%d %H:%M} UTC" if r.ended_at else f"{r.status}")
        + f"; {_duration(r.elapsed_seconds)} of discussion.",
        "",
        "## Forecast",
        "",
    ]
    lines += _forecast(summary, money)
    reviewed, skipped = summary.items(ItemStatus.REVIEWED), summary.items(ItemStatus.SKIPPED)
    pending = summary.items(ItemStatus.PENDING)
    lines += [
        "",
        f"## Deals: {len(reviewed)} reviewed, {len(skipped)} skipped, {len(pending)} not reached",
        "",
        "| # | Deal | Stage | Amount | Status | Time |",
        "|---:|---|---|---:|---|---:|",
    ]
    for item in r.items:
        lines.append(
            _row(
                str(item.position + 1),
                item.deal_name,
                item.stage_name,
                format_money(item.amount, item.currency or summary.currency),
                item.status,
                _duration(item.seconds_spent),
            )
        )
    lines += ["", "## Changes made", ""]
    if summary.changes:
        lines += ["| Deal | Field | Before | After | By |", "|---|---|---|---|---|"]
        for c in summary.changes:
            before, after = (
                field_value(c.field, v, summary.currency, missing="—") for v in (c.before, c.after)
            )
            lines.append(
                _row(c.deal_name, field_label(c.field), before, after, c.changed_by or "—")
            )
    else:
        lines.append("No deal was changed.")
    lines += ["", "## Manager judgments", ""]
    if summary.judgments:
        lines += ["| Deal | Rep's call | Manager's call | By | Note |", "|---|---|---|---|---|"]
        for j in summary.judgments:
            rep = f"{_category(j.rep_category)} {money(j.rep_amount)}"
            manager = (
                f"{_category(j.manager_category)} {money(j.manager_amount)}"
                if j.active
                else "withdrawn: the rep's call stands"
            )
            lines.append(_row(j.deal_name, rep, manager, j.manager_name, j.note or ""))
    else:
        lines.append("No judgments recorded.")
    lines += _calls(summary, money)
    lines += ["", "## Action items", ""]
    if not summary.action_items:
        lines.append("No action items.")
    for group in summary.action_items:
        lines += [f"### {_escape(group.owner_name)}", ""]
        for a in group.items:
            due = f" (due {a.due_date.isoformat()})" if a.due_date else ""
            box = "x" if a.done else " "
            lines.append(f"- [{box}] {_escape(a.text)}: {_escape(a.deal_name)}{due}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _calls(summary: ReviewSummary, money: Callable[[Decimal | None], str]) -> list[str]:
    """The forecast calls stated in the meeting, each against the person's call before."""
    lines = ["", "## Forecast calls", ""]
    if not summary.calls:
        return [*lines, "No calls were made in this meeting."]
    lines += ["| Who | Commit | Best case | Before | By |", "|---|---:|---:|---:|---|"]
    for c in summary.calls:
        who = f"{c.person_name} (team)" if c.scope == "team" else c.person_name
        before = "first call" if c.before is None else "kept" if c.kept else money(c.before)
        lines.append(_row(who, money(c.commit), money(c.best_case), before, c.made_by_name))
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
            lines.append(_row(label, _ratio(a), _ratio(b), change))
        else:
            delta = None if a is None or b is None else Decimal(b) - Decimal(a)
            sign = "+" if delta is not None and delta > 0 else ""
            cells = (money(_dec(a)), money(_dec(b)), "—" if delta is None else sign + money(delta))
            lines.append(_row(label, *cells))
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


def _row(*cells: str) -> str:
    return "| " + " | ".join(_escape(c) for c in cells) + " |"


__all__: Sequence[str] = ["summary_markdown"]
