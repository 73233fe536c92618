"""The schema check at every start: Alembic stays unimported when the database is current,
and a database that needs a migration is still migrated (or refused) before any write."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

import pipeline_tui
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.storage import ForeignDatabase, downgrade, make_engine, upgrade
from pipeline_tui.storage.migrate import alembic_config
from pipeline_tui.storage.revisions import is_current, shipped_chain, shipped_head

SRC = Path(pipeline_tui.__file__).resolve().parent.parent  # the package under test


def test_the_scripts_text_gives_what_alembic_reads_from_them() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    walked = tuple(reversed([rev.revision for rev in script.walk_revisions()]))
    assert shipped_chain() == walked
    assert shipped_head() == script.get_current_head()


def test_only_our_newest_revision_is_current(empty_engine: Engine) -> None:
    with empty_engine.connect() as conn:
        assert not is_current(conn)  # empty: no version table
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert is_current(conn)
    chain = shipped_chain()
    assert chain is not None
    downgrade(empty_engine, chain[-2])
    with empty_engine.connect() as conn:
        assert not is_current(conn)


def open_without_alembic(url: str) -> str:
    """Opens a session in a fresh interpreter, printing whether Alembic was imported and
    the revision the database is at afterwards."""
    code = textwrap.dedent(
        f"""
        import sys
        from pipeline_tui.services.workspace import Workspace
        with Workspace.for_command({url!r}) as ws:
            with ws.engine.connect() as conn:
                from pipeline_tui.storage.revisions import stored_revisions
                revisions = stored_revisions(conn)
        print("alembic" in sys.modules, revisions)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_a_current_database_opens_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pipeline.db'}"
    with Workspace.for_command(url, create=True):
        pass
    assert open_without_alembic(url) == f"False ['{shipped_head()}']"


def test_an_older_database_is_still_migrated_when_opened(tmp_path: Path) -> None:
    chain = shipped_chain()
    assert chain is not None
    url = f"sqlite:///{tmp_path / 'pipeline.db'}"
    engine = make_engine(url)
    upgrade(engine, chain[-2])
    engine.dispose()
    # Alembic is needed, and used, before the session reads or writes anything.
    assert open_without_alembic(url) == f"True ['{chain[-1]}']"


def test_a_foreign_version_row_is_still_refused_and_left_alone(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'abc123'"))
    with pytest.raises(ForeignDatabase, match="not pipeline-tui's"):
        upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "abc123"
