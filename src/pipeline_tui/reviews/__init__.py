"""Forecast review meetings: start, walk deal by deal, record, end, summarise.

Every function takes an Engine and runs its own short transaction, so the UI calls them
from thread workers; results are frozen dataclasses. Bad input raises `ReviewError` (a
`ValueError`) with a message fit to show, and writes nothing.
"""

from .errors import ReviewConflict, ReviewError, ReviewNotFoundError
from .markdown import summary_markdown
from .model import (
    DIFF_FIELDS,
    ActionItemView,
    FieldDiff,
    JudgmentView,
    Progress,
    ReviewedDeal,
    ReviewForecast,
    ReviewItemView,
    ReviewListing,
    ReviewScope,
    ReviewState,
)
from .record import add_action_item, record_judgment, set_action_done, withdraw_judgment
from .since import since_last_review
from .start import cancel_review, get_review, list_reviews, open_review, start_review
from .summary import ActionGroup, ChangeMade, ReviewSummary, end_review, review_summary
from .walk import move, review_deal, review_forecast

__all__ = [
    "DIFF_FIELDS",
    "ActionGroup",
    "ActionItemView",
    "ChangeMade",
    "FieldDiff",
    "JudgmentView",
    "Progress",
    "ReviewConflict",
    "ReviewError",
    "ReviewForecast",
    "ReviewItemView",
    "ReviewListing",
    "ReviewNotFoundError",
    "ReviewScope",
    "ReviewState",
    "ReviewSummary",
    "ReviewedDeal",
    "add_action_item",
    "cancel_review",
    "end_review",
    "get_review",
    "list_reviews",
    "move",
    "open_review",
    "record_judgment",
    "review_deal",
    "review_forecast",
    "review_summary",
    "set_action_done",
    "since_last_review",
    "start_review",
    "summary_markdown",
    "withdraw_judgment",
]
