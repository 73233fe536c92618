"""The two worked examples of docs/metrics.md ("Scope", "Quota and pipelines"), built
exactly as the page tells them, for the tests that check the page's figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline_tui.models import Pipeline, Stage, StageKind, User
from pipeline_tui.storage import make_engine, upgrade

from .conftest import fresh_pg_schema
from .factories import STAGES, Builder

TODAY = "2026-11-26"
Q4_START, Q4_END = date(2026, 10, 1), date(2026, 12, 31)
CLOSE = date(2026, 11, 20)


def build_scope_example(engine: Engine) -> dict[str, int]:
    """Vic (no manager) over Mia and Cat, Mia over Ann and Bob; Zed alone. Each has one
    open Q4 deal: Vic 10k, Mia 20k, Ann 30k, Bob 40k, Cat 50k, Zed 60k."""
    b = Builder(engine)
    vic = b.user("vic", role="manager")
    mia = b.user("mia", manager=vic, role="manager")
    ann = b.user("ann", manager=mia)
    bob = b.user("bob", manager=mia)
    cat = b.user("cat", manager=vic)
    zed = b.user("zed")
    people = (vic, mia, ann, bob, cat, zed)
    for person, amount in zip(
        people, ("10000", "20000", "30000", "40000", "50000", "60000"), strict=True
    ):
        b.deal(person, "Qualify", amount, CLOSE)
    ids = {p.login: p.id or 0 for p in people}
    b.commit()
    return ids


class TwoPipelines(Builder):
    """The builder with a second pipeline, Renewals, whose stages mirror the first's."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.renewals = self.add(Pipeline(name="Renewals", position=1))
        self.renewal_stages = {
            name: self.add(
                Stage(
                    pipeline_id=self.renewals.id,
                    name=name,
                    position=i,
                    default_probability=p,
                    kind=kind.value,
                )
            )
            for i, (name, p, kind) in enumerate(STAGES)
        }

    def renewal(self, owner: User, stage: str, amount: str, *, category: str) -> None:
        st = self.renewal_stages[stage]
        deal = self.deal(owner, "Qualify", amount, CLOSE, category=category)
        deal.pipeline_id, deal.stage_id = self.renewals.id, st.id
        deal.probability = st.default_probability
        deal.closed_date = CLOSE if st.kind != StageKind.OPEN.value else None
        self.session.add(deal)
        self.session.flush()


def build_quota_example(engine: Engine) -> dict[str, int]:
    """Vic manages Ann and Bob; Q4 quotas Ann 100k, Bob 50k. New Business: Ann won 30k,
    commit 40k, pipeline 20k; Bob won 10k, commit 10k. Renewals: Ann won 10k, commit 5k,
    pipeline 15k; Bob commit 5k, best case 10k. People's ids by login, and the Renewals
    pipeline's id as "Renewals"."""
    b = TwoPipelines(engine)
    vic = b.user("vic", role="manager")
    ann = b.user("ann", manager=vic)
    bob = b.user("bob", manager=vic)
    b.quota(ann, Q4_START, Q4_END, "100000")
    b.quota(bob, Q4_START, Q4_END, "50000")
    b.deal(ann, "Won", "30000", CLOSE)
    b.deal(ann, "Negotiate", "40000", CLOSE, category="commit")
    b.deal(ann, "Propose", "20000", CLOSE, category="pipeline")
    b.deal(bob, "Won", "10000", CLOSE)
    b.deal(bob, "Negotiate", "10000", CLOSE, category="commit")
    b.renewal(ann, "Won", "10000", category="pipeline")
    b.renewal(ann, "Negotiate", "5000", category="commit")
    b.renewal(ann, "Propose", "15000", category="pipeline")
    b.renewal(bob, "Negotiate", "5000", category="commit")
    b.renewal(bob, "Propose", "10000", category="best_case")
    ids = {p.login: p.id or 0 for p in (vic, ann, bob)}
    ids["Renewals"] = b.renewals.id or 0
    b.commit()
    return ids


# The page's figures for Vic's team in Q4 (money as the report's JSON writes it).
ALL_PIPELINES = {
    "quota": "150000.00",
    "closed_won": "50000.00",
    "commit": "60000.00",
    "pipeline": "105000.00",
    "gap": "40000.00",
    "coverage": 1.05,
}
RENEWALS = {
    "quota": "150000.00",
    "closed_won": "10000.00",
    "commit": "10000.00",
    "best_case": "10000.00",
    "pipeline": "35000.00",
    "gap": "40000.00",
    "coverage": 1.05,
    "quota_basis": "all pipelines",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated, empty database as a URL the CLI and the app open, and an engine on it;
    on SQLite and on PostgreSQL (skipped unless PIPELINE_TUI_TEST_PG_URL is set)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scope.db'}"
        engine = make_engine(url)
        upgrade(engine)
        yield url, engine
        engine.dispose()
        return
    with fresh_pg_schema() as schema:
        url = schema.url.render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        try:
            yield url, engine
        finally:
            engine.dispose()
