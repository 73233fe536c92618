"""The session's door to the process under review (`process` screen and command).

Anyone may look; managers and admins propose a new default probability for a stage; only
an admin accepts one, changes the stages or the targets (`services.permissions`).
"""

from __future__ import annotations

from ..errors import NotFoundError
from ..forecast import Scope, forecast_totals
from ..forecast.calibration import calibration_window
from ..forecast.process import HistoryEntry, ProcessView, Targets, process_history, process_stages
from ..periods import quarter_containing
from . import process as changes
from .people import load_settings
from .process import ProcessResult
from .process_targets import setting_of
from .session_base import SessionBase
from .settings import (
    SettingRow,
    Value,
    change_setting,
    change_stage_days,
    list_settings,
    spec_of,
)


class Unread:
    """No value given: the write is based on the session's own reading of the settings."""


UNREAD = Unread()


class ProcessDoor(SessionBase):
    def pipeline_named(self, name: str | None) -> int:
        """A pipeline by name (any case); None: the first."""
        if not self.pipelines:
            raise NotFoundError("There are no pipelines yet")
        if name is None:
            return self.pipelines[0][0]
        for pid, pname in self.pipelines:
            if pname.casefold() == name.strip().casefold():
                return pid
        known = ", ".join(p for _, p in self.pipelines)
        raise NotFoundError(f"No pipeline is called '{name}': there are {known}")

    def process(self, pipeline_id: int) -> ProcessView:
        """The pipeline's stages against what happened, and the targets against the
        team's figures this quarter (the board header's and `report`'s numbers)."""
        today = self.today()
        period = quarter_containing(today, self.settings.fiscal_year_start_month)
        window = calibration_window(period, today)
        name = dict(self.pipelines).get(pipeline_id)
        if name is None:
            raise NotFoundError(f"There is no pipeline {pipeline_id}")
        scope = self.seen(Scope(pipeline_id=pipeline_id))

        def read() -> ProcessView:
            with self.engine.connect() as conn:
                stages = process_stages(conn, pipeline_id, window)
                figures = forecast_totals(conn, period, scope, today=today)
            settings = load_settings(self.engine)
            targets = Targets.of(figures, settings.coverage_target, settings.win_rate_target)
            return ProcessView(pipeline_id, name, window, period.key, stages, targets)

        return self.run(read)

    def process_history(
        self, pipeline_id: int | None = None, limit: int | None = None
    ) -> list[HistoryEntry]:
        """Every change to the process, newest first (one pipeline's and the targets)."""

        def read() -> list[HistoryEntry]:
            with self.engine.connect() as conn:
                return process_history(conn, pipeline_id, limit)

        return self.run(read)

    # -- writes ----------------------------------------------------------------------------

    def propose_default(
        self, stage_id: int, probability: object, reason: str | None, *, seen: int | None = None
    ) -> ProcessResult:
        self._writable()
        self.policy.check_proposal()
        me = self.me.id
        return self.run(
            lambda: changes.propose(
                self.engine, stage_id, probability, reason, who=me, seen_default=seen
            )
        )

    def accept_proposal(self, proposal_id: int, reason: str | None) -> ProcessResult:
        self._writable()
        self.policy.check_admin("process")
        me = self.me.id
        return self.run(lambda: changes.accept(self.engine, proposal_id, reason, who=me))

    def add_stage(
        self,
        pipeline_id: int,
        name: str,
        probability: object,
        reason: str | None = None,
        *,
        position: int | None = None,
    ) -> ProcessResult:
        self._writable()
        self.policy.check_admin("stages")
        me = self.me.id
        return self.run(
            lambda: changes.add_stage(
                self.engine, pipeline_id, name, probability, reason, who=me, position=position
            )
        )

    def rename_stage(
        self, stage_id: int, name: str, reason: str | None = None, *, seen_name: str
    ) -> ProcessResult:
        self._writable()
        self.policy.check_admin("stages")
        me = self.me.id
        return self.run(
            lambda: changes.rename_stage(
                self.engine, stage_id, name, reason, who=me, seen_name=seen_name
            )
        )

    def move_process_stage(
        self, stage_id: int, steps: int, reason: str | None = None
    ) -> ProcessResult:
        self._writable()
        self.policy.check_admin("stages")
        me = self.me.id
        return self.run(lambda: changes.move_stage(self.engine, stage_id, steps, reason, who=me))

    def retire_stage(self, stage_id: int, reason: str | None = None) -> ProcessResult:
        self._writable()
        self.policy.check_admin("stages")
        me = self.me.id
        return self.run(lambda: changes.retire_stage(self.engine, stage_id, reason, who=me))

    def set_target(self, which: str, value: str, reason: str | None = None) -> ProcessResult:
        """`coverage` or `win-rate`: the same change as `change_setting`'s for the target."""
        return self.change_setting(setting_of(which), value, reason)

    def settings_list(self, pipeline_id: int | None = None) -> list[SettingRow]:
        """Every setting with its value, default and meaning, then each open stage's days
        limit (one pipeline's, or all)."""

        def read() -> list[SettingRow]:
            with self.engine.connect() as conn:
                return list_settings(conn, pipeline_id)

        return self.run(read)

    def change_setting(
        self,
        name: str,
        value: str,
        reason: str | None = None,
        *,
        seen: Value | Unread = UNREAD,
    ) -> ProcessResult:
        """Sets a team setting (admin only) if it is still what was read: `seen`, else
        the session's own reading. The session's settings follow at once."""
        self._writable()
        self.policy.check_admin("settings")
        spec = spec_of(name)
        based_on = getattr(self.settings, spec.name) if isinstance(seen, Unread) else seen
        me = self.me.id
        result = self.run(
            lambda: change_setting(self.engine, spec.name, value, reason, who=me, seen=based_on)
        )
        self.reload_settings()
        return result

    def change_stage_days(
        self, stage_id: int, value: str, reason: str | None = None, *, seen: int
    ) -> ProcessResult:
        """Sets an open stage's days limit (admin only) if it is still `seen`."""
        self._writable()
        self.policy.check_admin("settings")
        me = self.me.id
        return self.run(
            lambda: change_stage_days(self.engine, stage_id, value, reason, who=me, seen=seen)
        )

    def reload_settings(self) -> None:
        """Reads the settings again, so every figure and filter uses a change at once."""
        self.settings = self.run(lambda: load_settings(self.engine))


__all__ = ["ProcessDoor", "ProcessResult"]
