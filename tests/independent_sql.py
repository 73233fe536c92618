"""The report's totals from first principles, written independently of the app's queries:
the CLI tests compare `report` with it, and `benchmarks/bench_report.py` times it as the
raw SQL baseline (so it imports nothing of pytest)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import create_engine, text


def independent_totals(db: str, start: str, end: str) -> dict[str, Decimal | int]:
    """The report's totals, from first principles: a join and plain CASE sums."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        row = conn.execute(
            text(
                """
                SELECT
                  SUM(CASE WHEN s.kind = 'won' THEN d.amount_minor ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'open' AND d.forecast_category = 'commit'
                           THEN d.amount_minor ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'open' AND d.forecast_category = 'best_case'
                           THEN d.amount_minor ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'open' AND d.forecast_category <> 'omitted'
                           THEN d.amount_minor ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'open' AND d.forecast_category <> 'omitted'
                           THEN d.amount_minor * d.probability ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'open' AND d.forecast_category <> 'omitted'
                           THEN 1 ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'won' THEN 1 ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'lost' THEN 1 ELSE 0 END)
                FROM deal d JOIN stage s ON s.id = d.stage_id
                WHERE d.close_date BETWEEN :start AND :end
                """
            ),
            {"start": start, "end": end},
        ).one()
        quota = conn.execute(
            text(
                "SELECT SUM(amount_minor) FROM quota "
                "WHERE period_start >= :start AND period_end <= :end"
            ),
            {"start": start, "end": end},
        ).scalar_one()
    engine.dispose()
    won, commit, best, pipeline, weighted, n_open, n_won, n_lost = row
    cents = Decimal("0.01")
    return {
        "quota": (Decimal(quota) / 100).quantize(cents),
        "closed_won": (Decimal(won) / 100).quantize(cents),
        "commit": (Decimal(commit) / 100).quantize(cents),
        "best_case": (Decimal(best) / 100).quantize(cents),
        "pipeline": (Decimal(pipeline) / 100).quantize(cents),
        "weighted": (Decimal(weighted) / 10000).quantize(cents),
        "open_count": n_open,
        "won_count": n_won,
        "lost_count": n_lost,
    }
