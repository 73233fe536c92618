"""The process under review: each stage's default probability beside the share of deals
that went on to win from it, how long deals sit in it, the targets beside the team's
figures, and every change made to the process with who and why.

Anyone looks; managers and admins propose the observed share as a stage's default (`a`);
an admin accepts (`A`), adds, renames, moves and retires stages, and changes the team's
settings (`c` on the settings list: a value, then `; why` if wanted). The keys a person may
not use are not shown (the session refuses them anyway).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...display import clean, display_text
from ...errors import PipelineError, user_message
from ...forecast.process import HistoryEntry, ProcessStage, ProcessView
from ...forecast.process_text import (
    change_text,
    days_text,
    observed_text,
    proposal_text,
    ratio_text,
    targets_note,
)
from ...services.workspace import ProcessResult, SettingRow, Workspace
from ..live import keep_place
from ..messages import DataChanged, LoadFailed
from ..widgets.prompt import Prompt, prompt_status_footer

HISTORY_ROWS = 200
ADMIN_ACTIONS = frozenset({"accept", "add", "rename", "move", "retire", "change_setting"})
NEW_STAGE = re.compile(r"^(?P<name>.*?)[\s,]+(?P<probability>-?\d+)\s*%?\s*$")
KIND_WORDS = {
    "stage_added": "added",
    "stage_renamed": "renamed",
    "stage_moved": "moved",
    "stage_retired": "retired",
    "target": "target",
    "proposal": "proposed",
    "proposal_accepted": "accepted",
    "setting": "setting",
}


@dataclass(frozen=True)
class ProcessData:
    view: ProcessView
    history: list[HistoryEntry]
    settings: list[SettingRow]


class ProcessLoaded(Message):
    def __init__(self, data: ProcessData, done: str | None, follow: int | None) -> None:
        super().__init__()
        self.data, self.done, self.follow = data, done, follow


class ProcessScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="process.back"),
        Binding("a", "propose", "Adopt observed", id="process.propose"),
        Binding("A", "accept", "Accept", id="process.accept"),
        Binding("n", "add", "New stage", id="process.add"),
        Binding("e", "rename", "Rename", id="process.rename"),
        Binding("K", "move(-1)", "Move up", show=False, id="process.move_up"),
        Binding("J", "move(1)", "Move down", show=False, id="process.move_down"),
        Binding("x", "retire", "Retire", id="process.retire"),
        Binding("c", "change_setting", "Change setting", id="process.change_setting"),
        Binding("p", "pipeline", "Pipeline", show=False, id="process.pipeline"),
    ]

    def __init__(self, workspace: Workspace, pipeline_id: int | None = None) -> None:
        super().__init__(id="process")
        self.workspace = workspace
        self.pipeline_id = pipeline_id or workspace.pipelines[0][0]
        self.view: ProcessView | None = None
        self.stages: list[ProcessStage] = []
        self.settings: list[SettingRow] = []
        self._stale = False
        # The last change's outcome stays in the title through reloads until the next key.
        self._note: tuple[str, bool] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="process-title")
        with Vertical(id="process-body"):
            yield DataTable(id="process-stages", cursor_type="row", zebra_stripes=True)
            yield Static(id="process-targets")
            yield Static(id="process-settings-caption", classes="caption")
            yield DataTable(id="process-settings", cursor_type="row")
            yield Static("Changes to the process", id="process-history-caption", classes="caption")
            yield DataTable(id="process-history", cursor_type="row")
        yield from prompt_status_footer()

    def on_mount(self) -> None:
        stages = self.query_one("#process-stages", DataTable)
        for title in ("Stage", "Default", "Observed win", "Median days", "Open", "Proposal"):
            stages.add_column(title, key=title)
        settings = self.query_one("#process-settings", DataTable)
        for title in ("Setting", "Value", "Default", "Meaning"):
            settings.add_column(title, key=title)
        history = self.query_one("#process-history", DataTable)
        for title in ("When (UTC)", "Who", "What", "Change", "Why"):
            history.add_column(title, key=title)
        stages.focus()
        self._reading()
        self._load(None)

    def _reading(self) -> None:
        """The layout at once, the figures when the read (off the UI thread) lands."""
        self.query_one("#process-targets", Static).update(
            Text("Reading the stage history…", style="dim")
        )
        self._title(None, error=False)

    # -- who may -------------------------------------------------------------------------

    @property
    def may_propose(self) -> bool:
        policy = self.workspace.policy
        writable = self.workspace.read_only is None and not policy.read_only
        return writable and policy.role in ("manager", "admin")

    @property
    def may_change(self) -> bool:
        return self.workspace.policy.is_admin and self.workspace.read_only is None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "propose":
            return self.may_propose
        if action in ADMIN_ACTIONS:
            return self.may_change
        if action == "pipeline":
            return len(self.workspace.pipelines) > 1
        return True

    # -- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="process")
    def _load(self, done: str | None, follow: int | None = None) -> None:
        ws = self.workspace
        try:
            view = ws.process(self.pipeline_id)
            history = ws.process_history(self.pipeline_id, HISTORY_ROWS)
            settings = ws.settings_list(self.pipeline_id)
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(ProcessLoaded(ProcessData(view, history, settings), done, follow))

    def on_data_changed(self, _message: DataChanged) -> None:
        if not self.is_current:
            self._stale = True
            return
        self._load(None)

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self._load(None)

    def on_load_failed(self, message: LoadFailed) -> None:
        self._title(message.error, error=True)

    def on_process_loaded(self, message: ProcessLoaded) -> None:
        view = message.data.view
        self.view = view
        self.stages = [s for s in view.stages if s.is_open]
        table = self.query_one("#process-stages", DataTable)
        kept = keep_place(table)
        table.clear()
        for s in self.stages:
            style = "dim" if s.retired else ""
            name = display_text(s.name, style)
            if s.retired:
                name.append(" (retired)", style="dim italic")
            table.add_row(
                name,
                Text(f"{s.default_probability}%", style=style),
                self._observed(s),
                Text(days_text(s), style=style),
                Text(str(s.open_deals), style=style),
                display_text(proposal_text(s), "bold yellow"),
                key=str(s.id),
            )
        kept()
        if message.follow is not None:  # a moved stage keeps the cursor
            rows = [i for i, s in enumerate(self.stages) if s.id == message.follow]
            if rows:
                table.move_cursor(row=rows[0])
        self.query_one("#process-targets", Static).update(self._targets(view))
        self._show_settings(message.data.settings)
        self.query_one("#process-history-caption", Static).update(
            Text(f"Changes to the process ({len(message.data.history)} shown, newest first)")
        )
        history = self.query_one("#process-history", DataTable)
        kept = keep_place(history)
        history.clear()
        for e in message.data.history:
            history.add_row(
                Text(e.at.strftime("%Y-%m-%d %H:%M"), style="dim"),
                display_text(e.who or "—"),
                Text(KIND_WORDS.get(e.kind, e.kind)),
                display_text(change_text(e)),
                display_text(e.reason or ""),
                key=str(e.id),
            )
        kept()
        self._title(message.done, error=False)

    def _show_settings(self, rows: list[SettingRow]) -> None:
        """The settings, a changed value in bold; a stage's days limit under its name."""
        self.settings = rows
        how = "tab to the list, c changes one" if self.may_change else "an admin changes them"
        self.query_one("#process-settings-caption", Static).update(Text(f"Settings ({how})"))
        table = self.query_one("#process-settings", DataTable)
        kept = keep_place(table)
        table.clear()
        for r in rows:
            changed = r.value != r.default
            table.add_row(
                display_text(r.label),
                display_text(r.value_text, "bold" if changed else ""),
                Text(r.default_text, style="dim"),
                Text(r.meaning, style="dim"),
                key=f"{r.name}:{r.stage_id or ''}",
            )
        kept()

    def _observed(self, s: ProcessStage) -> Text:
        """The observed share, yellow when it is 10 points or more from the default."""
        text = observed_text(s)
        observed = s.observed_percent
        far = observed is not None and abs(observed - s.default_probability) >= 10
        return Text(text, style="bold yellow" if far else "")

    def _targets(self, view: ProcessView) -> Text:
        """Targets beside the figures on one line, the contradiction (if any) under it."""
        t = view.targets
        text = Text()
        text.append(f"{view.period_key}", style="bold")
        text.append(
            f"  coverage {ratio_text(t.coverage)} vs {ratio_text(t.coverage_target)} target"
        )
        text.append(
            f" · win rate {ratio_text(t.win_rate, percent=True)} vs "
            f"{ratio_text(t.win_rate_target, percent=True)}"
        )
        text.append(" · 1/win rate ")
        text.append(ratio_text(t.implied_coverage), style="bold red" if t.contradicted else "green")
        note = targets_note(t)
        if note:
            text.append(f"\n{note}", style="red")
        return text

    def _title(self, note: str | None, *, error: bool) -> None:
        """The title names what is shown; the status line says what just happened (it
        stays through reloads until the next key that changes something)."""
        if note:
            self._note = (note, error)
        elif self._note is not None:
            note, error = self._note
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(" Process ", style="bold reverse")
        if self.view is not None and self.view.pipeline_id == self.pipeline_id:
            title.append(clean(f"  {self.view.pipeline_name} · deals {self.view.window.text}"))
        else:
            name = dict(self.workspace.pipelines).get(self.pipeline_id, "")
            title.append(clean(f"  {name} · reading…"))
        self.query_one("#process-title", Static).update(title)
        status = self.query_one("#status", Static)
        if note:
            status.update(Text(clean(note), style="bold" if error else "green"))
        elif not self.may_propose:
            status.update(Text("read-only: managers propose a default, an admin accepts it"))
        else:
            status.update(Text(""))
        status.set_class(bool(note) and error, "error")

    # -- the keys ------------------------------------------------------------------------

    def _selected(self) -> ProcessStage | None:
        table = self.query_one("#process-stages", DataTable)
        if not self.stages or table.cursor_row < 0:
            return None
        return self.stages[min(table.cursor_row, len(self.stages) - 1)]

    def _ask(self, label: str, submit: Callable[[str], str | None], **kwargs: str) -> None:
        self._note = None
        table = self.query_one("#process-stages", DataTable)

        def refocus() -> None:
            table.focus()

        self.query_one(Prompt).ask(label, submit, on_close=refocus, **kwargs)

    def action_propose(self) -> None:
        stage = self._selected()
        if stage is None or self.view is None:
            return
        observed = stage.observed_percent
        if observed is None:
            self._title(f"No deal from {stage.name} closed {self.view.window.text}", error=True)
            return
        if observed == stage.default_probability:
            self._title(f"{stage.name} already defaults to what was observed", error=True)
            return
        seen = stage.default_probability

        def submit(text: str) -> str | None:
            self._write(lambda ws: ws.propose_default(stage.id, observed, text, seen=seen))
            return None

        self._ask(
            f"Propose the default of {clean(stage.name)}: {seen}% → {observed}%. Why:",
            submit,
            value=f"observed {observed_text(stage)}, {self.view.window.text}",
        )

    def action_accept(self) -> None:
        stage = self._selected()
        if stage is None:
            return
        proposal = stage.proposal
        if proposal is None:
            self._title(f"No proposal is waiting for {stage.name}", error=True)
            return

        def submit(text: str) -> str | None:
            if not text.strip():
                return "Say why: the reason is kept in the process history"
            self._write(lambda ws: ws.accept_proposal(proposal.id, text))
            return None

        self._ask(
            f"Accept {clean(stage.name)} {proposal.old}% → {proposal.new}% (new deals only). Why:",
            submit,
        )

    def action_add(self) -> None:
        selected = self._selected()
        active = [s for s in self.stages if not s.retired]
        position = (
            active.index(selected) + 2 if selected in active and selected is not None else None
        )

        def submit(text: str) -> str | None:
            found = NEW_STAGE.match(text.strip())
            if found is None:
                return "Give a name and a default probability: Demo 20%"
            name, probability = found["name"], found["probability"]
            self._write(
                lambda ws: ws.add_stage(
                    self.pipeline_id, name, probability, None, position=position
                )
            )
            return None

        where = "at the end" if position is None else f"at position {position}"
        self._ask(f"New stage {where} (name, default %):", submit, placeholder="Demo 20%")

    def action_rename(self) -> None:
        stage = self._selected()
        if stage is None:
            return

        def submit(text: str) -> str | None:
            self._write(lambda ws: ws.rename_stage(stage.id, text, None, seen_name=stage.name))
            return None

        self._ask(f"Rename {clean(stage.name)} to:", submit, value=stage.name)

    def action_move(self, steps: int) -> None:
        stage = self._selected()
        if stage is None:
            return
        self._note = None
        self._write(lambda ws: ws.move_process_stage(stage.id, steps), follow=stage.id)

    def action_retire(self) -> None:
        stage = self._selected()
        if stage is None:
            return

        def submit(text: str) -> str | None:
            self._write(lambda ws: ws.retire_stage(stage.id, text))
            return None

        self._ask(f"Retire {clean(stage.name)} (its history stays)? Why:", submit)

    def action_change_setting(self) -> None:
        """The setting under the settings list's cursor: its value offered for editing,
        `; why` after it kept in the history."""
        table = self.query_one("#process-settings", DataTable)
        if not self.settings or table.cursor_row < 0:
            return
        row = self.settings[min(table.cursor_row, len(self.settings) - 1)]
        seen, stage_id = row.value, row.stage_id

        def submit(text: str) -> str | None:
            value, _, why = text.partition(";")
            if not value.strip() and row.name != "head_login":
                return f"Give a value for {row.label}: {row.meaning}"
            if stage_id is not None:
                days = value
                self._write(
                    lambda ws: ws.change_stage_days(stage_id, days, why, seen=int(seen or 0))
                )
            else:
                self._write(lambda ws: ws.change_setting(row.name, value, why, seen=seen))
            return None

        def refocus() -> None:
            table.focus()

        self._note = None
        self.query_one(Prompt).ask(
            f"{clean(row.label)}, the new value (then ; why if you like):",
            submit,
            value=row.value_text,
            on_close=refocus,
        )

    def action_pipeline(self) -> None:
        ids = [pid for pid, _ in self.workspace.pipelines]
        here = ids.index(self.pipeline_id) if self.pipeline_id in ids else -1
        self.pipeline_id = ids[(here + 1) % len(ids)]
        self._reading()
        self._load(None)

    @work(thread=True, exclusive=True, group="process-change")
    def _write(
        self, change: Callable[[Workspace], ProcessResult], follow: int | None = None
    ) -> None:
        ws = self.workspace
        try:
            result = change(ws)
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self._load(result.text, follow)

    def action_back(self) -> None:
        prompt = self.query_one(Prompt)
        if prompt.is_open:
            prompt.close()
            return
        self.dismiss(None)
