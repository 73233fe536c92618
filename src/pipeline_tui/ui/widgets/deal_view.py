"""How a deal reads on screen: shared by the deal screen and the review walk."""

from __future__ import annotations

from datetime import date

from rich.table import Table
from rich.text import Text

from ...display import clean, display_text
from ...labels import category_label, date_text, field_label, field_value, money_text
from ...marks import flags_of
from ...money import format_money
from ...services.detail import DealDetail
from .board import FLAG_STYLE


def flags_text(d: DealDetail) -> Text:
    """The deal's inspection flags in words, with this deal's own numbers."""
    words = {
        "overdue": "close date in the past",
        "pushed": f"close date pushed {d.push_count} times",
        "amount_cut": "amount cut since the last review",
        "category_down": "category moved down since the last review",
        "stuck": f"{d.days_in_stage} days in this stage, over its limit",
        "no_next_step": "no next step",
        "stale": f"no change since {date_text(d.updated_at.date())}",
    }
    text = Text()
    for i, flag in enumerate(flags_of(d.flags)):
        if i:
            text.append(" · ", style="dim")
        text.append(flag.mark, style=FLAG_STYLE)
        text.append(f" {words[flag.key]}")
    return text


def deal_fields(d: DealDetail, currency: str, today: date) -> Table:
    """Every field that matters to the forecast, with the stage path drawn in place."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    stage_path = Text()
    path = [s for s in d.stages if s.kind == "open" and (not s.retired or s.id == d.stage_id)]
    for i, stage in enumerate(path):
        if i:
            stage_path.append(" › ", style="dim")
        stage_path.append(
            clean(stage.name), style="bold reverse" if stage.id == d.stage_id else "dim"
        )
    close = (
        Text("none — set one with d", style="bold red")
        if d.close_date is None
        else Text(date_text(d.close_date), style="red" if d.close_date < today else "")
    )
    none = Text("none", style="dim")
    rows: list[tuple[str, Text | str]] = [
        (field_label("amount"), Text(money_text(d.amount, d.currency or currency), style="bold")),
        (
            "Probability",
            f"{d.probability}%  (weighted {format_money(d.weighted, d.currency or currency)})",
        ),
        (field_label("forecast_category"), category_label(d.forecast_category)),
        ("Stage", stage_path),
        ("Pipeline", display_text(d.pipeline_name)),
        ("Close date", close),
        ("Pushed", f"{d.push_count} time{'s' if d.push_count != 1 else ''}"),
        ("Next step", display_text(d.next_step) if d.next_step else none),
        ("Flags", flags_text(d) if d.flags else none),
        ("Days in stage", str(d.days_in_stage)),
        ("Age", f"{d.age_days} days (created {date_text(d.created_at.date())})"),
        ("Owner", display_text(f"{d.owner_name} ({d.owner_login})")),
        ("Account", display_text(d.account) if d.account else none),
        ("Updated", d.updated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if d.closed_date:
        rows.append(("Closed", date_text(d.closed_date)))
    if d.lost_reason:
        rows.append(("Lost because", display_text(d.lost_reason)))
    for label, value in rows:
        # A `str` cell of a Rich table is parsed as markup: only our own words are `str`.
        table.add_row(Text(label), value if isinstance(value, Text) else Text(value))
    return table


def notes_text(d: DealDetail) -> Text:
    text = Text()
    text.append("Notes\n", style="bold underline")
    if not d.notes:
        text.append("No notes yet: n adds one, 'next: …' sets the next step\n", style="dim")
    for note in d.notes:
        text.append(f"{note.created_at:%Y-%m-%d} ", style="dim")
        text.append(clean(note.author_name or "someone"), style="bold")
        if note.kind != "note":
            text.append(f" [{note.kind.replace('_', ' ')}]", style="yellow")
        text.append("\n  ")
        text.append(clean(note.text, multiline=True).replace("\n", "\n  "))
        text.append("\n")
    return text


def history_text(d: DealDetail, currency: str) -> Text:
    """Each change as `Forecast category: Best case → Commit`, newest first."""
    text = Text()
    text.append("\nHistory\n", style="bold underline")
    if not d.history:
        text.append("No changes recorded\n", style="dim")
    for change in d.history:
        text.append(f"{date_text(change.when)} ", style="dim")
        text.append(clean(change.who or "someone"), style="bold")
        text.append(f" {clean(field_label(change.field))}: ")
        old = field_value(change.field, change.old_value, currency, missing="—")
        new = field_value(change.field, change.new_value, currency, missing="—")
        text.append(clean(old), style="red")
        text.append(" → ")
        text.append(clean(new), style="green")
        text.append(f"  ({clean(change.source)})\n", style="dim")
    return text
