"""How a deal reads on screen: shared by the deal screen and the review walk."""

from __future__ import annotations

from datetime import date

from rich.table import Table
from rich.text import Text

from ...display import clean, display_text
from ...money import format_money
from ...services.detail import DealDetail


def deal_fields(d: DealDetail, currency: str, today: date) -> Table:
    """Every field that matters to the forecast, with the stage path drawn in place."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    stage_path = Text()
    for i, stage in enumerate(s for s in d.stages if s.kind == "open"):
        if i:
            stage_path.append(" › ", style="dim")
        stage_path.append(
            clean(stage.name), style="bold reverse" if stage.id == d.stage_id else "dim"
        )
    close = (
        Text("none — set one with d", style="bold red")
        if d.close_date is None
        else Text(d.close_date.isoformat(), style="red" if d.close_date < today else "")
    )
    none = Text("none", style="dim")
    rows: list[tuple[str, Text | str]] = [
        ("Amount", Text(format_money(d.amount, d.currency or currency), style="bold")),
        (
            "Probability",
            f"{d.probability}%  (weighted {format_money(d.weighted, d.currency or currency)})",
        ),
        ("Category", d.forecast_category.replace("_", " ")),
        ("Stage", stage_path),
        ("Pipeline", display_text(d.pipeline_name)),
        ("Close date", close),
        ("Pushed", f"{d.push_count} time{'s' if d.push_count != 1 else ''}"),
        ("Next step", display_text(d.next_step) if d.next_step else none),
        ("Days in stage", str(d.days_in_stage)),
        ("Age", f"{d.age_days} days (created {d.created_at.date().isoformat()})"),
        ("Owner", display_text(f"{d.owner_name} ({d.owner_login})")),
        ("Account", display_text(d.account) if d.account else none),
        ("Updated", d.updated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if d.closed_date:
        rows.append(("Closed", d.closed_date.isoformat()))
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


def history_text(d: DealDetail) -> Text:
    text = Text()
    text.append("\nHistory\n", style="bold underline")
    if not d.history:
        text.append("No changes recorded\n", style="dim")
    for change in d.history:
        text.append(f"{change.when:%Y-%m-%d %H:%M} ", style="dim")
        text.append(clean(change.who or "someone"), style="bold")
        text.append(f" {change.field.replace('_', ' ')}: ")
        text.append(clean(change.old_value or "—"), style="red")
        text.append(" → ")
        text.append(clean(change.new_value or "—"), style="green")
        text.append(f"  ({clean(change.source)})\n", style="dim")
    return text
