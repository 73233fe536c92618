"""What a downgrade would drop, worked out before anything is dropped, so that a person
can be asked first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, inspect, select, table

from .migrate import check_ours, display_name, resolve_downgrade, schema_at


@dataclass(frozen=True)
class DowngradePlan:
    current: str | None
    target: str | None
    tables: tuple[tuple[str, int], ...]  # each table dropped, with the rows it holds now
    columns: tuple[str, ...]  # "table.column" dropped from tables that stay

    @property
    def drops_anything(self) -> bool:
        return bool(self.tables or self.columns)

    def describe(self) -> str:
        """One line: which tables (and how many rows) and columns go."""
        parts = []
        if self.tables:
            listed = ", ".join(
                f"{name} ({rows:,} row{'' if rows == 1 else 's'})" for name, rows in self.tables
            )
            parts.append(f"tables {listed}")
        if self.columns:
            parts.append(f"columns {', '.join(self.columns)}")
        return " and ".join(parts) if parts else "nothing"


def plan_downgrade(engine: Engine, revision: str) -> DowngradePlan:
    """The tables and columns `downgrade(engine, revision)` would drop; changes nothing."""
    with engine.connect() as connection:
        current = check_ours(connection, display_name(engine))
        target = resolve_downgrade(current, revision)
        now, then = schema_at(current), schema_at(target)
        existing = set(inspect(connection).get_table_names())
        dropped = sorted(name for name in now if name not in then and name in existing)
        tables = tuple(
            (name, connection.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in dropped
        )
    columns = tuple(
        sorted(
            f"{name}.{column}" for name in then if name in now for column in now[name] - then[name]
        )
    )
    return DowngradePlan(current, target, tables, columns)
