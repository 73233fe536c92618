"""A deal as the lists, the board and the edits show it: one row, names joined in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Row, Select, literal, select

from ..marks import flag_marks
from ..models import Account, Deal, Stage, User, table_of
from ..money import from_minor, to_minor, weighted_from_sum
from ..query import as_utc, row_to
from ..query.flags import FlagRules, flag_bits
from .errors import DealNotFoundError

DEAL_TABLE, ACCOUNT_TABLE = table_of(Deal), table_of(Account)
USER_TABLE, STAGE_TABLE = table_of(User), table_of(Stage)
DEAL, ACCOUNT, USER, STAGE = DEAL_TABLE.c, ACCOUNT_TABLE.c, USER_TABLE.c, STAGE_TABLE.c


@dataclass(frozen=True)
class DealCard:
    id: int
    name: str
    account: str | None
    owner_id: int
    owner_name: str
    pipeline_id: int
    stage_id: int
    stage_name: str
    amount: Decimal
    currency: str
    probability: int
    forecast_category: str
    close_date: date | None
    next_step: str | None
    push_count: int
    updated_at: datetime
    stage_entered_at: datetime
    created_at: datetime
    version: int
    # Inspection flags (`marks.FLAGS` bits), as of the day the card was read; 0 when it
    # was read without the flag rules (after a write: the screens read it again).
    flags: int = field(default=0, kw_only=True)

    @property
    def flag_marks(self) -> str:
        return flag_marks(self.flags)

    @property
    def weighted(self) -> Decimal:
        return weighted_from_sum(to_minor(self.amount) * self.probability)

    @property
    def close_date_missing(self) -> bool:
        return self.close_date is None


_CARD_COLUMNS = (
    DEAL.id,
    DEAL.name,
    ACCOUNT.name.label("account"),
    DEAL.owner_id,
    USER.display_name.label("owner_name"),
    DEAL.pipeline_id,
    DEAL.stage_id,
    STAGE.name.label("stage_name"),
    DEAL.amount_minor,
    DEAL.currency,
    DEAL.probability,
    DEAL.forecast_category,
    DEAL.close_date,
    DEAL.next_step,
    DEAL.push_count,
    DEAL.updated_at,
    DEAL.stage_entered_at,
    DEAL.created_at,
    DEAL.version,
)


def card_query(rules: FlagRules | None = None) -> Select[Any]:
    """The card's columns with the names of its account, owner and stage joined in, and
    its inspection flags measured by `rules` (none without)."""
    joined = (
        DEAL_TABLE.join(USER_TABLE, USER.id == DEAL.owner_id)
        .join(STAGE_TABLE, STAGE.id == DEAL.stage_id)
        .outerjoin(ACCOUNT_TABLE, ACCOUNT.id == DEAL.account_id)
    )
    flags = flag_bits(rules) if rules is not None else literal(0, Integer)
    return select(*_CARD_COLUMNS, flags.label("flags")).select_from(joined)


def card_from_row(row: Row[Any]) -> DealCard:
    m = row._mapping
    return row_to(
        DealCard,
        m,
        amount=from_minor(m["amount_minor"]),
        updated_at=as_utc(m["updated_at"]),
        stage_entered_at=as_utc(m["stage_entered_at"]),
        created_at=as_utc(m["created_at"]),
        flags=int(m["flags"] or 0),
    )


def load_card(conn: Connection, deal_id: int, rules: FlagRules | None = None) -> DealCard:
    row = conn.execute(card_query(rules).where(DEAL.id == deal_id)).first()
    if row is None:
        raise DealNotFoundError(deal_id)
    return card_from_row(row)


def deal_owner(engine: Engine, deal_id: int) -> int:
    """The owner of deal `deal_id` as stored now; `DealNotFoundError` if there is none."""
    with engine.connect() as conn:
        owner = conn.execute(select(DEAL.owner_id).where(DEAL.id == deal_id)).scalar()
    if owner is None:
        raise DealNotFoundError(deal_id)
    return int(owner)
