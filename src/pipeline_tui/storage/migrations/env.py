"""Alembic environment: the connection comes from `migrate.alembic_config`, not an ini file.

`migrate` hands over a connection already inside its transaction (see `migrate.migrating`),
so the migrations run in it and commit or roll back with it.
"""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from pipeline_tui import models  # noqa: F401  (registers the tables on the metadata)

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite can't ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    engine = config.attributes.get("engine")
    if engine is None:
        from pipeline_tui.storage.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.begin() as connection:
        run(connection)
