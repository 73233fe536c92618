"""The one SQL toolkit every package shares: which deals (`Scope` and `where`), the small
lookups everything starts from (`loaders`), and turning result rows into values (`rows`)."""

from .loaders import (
    StageInfo,
    StageOption,
    deal_changes,
    fiscal_year_start_month,
    load_org,
    load_pipeline_stages,
    load_stages,
    quota_by_user,
    stage_ids,
)
from .rows import as_utc, row_to
from .scope import DEAL, Scope, where

__all__ = [
    "DEAL",
    "Scope",
    "StageInfo",
    "StageOption",
    "as_utc",
    "deal_changes",
    "fiscal_year_start_month",
    "load_org",
    "load_pipeline_stages",
    "load_stages",
    "quota_by_user",
    "row_to",
    "stage_ids",
    "where",
]
