"""Calibration and forecast accuracy together, as the roll-up screen and `report` show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from ..display import markdown_row
from ..money import format_money
from ..periods import Period
from .accuracy import ForecastAccuracy, forecast_accuracy
from .binding import reading
from .calibration import (
    CalibrationWindow,
    RepCalibration,
    calibration,
    calibration_total,
    calibration_window,
)


@dataclass(frozen=True)
class CalibrationReport:
    since: date | None
    until: date | None
    reps: list[RepCalibration]
    total: RepCalibration
    accuracy: ForecastAccuracy

    @property
    def window(self) -> CalibrationWindow:
        return CalibrationWindow(self.since, self.until)

    def as_dict(self) -> dict[str, Any]:
        return {
            "window": {
                "start": None if self.since is None else self.since.isoformat(),
                "end": None if self.until is None else self.until.isoformat(),
                "text": self.window.text,
            },
            "reps": [r.as_dict() for r in self.reps],
            "totals": self.total.as_dict(),
            "accuracy": self.accuracy.as_dict(),
        }


def calibration_report(
    bind: Engine | Connection,
    *,
    period: Period,
    today: date,
    owner_ids: frozenset[int] | None = None,
    pipeline_id: int | None = None,
) -> CalibrationReport:
    """Calibration over the deals closed in `calibration_window`, and the accuracy of every
    ended period's snapshots: the one computation behind the roll-up screen and
    `report --calibration`, so the two always show the same deals and Brier score."""
    window = calibration_window(period, today)
    since, until = window.since, window.until
    with reading(bind) as conn:
        reps = calibration(
            conn, owner_ids=owner_ids, since=since, until=until, pipeline_id=pipeline_id
        )
        accuracy = forecast_accuracy(
            conn, today=today, owner_ids=owner_ids, pipeline_id=pipeline_id
        )
    label = "Everyone" if owner_ids is None else "Team"
    return CalibrationReport(since, until, reps, calibration_total(reps, label), accuracy)


def calibration_markdown(report: CalibrationReport, currency: str = "USD") -> str:
    lines = [
        f"## Calibration (deals {report.window.text})",
        "",
        "| Rep | Deals | Brier | Stated | Won | Over-confidence |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in [*report.reps, report.total]:
        lines.append(
            markdown_row(
                r.label,
                str(r.deals),
                _num(r.brier),
                _pct(r.mean_stated),
                _pct(r.win_rate),
                _points(r.overconfidence),
            )
        )
    lines += ["", "### Reliability", "", "| Band | Deals | Stated | Won |", "|---|---:|---:|---:|"]
    for band in report.total.bands:
        lines.append(
            markdown_row(band.label, str(band.count), _pct(band.mean_stated), _pct(band.win_rate))
        )
    accuracy = report.accuracy
    lines += [
        "",
        "## Forecast accuracy (snapshots of ended periods)",
        "",
        "| Rep | Snapshots | Mean error | Call / actual | Manager's mean error |",
        "|---|---:|---:|---:|---:|",
    ]
    for o in [*accuracy.by_owner, accuracy.team]:
        lines.append(
            markdown_row(
                o.label,
                str(len(o.points)),
                _pct(o.mean_error),
                _num(o.mean_ratio),
                _pct(o.manager_mean_error),
            )
        )
    if accuracy.team.points:
        lines += [
            "",
            "| Snapshot | Period | Days before end | Rep call | Manager call | Actual | Error |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for p in accuracy.team.points:
            lines.append(
                markdown_row(
                    f"{p.taken_at:%Y-%m-%d}",
                    p.period.key,
                    str(p.days_before_end),
                    format_money(p.rep_call, currency),
                    format_money(p.manager_call, currency),
                    format_money(p.actual, currency),
                    _pct(p.error),
                )
            )
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} pts"
