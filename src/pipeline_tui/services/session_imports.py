"""The session's imports (a dry run, then the real thing), exchange rates and the demo
organisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import rates as rate_book
from .session_base import SessionBase

# The importer and the demo seeder are imported when used: every session (the app's at
# start, each command's) would otherwise pay for them before its first read.
if TYPE_CHECKING:
    from ..importing import DryRunReport, ImportOptions, ImportSummary
    from ..importing.model import Progress
    from ..seed import SeedSummary


class ImportsDoor(SessionBase):
    def import_plan(self, path: Path, options: ImportOptions) -> DryRunReport:
        """What importing `path` would do: counts, changes and every problem; writes
        nothing."""
        from ..importing import dry_run

        return self.run(lambda: dry_run(self.engine, path, options))

    def import_file(
        self, path: Path, options: ImportOptions, progress: Progress | None = None
    ) -> ImportSummary:
        """Imports `path` whole, or nothing (`ImportFailed` says why); `options.user` is
        recorded as the author of the changes. What the importer may write is checked
        first (`services.guard.guarded_import`): a refusal writes nothing."""
        from .guard import guarded_import

        self._writable()
        policy = self.acting_policy()
        return self.run(lambda: guarded_import(self.engine, policy, path, options, progress))

    def set_rate(self, currency: str, rate: str, day: date) -> rate_book.RateView:
        """One currency's rate to the reporting currency from `day` on (replacing that
        day's); `RateError` for a bad code or rate, and nothing is written."""
        self._writable()
        self._admin_only("rates")
        return self.run(lambda: rate_book.set_rate(self.engine, currency, rate, day))

    def import_rates(self, path: Path) -> list[rate_book.RateView]:
        """A `currency,date,rate` CSV, all or nothing."""
        self._writable()
        self._admin_only("rates")
        return self.run(lambda: rate_book.import_rates(self.engine, path))

    def rates(self) -> tuple[str, list[rate_book.RateView]]:
        """The reporting currency, and every rate by currency and date."""
        return self.run(lambda: rate_book.list_rates(self.engine))

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
        from ..seed import seed_demo

        self._writable()
        return self.run(
            lambda: seed_demo(self.engine, deals=deals, seed=seed, today=today, progress=progress)
        )

    def _admin_only(self, thing: str) -> None:
        """An admin's change; on a database with no people yet, whoever sets it up."""
        policy = self.acting_policy()
        if policy is not None:
            policy.check_admin(thing)
