"""The session (`Workspace`) as the one door: every write passes one check first, and a
command's session is built from its flags like the app's."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.errors import NotFoundError
from pipeline_tui.forecast.call_input import CallAmounts
from pipeline_tui.importing import ImportOptions
from pipeline_tui.org import OrgChart, Person
from pipeline_tui.periods import quarter_containing
from pipeline_tui.reviews import ReviewScope
from pipeline_tui.services.deal_draft import DealDraft
from pipeline_tui.services.edit_types import SetProbability
from pipeline_tui.services.people import SettingsView
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.storage.faults import DatabaseReadOnly, DiskFull

TODAY = date(2026, 11, 26)


class Untouchable:
    """An engine that fails the test if anything reaches for it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was reached ({name}) before the write check")


class Seen:
    id, version = 1, 1


SEEN: Any = Seen()  # the deal as the person saw it: never read, the check comes first


WRITES: dict[str, Callable[[Workspace], object]] = {
    "edit": lambda ws: ws.edit(SEEN, SetProbability(50)),
    "undo": lambda ws: ws.undo(),
    "redo": lambda ws: ws.redo(),
    "start_review": lambda ws: ws.start_review(ReviewScope(1, True), quarter_containing(TODAY, 1)),
    "move_review": lambda ws: ws.move_review(1, 1, mark="reviewed"),
    "record_judgment": lambda ws: ws.record_judgment(
        1,
        SEEN,
        "commit",
        None,
        None,
        expected_judgment_id=None,
    ),
    "add_action_item": lambda ws: ws.add_action_item(
        1,
        SEEN,
        "Send the MSA",
        1,
        None,
    ),
    "end_review": lambda ws: ws.end_review(1),
    "import_file": lambda ws: ws.import_file(Path("deals.csv"), ImportOptions()),
    "seed_demo": lambda ws: ws.seed_demo(deals=1, seed=1),
    "add_person": lambda ws: ws.add_person("eve", "Eve"),
    "set_role": lambda ws: ws.set_role("rep", "admin"),
    "set_manager": lambda ws: ws.set_manager("rep", "none"),
    "set_active": lambda ws: ws.set_active("rep", False),
    "set_rate": lambda ws: ws.set_rate("EUR", "1.08", TODAY),
    "import_rates": lambda ws: ws.import_rates(Path("rates.csv")),
    "submit_call": lambda ws: ws.submit_call(
        CallAmounts(Decimal(1), Decimal(2)), quarter_containing(TODAY, 1)
    ),
    "add_deal": lambda ws: ws.add_deal(DealDraft("Deal", "Acme", Decimal(1), TODAY, 1)),
    "propose_default": lambda ws: ws.propose_default(1, 40, "why"),
    "accept_proposal": lambda ws: ws.accept_proposal(1, "why"),
    "add_stage": lambda ws: ws.add_stage(1, "Demo", 20),
    "rename_stage": lambda ws: ws.rename_stage(1, "Demo", seen_name="Qualify"),
    "move_process_stage": lambda ws: ws.move_process_stage(1, 1),
    "retire_stage": lambda ws: ws.retire_stage(1),
    "set_target": lambda ws: ws.set_target("coverage", "3.5"),
    "change_setting": lambda ws: ws.change_setting("stale_days", "14"),
    "change_stage_days": lambda ws: ws.change_stage_days(1, "45", seen=60),
}
# Everything else the session offers only reads (or is its own plumbing).
READS = {
    "board", "page", "deals", "count", "deal", "forecast", "based_on", "team_of", "today",
    # The board read a piece at a time (services/session_board.py).
    "patch", "header", "change_mark", "changes_after",
    "ping", "run", "close", "open", "for_command", "resolve_scope", "report", "rollup",
    "calibration", "since_last_review", "changes", "reviews", "review_summary", "export",
    "open_review", "get_review", "review_deal", "review_forecast", "import_plan",
    "resolve_since", "deal_history", "landing", "rates",
    # Roles: what this person may do and see (services/permissions.py), and the people.
    "policy", "acting_policy", "owner_of", "may_edit", "may_step", "seen", "may_see", "people",
    "watch", "changed_by_others",
    # Forecast calls (services/session_calls.py): where they stand and how they held.
    "caller", "call_statuses", "callers", "list_calls", "call_prompt", "call_history",
    "review_owners", "calls_in_review", "call_accuracy",
    # The new-deal prompt: may this person add, the accounts it completes from, and the
    # page a new deal is on.
    "may_add_deals", "account_names", "position",
    # The process under review: the view, its history, pipelines by name.
    "process", "process_history", "pipeline_named",
    # The settings: listed, and read again after a change.
    "settings_list", "reload_settings",
}  # fmt: skip


def read_only_session() -> Workspace:
    me = Person(1, "rep", "Rep", "rep", None)
    engine: Any = Untouchable()
    return Workspace(
        "sqlite://",
        engine,
        me,
        OrgChart([me]),
        SettingsView(),
        [(1, "Sales")],
        lambda: TODAY,
        read_only="a test",
    )


@pytest.mark.parametrize("name", list(WRITES))
def test_every_write_is_checked_before_the_database_is_reached(name: str) -> None:
    # One place per write decides what may be written (`_writable`; permissions join it).
    with pytest.raises(DatabaseReadOnly, match="nothing was changed"):
        WRITES[name](read_only_session())


def test_every_method_of_the_session_is_known_as_a_read_or_a_write() -> None:
    """A new method must be listed: a write in WRITES (and so checked), else in READS."""
    fields = {f.name for f in dataclasses.fields(Workspace)}
    public = {
        name
        for name, _ in inspect.getmembers(Workspace, callable)
        if not name.startswith("_") and name not in fields
    }
    assert public - WRITES.keys() - READS == set()


def test_a_missing_database_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(NotFoundError, match=r"No database at .*db init"):
        Workspace.for_command(f"sqlite:///{path}")
    assert not path.exists()


def test_a_command_session_on_a_new_database_has_no_one_until_told(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with Workspace.for_command(url, create=True, today=TODAY) as ws:
        assert ws.person is None and not ws.org.people and ws.today() == TODAY
        with pytest.raises(NotFoundError, match="--user"):
            ws.open_review()  # anything done as "me" says who to be
    with pytest.raises(NotFoundError, match=r"No one has the login 'dana'.*users add"):
        Workspace.for_command(url, "dana", check_user=True)


def test_a_commands_database_faults_name_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"

    def full() -> None:
        raise DiskFull("the disk is full")

    with Workspace.for_command(url, create=True) as ws, pytest.raises(DiskFull) as caught:
        ws.run(full)
    assert str(caught.value) == f"Database {tmp_path / 'new.db'}: the disk is full"
