"""`changes --since` reads a date as the app's prompts do (issue 14, item 16): written or
relative, `-2w` included (argparse would take it for an option), and says so plainly when
the day is after today."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from pipeline_tui.cli import main
from pipeline_tui.parsing import parse_date

TODAY = date(2026, 11, 26)
FORMS = {
    "-2w": "2026-11-12",
    "-2W": "2026-11-12",
    "- 2w": "2026-11-12",
    "-10d": "2026-11-16",
    "-1m": "2026-10-26",
    "-1q": "2026-08-26",
    "2026-11-01": "2026-11-01",
    "2026/11/01": "2026-11-01",
    "11/01/2026": "2026-11-01",
    "11/01/26": "2026-11-01",
    "01.11.2026": "2026-11-01",
    "Nov 1, 2026": "2026-11-01",
    "1 Nov 2026": "2026-11-01",
    "01-Nov-26": "2026-11-01",
    "yesterday": "2026-11-25",
    "today": "2026-11-26",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("since") / "seeded.db"
    today = TODAY.isoformat()
    assert main(["seed", "--deals", "300", "--seed", "7", "--today", today, "--db", str(path)]) == 0
    yield str(path)


@pytest.mark.parametrize("form", list(FORMS))
def test_since_takes_every_form_the_prompts_take(
    seeded: str, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    # The app's prompts read it so (the same parser, the same day).
    assert parse_date(form, today=TODAY).isoformat() == FORMS[form]
    args = ["changes", "--since", form, "--db", seeded, "--today", TODAY.isoformat()]
    code = main([*args, "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out)["since"] == f"{FORMS[form]}T00:00:00+00:00"


@pytest.mark.parametrize("form", ["fri", "eoq", "tomorrow", "+1w"])
def test_a_day_after_today_is_one_clear_line(
    seeded: str, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    code = main(["changes", "--since", form, "--db", seeded, "--today", TODAY.isoformat()])
    err = capsys.readouterr().err
    assert code == 2
    assert "is after today (2026-11-26)" in err and "Traceback" not in err
