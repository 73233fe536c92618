"""Small hand-built pipelines for tests whose figures are computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from pipeline_tui.models import (
    Account,
    Deal,
    Pipeline,
    Quota,
    Settings,
    Stage,
    StageKind,
    User,
)
from pipeline_tui.money import to_minor

T = TypeVar("T")

STAGES = [
    ("Qualify", 10, StageKind.OPEN),
    ("Propose", 50, StageKind.OPEN),
    ("Negotiate", 80, StageKind.OPEN),
    ("Won", 100, StageKind.WON),
    ("Lost", 0, StageKind.LOST),
]


class Builder:
    """Adds rows one by one and flushes, so tests can refer to ids straight away."""

    def __init__(self, engine: Engine) -> None:
        self.session = Session(engine, expire_on_commit=False)
        self.session.add(Settings(id=1))
        self.pipeline = self.add(Pipeline(name="New Business"))
        self.stages = {
            name: self.add(
                Stage(
                    pipeline_id=self.pipeline.id,
                    name=name,
                    position=i,
                    default_probability=p,
                    kind=kind.value,
                )
            )
            for i, (name, p, kind) in enumerate(STAGES)
        }
        self.account = self.add(Account(name="Acme"))

    def add(self, row: T) -> T:
        self.session.add(row)
        self.session.flush()
        return row

    def user(self, login: str, *, manager: User | None = None, role: str = "rep") -> User:
        return self.add(
            User(
                login=login,
                display_name=login.title(),
                role=role,
                manager_id=manager.id if manager else None,
            )
        )

    def quota(self, user: User, start: date, end: date, amount: str) -> Quota:
        return self.add(
            Quota(
                user_id=user.id,
                period_start=start,
                period_end=end,
                amount_minor=to_minor(Decimal(amount)),
            )
        )

    def deal(
        self,
        owner: User,
        stage: str,
        amount: str,
        close: date | None,
        *,
        probability: int | None = None,
        category: str = "pipeline",
        name: str | None = None,
        currency: str = "USD",
    ) -> Deal:
        st = self.stages[stage]
        return self.add(
            Deal(
                name=name or f"{owner.login} {stage} {amount}",
                account_id=self.account.id,
                owner_id=owner.id,
                pipeline_id=self.pipeline.id,
                stage_id=st.id,
                amount_minor=to_minor(Decimal(amount)),
                currency=currency,
                probability=st.default_probability if probability is None else probability,
                forecast_category=category,
                close_date=close,
                closed_date=close if st.kind != StageKind.OPEN.value else None,
            )
        )

    def commit(self) -> None:
        self.session.commit()
        self.session.close()
