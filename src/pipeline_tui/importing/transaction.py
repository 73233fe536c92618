"""The transaction an import runs in, and the interpreter setting it runs under."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from .model import ImportConflict

IMPORT_CACHE_KIB = -262_144  # negative: KiB rather than pages


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One transaction for a whole import, committed only if nothing raised.

    On SQLite it is an immediate transaction: it takes the write lock before the plan
    reads anything, so no deal can change between being read and being written.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        cache = conn.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
        try:
            if sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                # The deal indexes of a large import don't fit SQLite's default 2 MB page
                # cache, and inserting into them then costs more than everything else.
                conn.exec_driver_sql(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
            yield conn
            conn.commit()
        except IntegrityError as exc:
            conn.rollback()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise ImportConflict(
                f"the database changed during the import ({reason}); nothing was imported, "
                "run it again"
            ) from exc
        except OperationalError as exc:
            conn.rollback()
            if "locked" not in str(exc.orig):
                raise
            raise ImportConflict(
                "the database is busy with another change; nothing was imported, run it again"
            ) from exc
        except BaseException:
            conn.rollback()
            raise
        finally:
            # A connection too broken to take this back is discarded anyway; its error
            # must not hide the one that broke it.
            with suppress(SQLAlchemyError):
                if cache is not None:
                    conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
                    conn.commit()


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for the length of an import.

    An import builds millions of small objects that all live until it ends and hold no
    reference cycles; the collector would walk them again and again for nothing, which
    costs about 40% of the time of a 100,000-row import. Reference counting still frees
    everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
