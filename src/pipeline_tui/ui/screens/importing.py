"""Importing a CRM export from inside the app: a path, the dry run, then the real thing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...display import clean, display_text
from ...errors import PipelineError
from ...importing import DryRunReport, ImportFailed, ImportOptions, RowsRejected
from ...importing.report import dry_run_report, import_summary, problem_lines
from ...services.workspace import Workspace
from ..widgets.prompt import Prompt


class ImportShown(Message):
    def __init__(self, body: RenderableType, report: DryRunReport | None, done: bool) -> None:
        super().__init__()
        self.body, self.report, self.done = body, report, done


class ImportScreen(Screen[bool]):
    """Dismisses with True when something was imported (the board reloads then)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "run_import", "Import", id="import.run"),
        Binding("o", "choose_file", "Other file", id="import.file"),
        Binding("D", "toggle_dayfirst", "Date order", id="import.dayfirst"),
        Binding("escape", "back", "Back", id="import.back"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(id="import")
        self.workspace = workspace
        self.path: Path | None = None
        self.options = ImportOptions()
        self.report: DryRunReport | None = None
        self.imported = False
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(id="import-title")
        with VerticalScroll(id="import-body"):
            yield Static(id="import-report")
        yield Prompt(id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.action_choose_file()

    def _title(self) -> None:
        text = Text(" Import ", style="bold reverse")
        text.append(f"  {clean(self.path or 'choose a file')}")
        if self.options.dayfirst:
            text.append("  · day-first dates", style="yellow")
        elif self.options.monthfirst:
            text.append("  · month-first dates", style="yellow")
        text.append("  · Salesforce, HubSpot, Pipedrive or any CSV", style="dim")
        self.query_one("#import-title", Static).update(text)

    def action_choose_file(self) -> None:
        def submit(text: str) -> str | None:
            path = Path(text.strip()).expanduser()
            if not text.strip():
                return "Give the path of a CSV or JSON export"
            if not path.is_file():
                return f"There is no file {path}"
            self.path = path
            self._title()
            self._dry_run()
            return None

        self.query_one(Prompt).ask(
            "File:", submit, value=str(self.path or ""), placeholder="~/Downloads/opportunities.csv"
        )

    def action_toggle_dayfirst(self) -> None:
        """As the file says, then day first, then month first (`--dayfirst`, `--monthfirst`)."""
        dayfirst, monthfirst = self.options.dayfirst, self.options.monthfirst
        after = (True, False) if not (dayfirst or monthfirst) else (False, dayfirst)
        self.options = replace(self.options, dayfirst=after[0], monthfirst=after[1])
        self._title()
        if self.path is not None:
            self._dry_run()

    def _show(self, body: RenderableType) -> None:
        self.query_one("#import-report", Static).update(body)

    @work(thread=True, exclusive=True, group="import")
    def _dry_run(self) -> None:
        assert self.path is not None
        self.post_message(ImportShown(Text("Reading the file…", style="dim"), None, False))
        try:
            report = self.workspace.import_plan(self.path, self.options)
        except ImportFailed as exc:
            self.post_message(ImportShown(display_text(exc, "bold red"), None, False))
            return
        hint = Text(
            "\ni imports it all (or nothing, if anything goes wrong) · o picks another file",
            style="bold" if not report.counts.rejected else "dim",
        )
        self.post_message(ImportShown(Group(dry_run_report(report), hint), report, False))

    def on_import_shown(self, message: ImportShown) -> None:
        self.busy = False
        self.report = message.report
        self.imported = self.imported or message.done
        self._show(message.body)

    def action_run_import(self) -> None:
        if self.busy or self.path is None or self.report is None:
            return
        if self.report.counts.rejected:
            self._show(
                Group(
                    Text("Fix the rejected rows first: nothing was imported.", style="bold red"),
                    dry_run_report(self.report),
                )
            )
            return
        self.busy = True
        self._import()

    @work(thread=True, exclusive=True, group="import")
    def _import(self) -> None:
        assert self.path is not None
        self.post_message(ImportShown(Text("Importing…", style="dim"), self.report, False))
        options = replace(self.options, user=self.workspace.me.login)
        try:
            summary = self.workspace.import_file(self.path, options)
        except RowsRejected as exc:
            body = Group(display_text(exc, "bold red"), *problem_lines(exc.problems, exc.unit))
            self.post_message(ImportShown(body, self.report, False))
            return
        except (ImportFailed, PipelineError) as exc:  # a refusal (roles) says who may
            self.post_message(ImportShown(display_text(exc, "bold red"), self.report, False))
            return
        self.post_message(ImportShown(import_summary(summary), None, True))

    def action_back(self) -> None:
        prompt = self.query_one(Prompt)
        if prompt.is_open:
            prompt.close()
            return
        self.dismiss(self.imported)
