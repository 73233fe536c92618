"""Migration 0013: the process log takes `setting` rows from it on, on both databases; going
back to 0012 drops them (that schema has no kind for them) and refuses the kind again."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from pipeline_tui.storage import downgrade, upgrade

INSERT = text(
    "INSERT INTO process_change (kind, old_value, new_value, changed_at) "
    "VALUES (:kind, 'stale_days 30', 'stale_days 14', CURRENT_TIMESTAMP)"
)


def kinds(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [k for (k,) in conn.execute(text("SELECT kind FROM process_change ORDER BY id"))]


def test_the_setting_kind_comes_and_goes_with_0013(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0012")
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(INSERT, {"kind": "setting"})
    with empty_engine.begin() as conn:
        conn.execute(INSERT, {"kind": "target"})
    upgrade(empty_engine, "0013")
    with empty_engine.begin() as conn:
        conn.execute(INSERT, {"kind": "setting"})
    assert kinds(empty_engine) == ["target", "setting"]
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(INSERT, {"kind": "settings"})
    downgrade(empty_engine, "0012")
    assert kinds(empty_engine) == ["target"]
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(INSERT, {"kind": "setting"})
