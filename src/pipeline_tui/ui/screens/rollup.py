"""The forecast roll-up: the organisation as a tree, the rep's call beside the manager's,
and how well each rep's probabilities and past calls held up."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...display import clean, display_text
from ...errors import user_message
from ...forecast import Scope
from ...forecast.calibration_text import CalibrationReport
from ...forecast.call_accuracy import CallAccuracy
from ...forecast.call_status import CallStatus
from ...forecast.call_text import against_team_text, age_text, change_text, team_text
from ...forecast.metrics import pipeline_caption, unconverted_text
from ...forecast.sparkline import sparkline
from ...forecast.tree import TreeNode, guides
from ...money import format_money
from ...periods import Period
from ...services.workspace import Workspace
from ..live import keep_place
from ..messages import DataChanged, LoadFailed

CAPTION = "Calibration: stated probability against what closed"


@dataclass(frozen=True)
class RollupData:
    nodes: list[TreeNode]
    calibration: CalibrationReport
    calls: dict[int, CallStatus] = field(default_factory=dict)
    accuracy: list[CallAccuracy] = field(default_factory=list)


# Each person's latest call, when it was made, its move since the previous one, and for
# a manager the sum of the team's calls and the manager's against it.
CALL_COLUMNS = ["Call", "Made", "Δ call", "Team's calls", "vs team"]


def call_cells(status: CallStatus | None, currency: str) -> list[Text]:
    if status is None:
        return [Text("") for _ in CALL_COLUMNS]
    latest = status.latest
    commit = format_money(latest.commit, currency, compact=True) if latest else "—"
    against = status.against_team
    return [
        Text(commit, justify="right", style="" if latest else "dim"),
        Text(age_text(status), style="bold yellow" if status.stale else "dim"),
        Text(change_text(status, currency), justify="right"),
        Text(team_text(status, currency), justify="right"),
        Text(
            against_team_text(status, currency),
            justify="right",
            style="" if not against else "yellow" if against > 0 else "cyan",
        ),
    ]


def accuracy_cells(held: CallAccuracy | None) -> list[Text]:
    """Call error (mean absolute, closed periods), bias (+ optimism, - sandbagging) and
    the calls' history."""
    if held is None:
        return [ratio_text(None), ratio_text(None), Text("")]
    bias = held.bias
    return [
        ratio_text(held.mean_abs_error, percent=True),
        Text(
            "—" if bias is None else f"{bias:+.0%}",
            justify="right",
            style="" if not bias else "yellow" if bias > 0 else "cyan",
        ),
        Text(sparkline(held.history), style="cyan"),
    ]


class RollupLoaded(Message):
    def __init__(self, data: RollupData) -> None:
        super().__init__()
        self.data = data


def ratio_text(value: float | None, *, target: float | None = None, percent: bool = False) -> Text:
    if value is None:
        return Text("—", style="dim", justify="right")
    shown = f"{value:.0%}" if percent else f"{value:.1f}x"
    style = "red" if target is not None and value < target else ""
    return Text(shown, style=style, justify="right")


