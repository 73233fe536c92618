"""What the UI and CLI call: reading deals a page at a time, keystroke edits, undo, and
small lookups. No Textual here; each call opens its own short transaction, so any
thread may make it."""

from ..query import StageOption
from .deals import (
    MAX_LIMIT,
    SORTS,
    DealCard,
    DealFilter,
    StageColumn,
    count_deals,
    list_deals,
    stage_columns,
)
from .detail import ChangeView, DealDetail, NoteView, get_deal
from .edits import (
    add_note,
    cycle_category,
    mark_lost,
    mark_won,
    move_stage,
    nudge_probability,
    set_amount,
    set_close_date,
    set_probability,
)
from .errors import DealNotFoundError, EditError, StaleDealError
from .people import (
    SettingsView,
    list_people,
    list_pipelines,
    load_settings,
)
from .undo import UndoStack
from .writes import EditResult, FieldChange, StageRef

__all__ = [
    "MAX_LIMIT",
    "SORTS",
    "ChangeView",
    "DealCard",
    "DealDetail",
    "DealFilter",
    "DealNotFoundError",
    "EditError",
    "EditResult",
    "FieldChange",
    "NoteView",
    "SettingsView",
    "StageColumn",
    "StageOption",
    "StageRef",
    "StaleDealError",
    "UndoStack",
    "add_note",
    "count_deals",
    "cycle_category",
    "get_deal",
    "list_deals",
    "list_people",
    "list_pipelines",
    "load_settings",
    "mark_lost",
    "mark_won",
    "move_stage",
    "nudge_probability",
    "set_amount",
    "set_close_date",
    "set_probability",
    "stage_columns",
]
