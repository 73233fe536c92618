"""What an import is asked to do and what it reports back: plain data, no I/O.

These are the types a caller (the CLI, or a UI worker thread) hands in and gets back, so
they are frozen dataclasses of strings, numbers and lists that are safe to pass between
threads and easy to render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from ..display import CONTROL_CHARS, escaped
from ..errors import ConflictError, InputError

KINDS = ("deals", "users", "quotas")
FORMATS = ("auto", "salesforce", "hubspot", "pipedrive", "csv")
PREVIEW_ROWS = 5

# `progress(phase, done, total)`: phase is "Reading" or "Writing"; called often enough
# for a progress bar, rarely enough to cost nothing.
Progress = Callable[[str, int, int], None]


class Severity(StrEnum):
    ERROR = "error"  # the row is rejected
    WARNING = "warning"  # the row is imported, and flagged


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell, row or the file (`line` None).

    `topic`, when set, is what many rows of one column can have in common, written as
    "<what is wrong>. <what to do>": reports print such rows as one line per column.
    """

    line: int | None
    column: str | None
    value: str | None
    reason: str
    severity: Severity = Severity.ERROR
    topic: str | None = None

    def describe(self, unit: str = "line") -> str:
        where = f"{unit} {self.line}" if self.line is not None else "file"
        if self.column:
            where += f", {self.column}"
        quoted = ""
        if self.value:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            # Parse errors already quote the value they couldn't read.
            quoted = "" if repr(shown) in self.reason else f" {shown!r}"
        return f"{where}:{quoted} {self.reason}"


class ImportFailed(InputError):
    """Nothing was written. The message is meant to be shown as it is."""


class FileRejected(ImportFailed):
    """The file as a whole can't be used: empty, binary, unknown layout, bad options."""


class RowsRejected(ImportFailed):
    """Some rows are bad and the import is all or nothing; `problems` lists every one."""

    def __init__(self, message: str, problems: list[Problem], unit: str = "line") -> None:
        super().__init__(message)
        self.problems = problems
        self.unit = unit


class ImportConflict(ImportFailed, ConflictError):
    """The database changed under the import (someone edited a deal meanwhile)."""


@dataclass(frozen=True)
class ImportOptions:
    """Everything `pipeline-tui import` takes besides the file.

    `mapping` maps a field to a column name, overriding what the format would pick; an
    empty column name leaves the field out. `stage_map` maps a stage name as the file
    writes it to a stage name in the pipeline. `pipeline` is where rows that name no
    pipeline go. `stage_order` lists new stages in the order deals move through them,
    for when the file doesn't show it. `skip_invalid` imports the good rows when some
    are rejected rather than nothing. `user` is the login recorded as the author of the changes.
    """

    kind: str = "deals"
    format: str = "auto"
    mapping: Mapping[str, str] = field(default_factory=dict)
    stage_map: Mapping[str, str] = field(default_factory=dict)
    pipeline: str | None = None
    stage_order: tuple[str, ...] = ()
    dayfirst: bool = False
    monthfirst: bool = False
    skip_invalid: bool = False
    user: str | None = None
    today: date | None = None
    preview_rows: int = PREVIEW_ROWS

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FileRejected(f"unknown kind '{self.kind}'; use {', '.join(KINDS)}")
        if self.format not in FORMATS:
            raise FileRejected(f"unknown format '{self.format}'; use {', '.join(FORMATS)}")
        if self.dayfirst and self.monthfirst:
            raise FileRejected("--dayfirst and --monthfirst contradict each other; pass one")
        # These become names (a pipeline, stages) or are shown back, like the file's cells.
        texts = [("--pipeline", self.pipeline or ""), ("--user", self.user or "")]
        texts += [("--map", f"{k}={v}") for k, v in self.mapping.items()]
        texts += [("--stage-map", f"{k}={v}") for k, v in self.stage_map.items()]
        texts += [("--stage-order", name) for name in self.stage_order]
        for option, text in texts:
            if found := CONTROL_CHARS.search(text):
                raise FileRejected(
                    f"{option} has the control character {escaped(found.group())}; "
                    "type the value without it"
                )


def parse_pairs(
    items: str | Iterable[str], *, what: str, keys: Iterable[str] | None = None
) -> dict[str, str]:
    """`A=x,B=y` (or several such strings) as a dict, for `--map` and `--stage-map`.

    With `keys`, a comma only separates pairs when a known key and `=` follow it, so a
    column name may itself contain commas: `amount=Amount (USD, converted),name=Title`.
    """
    texts = [items] if isinstance(items, str) else list(items)
    known = sorted(keys, key=len, reverse=True) if keys is not None else None
    if known:
        alternatives = "|".join(re.escape(k) for k in known)
        splitter = re.compile(rf",(?=\s*(?:{alternatives})\s*=)", re.IGNORECASE)
    else:
        splitter = re.compile(",")
    pairs: dict[str, str] = {}
    for text in texts:
        for part in splitter.split(text):
            if not part.strip():
                continue
            key, eq, value = part.partition("=")
            key = key.strip()
            if not eq or not key:
                raise FileRejected(f"{what}: '{part.strip()}' is not NAME=VALUE")
            if known is not None and key.casefold() not in {k.casefold() for k in known}:
                raise FileRejected(
                    f"{what}: unknown field '{key}'; the fields are {', '.join(keys or ())}"
                )
            pairs[key.casefold() if known is not None else key] = value.strip()
    return pairs


@dataclass(frozen=True)
class Missing:
    """Deals of the file's pipelines that have an external id the file doesn't have."""

    count: int
    open_count: int
    sample: list[tuple[str, str]]  # (external id, name), open deals first


@dataclass(frozen=True)
class ArchivedMatches:
    """Rows that matched archived deals: they stay archived, unless the row says
    `archived` no (`restored` of them)."""

    count: int
    restored: int
    sample: list[str]  # deal names, as many as a report shows


@dataclass(frozen=True)
class StageOrder:
    """A pipeline the import adds stages to: all its stages in the order they will be,
    and what the order of the new ones comes from (None: the file doesn't say)."""

    pipeline: str
    stages: list[tuple[str, str, int, bool]]  # (name, kind, default probability, new)
    basis: str | None
    note: str | None = None


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    changes: int = 0  # history rows written (or that would be) for updated deals


@dataclass(frozen=True)
class DryRunReport:
    """What an import of this file would do, computed without writing anything."""

    kind: str
    format: str
    format_label: str
    encoding: str
    delimiter: str
    unit: str  # "line" for CSV, "item" for JSON: how problems locate a row
    rows: int
    skipped: list[Problem]  # footer, total and blank lines left out on purpose
    mapping: list[tuple[str, list[str]]]  # field -> the column(s) it is read from
    unused_columns: list[str]
    preview: list[dict[str, str]]
    problems: list[Problem]
    counts: Counts
    new: dict[str, list[str]]  # "owners", "accounts", "pipelines", "stages" -> names
    missing: Missing | None = None
    stage_order: list[StageOrder] = field(default_factory=list)
    recognised: str = ""  # how the format was chosen: "recognised by 'Deal Stage'", ...
    archived: ArchivedMatches | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote. `problems` holds warnings, and with `skip_invalid` the
    rejected rows' errors too."""

    kind: str
    format_label: str
    unit: str
    counts: Counts
    new: dict[str, list[str]]
    problems: list[Problem]
    missing: Missing | None
    seconds: float
    stage_order: list[StageOrder] = field(default_factory=list)
    archived: ArchivedMatches | None = None