class RollupScreen(Screen[str | None]):
    """Dismisses with the login to drill into (enter), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_screen", "Back", id="rollup.back"),
        Binding(
            "less_than_sign,comma",
            "period(-1)",
            "Prev period",
            show=False,
            id="rollup.previous_period",
        ),
        Binding(
            "greater_than_sign,full_stop",
            "period(1)",
            "Next period",
            show=False,
            id="rollup.next_period",
        ),
    ]

    def __init__(
        self, workspace: Workspace, period: Period, scope: Scope, *, pipeline_name: str | None
    ) -> None:
        super().__init__(id="rollup")
        self.workspace = workspace
        self.period, self.scope = period, scope
        self.pipeline_name = pipeline_name
        self.nodes: list[TreeNode] = []
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Static(id="rollup-title")
        with Vertical(id="rollup-body"):
            yield DataTable(id="rollup-tree", cursor_type="row", zebra_stripes=True)
            yield Static(CAPTION, id="rollup-calibration-caption", classes="caption")
            yield DataTable(id="rollup-calibration", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one("#rollup-tree", DataTable)
        for title in [
            "Team",
            *CALL_COLUMNS,
            "Quota",
            "Won",
            "Commit",
            "Best case",
            "Pipeline",
            "Weighted",
            "Cover",
            "Need",
            "Gap",
            "Rep call",
            "Mgr call",
            "Commit trend",
        ]:
            tree.add_column(title, key=title)
        cal = self.query_one("#rollup-calibration", DataTable)
        for title in [
            "Rep",
            "Closed",
            "Brier",
            "Said",
            "Won",
            "Over",
            "0-20",
            "20-40",
            "40-60",
            "60-80",
            "80-100",
            "Call error",
            "Call bias",
            "Calls",
        ]:
            cal.add_column(title, key=title)
        tree.focus()
        self._load()

    @work(thread=True, exclusive=True, group="rollup")
    def _load(self) -> None:
        ws = self.workspace
        try:
            nodes = ws.rollup(self.period, self.scope)
            cal = ws.calibration(self.period, self.scope)
            callers = [n.person_id for n in nodes if n.person_id is not None and n.kind != "own"]
            calls = ws.call_statuses(self.period, callers)
            accuracy = ws.call_accuracy(self.scope)
        except Exception as exc:  # shown; the screen stays
            self.post_message(
                LoadFailed(f"Couldn't build the roll-up: {user_message(exc, ws.secrets)}")
            )
            return
        self.post_message(RollupLoaded(RollupData(nodes, cal, calls, accuracy)))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#rollup-title", Static).update(display_text(message.error, "bold red"))

    def on_data_changed(self, _message: DataChanged) -> None:
        if not self.is_current:
            self._stale = True
            return
        self._load()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self._load()

    def on_rollup_loaded(self, message: RollupLoaded) -> None:
        settings = self.workspace.settings
        data = message.data
        self.nodes = data.nodes
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {self.period.label} ", style="bold reverse")
        title.append(f"  Forecast roll-up · {clean(pipeline_caption(self.pipeline_name))}")
        title.append(" · enter shows that person's deals", style="dim")
        tops = [n.figures for n in data.nodes if n.depth == 0]  # together, the whole scope
        left_out = unconverted_text(sum(tops[1:], tops[0])) if tops else ""
        if left_out:
            title.append(f" · {left_out}", style="bold yellow")
        self.query_one("#rollup-title", Static).update(title)

        def money(value: Decimal | None) -> Text:
            return Text(format_money(value, settings.currency, compact=True), justify="right")

        tree = self.query_one("#rollup-tree", DataTable)
        kept = keep_place(tree)
        tree.clear()
        lines = guides([node.depth for node in data.nodes])
        for node, line in zip(data.nodes, lines, strict=True):
            f = node.figures
            need = max(settings.coverage_target, f.needed_coverage or 0.0)
            # Who reports to whom, in tree lines; a name is data, cleaned of controls.
            label = Text(line, style="dim")
            label.append(
                clean(node.label),
                style="bold" if node.kind in ("organisation", "manager") else "",
            )
            gap = f.gap
            status = data.calls.get(node.person_id or -1) if node.kind != "own" else None
            tree.add_row(
                label,
                *call_cells(status, settings.currency),
                money(f.quota),
                money(f.closed_won),
                money(f.commit),
                money(f.best_case),
                money(f.pipeline),
                money(f.weighted),
                ratio_text(f.coverage, target=need),
                ratio_text(f.needed_coverage),
                Text(
                    format_money(gap, settings.currency, compact=True),
                    justify="right",
                    style="red" if gap is not None and gap > 0 else "green",
                ),
                money(node.rep_call),
                money(node.manager_call),
                Text(sparkline(node.commit_history), style="cyan"),
                key=node.key,
            )
        report = data.calibration
        self.query_one("#rollup-calibration-caption", Static).update(self._caption(report))
        held = {a.login: a for a in data.accuracy}
        kept()
        cal = self.query_one("#rollup-calibration", DataTable)
        kept = keep_place(cal)
        cal.clear()
        rows = [*report.reps, report.total]
        for row in rows:
            if row.key == "TOTAL":
                # Managers' calls are scored too: their rows go before the total.
                shown = {r.key for r in report.reps}
                for extra in (a for a in data.accuracy if a.login not in shown):
                    name = f"{extra.label} (team)" if extra.scope == "team" else extra.label
                    cal.add_row(
                        display_text(name),
                        *[Text("—", justify="right")] * 10,
                        *accuracy_cells(extra),
                    )
            bands = [
                Text("—" if not b.count else f"{b.won / b.count:.0%}", justify="right")
                for b in row.bands
            ]
            cal.add_row(
                display_text(row.label, "bold" if row.key == "TOTAL" else ""),
                Text(str(row.deals), justify="right"),
                Text("—" if row.brier is None else f"{row.brier:.3f}", justify="right"),
                ratio_text(row.mean_stated, percent=True),
                ratio_text(row.win_rate, percent=True),
                Text(
                    "—" if row.overconfidence is None else f"{row.overconfidence:+.0%}",
                    justify="right",
                ),
                *bands,
                *accuracy_cells(held.get(row.key)),
            )
        kept()

    def _caption(self, report: CalibrationReport) -> Text:
        """Which deals the calibration covers, as `report --calibration` counts them: the
        pipeline and the window come first, since a narrow terminal cuts the end off."""
        pipeline = dict(self.workspace.pipelines).get(self.scope.pipeline_id or -1)
        which = "all pipelines'" if pipeline is None else clean(pipeline)
        return Text(
            f"Calibration, {which} deals {report.window.text}: "
            "stated probability against what closed"
        )

    def action_period(self, step: int) -> None:
        self.period = self.period.shift(step)
        self._load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "rollup-tree":
            return
        key = str(event.row_key.value)
        node = next((n for n in self.nodes if n.key == key), None)
        if node is None or node.person_id is None:
            self.dismiss("everyone")
            return
        login = key.split(":")[0]
        self.dismiss(login)

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
