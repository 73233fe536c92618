"""Adding one deal by hand: the deal, its account if new, and its creation in the log.

One transaction: the account is found by name (exactly, else ignoring case, as an import
finds it) or created; the deal goes into the stage asked for with that stage's default
probability, in the pipeline the stage belongs to; and a `created` row in the change log
says who added it and when (its new value is the moment, as an import's change of a
deal's created date writes it). Nothing is written if any of it fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select

from ..models import Account, ForecastCategory, Stage, StageKind, table_of, utcnow
from ..money import to_minor
from .cards import DEAL_TABLE, DealCard, load_card
from .deal_draft import DealDraft, check_draft
from .errors import EditError
from .writes import CHANGE_TABLE, Source, as_text, check_source

ACCOUNT_TABLE, STAGE_TABLE = table_of(Account), table_of(Stage)
ACCOUNT, STAGE = ACCOUNT_TABLE.c, STAGE_TABLE.c
CREATED = "created"  # the change log's field for a deal's creation (labels: "Created")


@dataclass(frozen=True)
class CreatedDeal:
    deal: DealCard
    new_account: bool  # the account was created with it


def create_deal(
    engine: Engine,
    draft: DealDraft,
    *,
    owner_id: int,
    user_id: int | None,
    currency: str,
    source: Source,
) -> CreatedDeal:
    """`currency` is the org's, used unless the draft brings its own."""
    draft = check_draft(draft)
    change_source = check_source(source)
    now = utcnow()
    with engine.begin() as conn:
        stage = (
            conn.execute(select(STAGE_TABLE).where(STAGE.id == draft.stage_id)).mappings().first()
        )
        if stage is None:
            raise EditError(f"There is no stage with id {draft.stage_id}.")
        if stage["kind"] != StageKind.OPEN.value:
            raise EditError(
                f"{stage['name']} is a {stage['kind']} stage: a new deal starts in an open one"
            )
        account_id, new_account = _account(conn, draft.account)
        deal_id = conn.execute(
            insert(DEAL_TABLE)
            .values(
                name=draft.name,
                account_id=account_id,
                owner_id=owner_id,
                pipeline_id=stage["pipeline_id"],
                stage_id=stage["id"],
                amount_minor=to_minor(draft.amount),
                currency=draft.currency or currency,
                probability=stage["default_probability"],
                forecast_category=ForecastCategory.PIPELINE.value,
                close_date=draft.close_date,
                created_at=now,
                updated_at=now,
                stage_entered_at=now,
                push_count=0,
                version=1,
            )
            .returning(DEAL_TABLE.c.id)
        ).scalar_one()
        conn.execute(
            insert(CHANGE_TABLE).values(
                deal_id=deal_id,
                field=CREATED,
                old_value=None,
                new_value=as_text(now),
                changed_by_id=user_id,
                changed_at=now,
                source=change_source.value,
            )
        )
        card = load_card(conn, deal_id)
    return CreatedDeal(card, new_account)


def _account(conn: Connection, name: str) -> tuple[int, bool]:
    """The account called `name` (exactly, else the one name that differs only in case),
    or a new one."""
    exact = conn.execute(select(ACCOUNT.id).where(ACCOUNT.name == name)).scalar()
    if exact is not None:
        return int(exact), False
    folded = conn.execute(
        select(ACCOUNT.id).where(func.lower(ACCOUNT.name) == name.lower()).order_by(ACCOUNT.id)
    ).scalars()
    found = list(folded)
    if len(found) == 1:
        return int(found[0]), False
    new_id = conn.execute(
        insert(ACCOUNT_TABLE).values(name=name).returning(ACCOUNT.id)
    ).scalar_one()
    return int(new_id), True


def account_names(engine: Engine) -> list[str]:
    """Every account's name, for the new-deal prompt to complete from as it is typed."""
    with engine.connect() as conn:
        return list(conn.execute(select(ACCOUNT.name).order_by(ACCOUNT.id)).scalars())
