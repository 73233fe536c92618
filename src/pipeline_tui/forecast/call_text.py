"""A call's status in words, the same on the roll-up screen and in `calls list`."""

from __future__ import annotations

from decimal import Decimal

from ..display import markdown_row
from ..money import format_money
from .call_accuracy import CallAccuracy
from .call_status import CallStatus
from .sparkline import sparkline


def signed_money(value: Decimal | None, currency: str) -> str:
    """`+$10k`, `-$5k`, `±0`; `—` when there is nothing to compare."""
    if value is None:
        return "—"
    if not value:
        return "±0"
    sign = "+" if value > 0 else "-"
    return sign + format_money(abs(value), currency, compact=True)


def age_text(status: CallStatus) -> str:
    """`today`, `3d ago`, `stale 9d`; `—` without a call."""
    if status.latest is None or status.age_days is None:
        return "—"
    age = "today" if status.age_days == 0 else f"{status.age_days}d ago"
    return f"stale {age}" if status.stale else age


def change_text(status: CallStatus, currency: str) -> str:
    """The commit's move since the previous call."""
    return signed_money(status.change, currency)


def team_text(status: CallStatus, currency: str) -> str:
    """A manager's team: the sum of its calls and how many have called (`$130k 2/3`)."""
    if status.scope != "team" or status.team_sum is None:
        return ""
    called = f"{status.team_called}/{status.team_size}"
    return f"{format_money(status.team_sum, currency, compact=True)} {called}"


def against_team_text(status: CallStatus, currency: str) -> str:
    """The manager's commit less the team's sum."""
    if status.scope != "team":
        return ""
    return signed_money(status.against_team, currency)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def calls_markdown(accuracy: list[CallAccuracy], currency: str) -> str:
    """`report --calibration --format markdown`: how the calls of closed periods held."""
    lines = [
        "## Forecast calls (closed periods)",
        "",
        "Error = commit called - won; bias = mean signed error: + optimism, - sandbagging.",
        "",
        "| Person | Scope | Periods | Last error | Mean abs. error | Bias | Calls |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for a in accuracy:
        last = a.last
        cells = [
            a.label,
            a.scope,
            str(len(a.scored)),
            "—" if last is None else signed_money(last.error, currency),
            "—" if a.mean_abs_error is None else f"{a.mean_abs_error:.1%}",
            percent(a.bias),
            sparkline(a.history),
        ]
        lines.append(markdown_row(*cells))
    return "\n".join(lines) + "\n"
