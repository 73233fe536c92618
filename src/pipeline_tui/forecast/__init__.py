"""The forecast engine: periods in, roll-ups out, summed by the database."""

from ..query import Scope, load_org, load_stages
from .metrics import ForecastFigures, ForecastRow, figures_dict
from .rollup import GroupBy, Rollup, compute_rollup, forecast_totals

__all__ = [
    "ForecastFigures",
    "ForecastRow",
    "GroupBy",
    "Rollup",
    "Scope",
    "compute_rollup",
    "figures_dict",
    "forecast_totals",
    "load_org",
    "load_stages",
]
