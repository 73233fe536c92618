"""Snapshot tests: fixed terminal sizes, frozen clock, seeded data, no animation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine

from screenshots.demo import NOW, copy_db, make_app
from screenshots.scenarios import SCENARIOS, SIZES

from ..ui_support import demo_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_screen(
    name: str,
    size: tuple[int, int],
    template: Path,
    tmp_path: Path,
    snap_compare: Callable[..., Any],
) -> None:
    app = make_app(copy_db(template, tmp_path / "pipeline.db"))
    with time_machine.travel(NOW, tick=False):
        assert snap_compare(app, terminal_size=size, run_before=SCENARIOS[name])
