"""A waterfall as Markdown: the bars, the reps, and the deals behind each bar."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..display import markdown_literal, markdown_row
from ..labels import date_text
from ..money import format_money
from .metrics import unconverted_note
from .waterfall_model import Bar, Waterfall, WaterfallRow

DEALS_PER_BAR = 20


def waterfall_markdown(waterfall: Waterfall, currency: str = "USD") -> str:
    def money(value: Decimal | None) -> str:
        return format_money(value, currency)

    team = waterfall.team
    until = "now" if waterfall.until is None else f"{date_text(waterfall.until)} UTC"
    source = f" (snapshot {waterfall.snapshot_id})" if waterfall.snapshot_id else ""
    lines = [
        f"# What changed: {markdown_literal(team.label)}, {waterfall.period.label}",
        "",
        f"From {date_text(waterfall.since)} UTC{source} to {until}, in {currency}"
        + (f" {left_out}" if (left_out := unconverted_note(waterfall.unconverted)) else "")
        + ".",
        "",
        "| | Amount | Deals |",
        "|---|---:|---:|",
        markdown_row("Start", money(team.start), str(team.start_count)),
    ]
    for m in team.movements:
        if m.deals:
            lines.append(markdown_row(_signed_label(m.bar), money(m.amount), str(len(m.deals))))
    lines += [markdown_row("End", money(team.end), str(team.end_count)), ""]
    if waterfall.reps:
        shown = [b for b in Bar if any(r.movement(b).deals for r in waterfall.reps)]
        lines += [
            "## By rep",
            "",
            "| Rep | Start | " + " | ".join(_signed_label(b) for b in shown) + " | End |",
            "|---|" + "---:|" * (len(shown) + 2),
        ]
        for rep in waterfall.reps:
            cells = [money(rep.movement(b).amount) if rep.movement(b).deals else "" for b in shown]
            lines.append(markdown_row(rep.label, money(rep.start), *cells, money(rep.end)))
        lines.append("")
    lines += _deals(team, money)
    return "\n".join(lines).rstrip("\n") + "\n"


def _deals(team: WaterfallRow, money: Callable[[Decimal | None], str]) -> list[str]:
    lines: list[str] = []
    for m in team.movements:
        if not m.deals:
            continue
        lines += [f"## {_signed_label(m.bar)}: {money(m.amount)}", ""]
        lines += ["| Deal | Amount | Before | After | Close before | Close after |"]
        lines += ["|---|---:|---:|---:|---|---|"]
        for d in m.deals[:DEALS_PER_BAR]:
            lines.append(
                markdown_row(
                    d.name,
                    money(d.amount),
                    money(d.before) if d.before is not None else "—",
                    money(d.after) if d.after is not None else "—",
                    date_text(d.close_before) if d.close_before else "—",
                    date_text(d.close_after) if d.close_after else "—",
                )
            )
        if len(m.deals) > DEALS_PER_BAR:
            lines.append(f"\nand {len(m.deals) - DEALS_PER_BAR} more.")
        lines.append("")
    return lines


def _signed_label(bar: Bar) -> str:
    return f"{'+' if bar.sign > 0 else '−'} {bar.label.lower()}"
