"""The session's imports (a dry run, then the real thing) and the demo organisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..importing import DryRunReport, ImportOptions, ImportSummary, dry_run
from ..importing.model import Progress
from ..seed import SeedSummary, seed_demo
from .guard import guarded_import
from .session_base import SessionBase


class ImportsDoor(SessionBase):
    def import_plan(self, path: Path, options: ImportOptions) -> DryRunReport:
        """What importing `path` would do: counts, changes and every problem; writes
        nothing."""
        return self.run(lambda: dry_run(self.engine, path, options))

    def import_file(
        self, path: Path, options: ImportOptions, progress: Progress | None = None
    ) -> ImportSummary:
        """Imports `path` whole, or nothing (`ImportFailed` says why); `options.user` is
        recorded as the author of the changes. What the importer may write is checked
        first (`services.guard.guarded_import`): a refusal writes nothing."""
        self._writable()
        policy = self.acting_policy()
        return self.run(lambda: guarded_import(self.engine, policy, path, options, progress))

    def seed_demo(
        self,
        *,
        deals: int,
        seed: int,
        today: date | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SeedSummary:
        """Fills an empty database with the demo organisation, built around `today`
        (default: today in UTC). `SeedError` if it isn't empty."""
        self._writable()
        return self.run(
            lambda: seed_demo(self.engine, deals=deals, seed=seed, today=today, progress=progress)
        )
