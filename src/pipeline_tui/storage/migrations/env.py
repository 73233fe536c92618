"""Alembic environment: the engine comes from `migrate.alembic_config`, not an ini file."""

from alembic import context
from sqlmodel import SQLModel

from pipeline_tui import models  # noqa: F401  (registers the tables on the metadata)

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from pipeline_tui.storage.engine import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite can't ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
