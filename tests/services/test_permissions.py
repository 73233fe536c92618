"""Roles, enforced in the session: every role against every write, on SQLite and
PostgreSQL. A refusal says who may do it and writes nothing (the database is compared
whole, table by table, before and after)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text, update

from pipeline_tui import reviews
from pipeline_tui.errors import PermissionDenied
from pipeline_tui.forecast import load_org
from pipeline_tui.importing import ImportOptions, RowsRejected, export
from pipeline_tui.models import Deal, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services import users as people
from pipeline_tui.services.cards import DealCard, load_card
from pipeline_tui.services.edit_types import (
    AddNote,
    CycleCategory,
    Edit,
    MarkLost,
    MarkWon,
    MoveStage,
    SetAmount,
    SetCloseDate,
    SetProbability,
)
from pipeline_tui.services.people import list_pipelines, load_settings
from pipeline_tui.services.permissions import Policy
from pipeline_tui.services.workspace import Workspace

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
TABLES = ("user", "deal", "deal_change", "note", "judgment", "review", "review_item", "quota")
PRIYAS = "Only Priya, Dana (Priya's manager) or an admin can change Priya's deals"


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    """Dana manages Priya and Raj; Omar manages Sam; Ada is the admin, Vic a viewer."""
    b = Builder(engine)
    ada = b.user("ada", role="admin")
    dana = b.user("dana", role="manager")
    priya = b.user("priya", manager=dana)
    raj = b.user("raj", manager=dana)
    omar = b.user("omar", role="manager")
    sam = b.user("sam", manager=omar)
    vic = b.user("vic", role="viewer")
    deal = b.deal(priya, "Propose", "10000", date(2026, 12, 10), probability=40)
    other = b.deal(sam, "Qualify", "5000", date(2026, 12, 12))
    made = dict(ada=ada, dana=dana, priya=priya, raj=raj, omar=omar, sam=sam, vic=vic)
    result = {k: v.id for k, v in made.items() if v.id is not None}
    result |= {"deal": deal.id or 0, "other": other.id or 0}
    b.commit()
    with engine.begin() as conn:  # external ids, so that a file can name the deals
        for key in ("deal", "other"):
            conn.execute(
                update(table_of(Deal)).where(table_of(Deal).c.id == result[key]),
                {"external_id": f"X-{key}"},
            )
    return result


def session(engine: Engine, person_id: int) -> Workspace:
    with engine.connect() as conn:
        org = load_org(conn)
    return Workspace(
        "sqlite://",
        engine,
        org.people[person_id],
        org,
        load_settings(engine),
        list_pipelines(engine),
        today_fn=lambda: TODAY,
    )


def session_as(engine: Engine, login: str) -> Workspace:
    """A command's session for `login` (who may be no one here)."""
    with engine.connect() as conn:
        org = load_org(conn)
    return Workspace(
        "sqlite://",
        engine,
        org.by_login(login),
        org,
        load_settings(engine),
        list_pipelines(engine),
        today_fn=lambda: TODAY,
        login=login,
    )


def acting_policy(engine: Engine, login: str) -> Policy | None:
    return session_as(engine, login).acting_policy()


def card(engine: Engine, deal_id: int) -> DealCard:
    with engine.connect() as conn:
        return load_card(conn, deal_id)


def everything(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a write could touch."""
    with engine.connect() as conn:
        return {
            name: sorted(
                (tuple(map(repr, row)) for row in conn.execute(text(f'SELECT * FROM "{name}"'))),
            )
            for name in TABLES
        }


def refused(engine: Engine, write: Callable[[], object], says: str) -> None:
    """`write` raises `PermissionDenied` whose one line contains `says`; nothing written."""
    before = everything(engine)
    with pytest.raises(PermissionDenied) as caught:
        write()
    message = str(caught.value)
    assert "\n" not in message and says in message, message
    assert everything(engine) == before


EDITS: list[Edit] = [
    SetProbability(50),
    CycleCategory(),
    MoveStage(1),
    SetCloseDate(date(2027, 1, 15), 1),
    SetAmount(Decimal(12000)),
    AddNote("called them", "note"),
    AddNote("send the MSA", "next_step"),
    MarkWon(),
    MarkLost("Price"),
]


# --- the rep's fields of a deal -----------------------------------------------------


@pytest.mark.parametrize("who", ["raj", "sam", "omar", "vic"])
@pytest.mark.parametrize("edit", EDITS, ids=lambda e: type(e).__name__)
def test_no_one_but_the_owner_their_managers_and_an_admin_changes_a_deal(
    engine: Engine, ids: dict[str, int], who: str, edit: Edit
) -> None:
    ws = session(engine, ids[who])
    refused(engine, lambda: ws.edit(card(engine, ids["deal"]), edit), PRIYAS)


@pytest.mark.parametrize("who", ["priya", "dana", "ada"])
def test_the_owner_their_manager_and_an_admin_may(
    engine: Engine, ids: dict[str, int], who: str
) -> None:
    ws = session(engine, ids[who])
    result = ws.edit(card(engine, ids["deal"]), SetProbability(60))
    assert result.deal.probability == 60
    assert ws.undo().deal.probability == 40


def test_undo_stops_when_the_deal_is_no_longer_yours(engine: Engine, ids: dict[str, int]) -> None:
    priya = session(engine, ids["priya"])
    priya.edit(card(engine, ids["deal"]), SetProbability(70))
    with engine.begin() as conn:  # the deal goes to Raj (an admin's import, say)
        conn.execute(
            update(table_of(Deal)).where(table_of(Deal).c.id == ids["deal"]),
            {"owner_id": ids["raj"], "version": card(engine, ids["deal"]).version + 1},
        )
    refused(engine, priya.undo, "Only Raj, Dana (Raj's manager) or an admin can change Raj's")
    assert priya.undo_stack.can_undo  # kept: nothing happened


# --- judgments, action items, reviews ---------------------------------------------


@pytest.mark.parametrize("who", ["priya", "raj", "omar", "vic"])
def test_judgments_and_action_items_are_for_the_owners_managers(
    engine: Engine, ids: dict[str, int], who: str
) -> None:
    ws = session(engine, ids[who])
    deal = card(engine, ids["deal"])
    says = "Only Dana (Priya's manager), the managers above, or an admin can"
    refused(
        engine,
        lambda: ws.record_judgment(None, deal, "commit", None, None, expected_judgment_id=None),
        says + " judge Priya's deals",
    )
    refused(
        engine,
        lambda: ws.add_action_item(None, deal, "Get the PO", ids["priya"], None),
        says + " add action items on Priya's deals",
    )


def test_the_manager_judges_and_adds_action_items(engine: Engine, ids: dict[str, int]) -> None:
    dana = session(engine, ids["dana"])
    deal = card(engine, ids["deal"])
    assert dana.record_judgment(None, deal, "commit", None, None, expected_judgment_id=None)
    assert dana.add_action_item(None, deal, "Get the PO", ids["priya"], None)


@pytest.mark.parametrize(
    ("who", "says"),
    [
        ("priya", "Priya is a rep: only managers (of their own team) or an admin can run a review"),
        ("vic", "Vic is a viewer: only managers"),
        ("omar", "Only Dana, the managers above, or an admin can review Dana's team"),
    ],
)
def test_only_the_teams_managers_run_its_review(
    engine: Engine, ids: dict[str, int], who: str, says: str
) -> None:
    scope = reviews.ReviewScope(ids["dana"])
    ws = session(engine, ids[who])
    refused(engine, lambda: ws.start_review(scope, Q4), says)
    review = session(engine, ids["dana"]).start_review(scope, Q4)
    refused(engine, lambda: ws.move_review(review.id, 0, seconds_spent=5), says)
    refused(engine, lambda: ws.end_review(review.id), says)
    # Dana's own review walks and ends.
    dana = session(engine, ids["dana"])
    assert dana.move_review(review.id, 0, seconds_spent=5).elapsed_seconds == 5
    assert dana.end_review(review.id).review.id == review.id


def test_a_review_of_everyone_is_the_heads_or_an_admins(
    engine: Engine, ids: dict[str, int]
) -> None:
    refused(
        engine,
        lambda: session(engine, ids["dana"]).start_review(reviews.ReviewScope(None), Q4),
        "can review",
    )
    assert session(engine, ids["ada"]).start_review(reviews.ReviewScope(None), Q4).items
    # The head of the organisation may too: put Dana over Omar, and she is.
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET manager_id = :d WHERE id = :o'),
            {"d": ids["dana"], "o": ids["omar"]},
        )
    everyone = session(engine, ids["dana"]).start_review(reviews.ReviewScope(None), Q4)
    assert len(everyone.items) == 2


# --- imports ------------------------------------------------------------------------


def deals_file(engine: Engine, path: Path, edit: Callable[[str], str]) -> Path:
    """The deals as exported, changed by `edit`: a file the import reads back."""
    out = io.StringIO()
    export(engine, out)
    path.write_text(edit(out.getvalue()), encoding="utf-8")
    return path


def bigger(csv_text: str) -> str:
    return csv_text.replace("10000.00", "99000.00")


def import_as(engine: Engine, login: str, path: Path, kind: str = "deals") -> object:
    return session_as(engine, login).import_file(path, ImportOptions(kind=kind, user=login))


@pytest.mark.parametrize("who", ["raj", "omar", "vic"])
def test_a_deal_import_changes_only_deals_the_importer_may(
    engine: Engine, ids: dict[str, int], tmp_path: Path, who: str
) -> None:
    path = deals_file(engine, tmp_path / "deals.csv", bigger)
    says = PRIYAS if who != "vic" else "Vic is a viewer: viewers can't import deals"
    refused(engine, lambda: import_as(engine, who, path), says)


def test_a_rep_imports_their_own_deals_but_adds_none_for_others(
    engine: Engine, ids: dict[str, int], tmp_path: Path
) -> None:
    def only_priyas(text_: str) -> str:
        return "\n".join(line for line in text_.splitlines() if "X-other" not in line) + "\n"

    path = deals_file(engine, tmp_path / "mine.csv", lambda t: bigger(only_priyas(t)))
    import_as(engine, "priya", path)
    assert card(engine, ids["deal"]).amount == Decimal(99000)

    def for_raj(text_: str) -> str:
        header, row = only_priyas(text_).splitlines()[:2]
        return f"{header}\n{row.replace('X-deal', 'X-new').replace(',priya,', ',raj,')}\n"

    new = deals_file(engine, tmp_path / "new.csv", for_raj)
    refused(
        engine,
        lambda: import_as(engine, "priya", new),
        "Only Raj, Dana (Raj's manager) or an admin can add deals for Raj",
    )


def test_a_rep_cant_add_people_or_stages_through_a_deal_import(
    engine: Engine, ids: dict[str, int], tmp_path: Path
) -> None:
    def new_owner(text_: str) -> str:
        header, row = text_.splitlines()[:2]
        return f"{header}\n{row.replace(',Priya,priya,', ',Zed Nobody,zed,')}\n"

    path = deals_file(engine, tmp_path / "zed.csv", new_owner)
    refused(engine, lambda: import_as(engine, "dana", path), "Only an admin can change people")

    def new_stage(text_: str) -> str:
        header, row = text_.splitlines()[:2]
        return f"{header}\n{row.replace(',Propose,', ',Brand New Stage,')}\n"

    path = deals_file(engine, tmp_path / "stage.csv", new_stage)
    refused(engine, lambda: import_as(engine, "dana", path), "Only an admin can add or change")


@pytest.mark.parametrize("who", ["priya", "dana", "vic"])
def test_people_and_quotas_imports_are_an_admins(
    engine: Engine, ids: dict[str, int], tmp_path: Path, who: str
) -> None:
    # Priya makes herself an admin through a people file: refused, nothing written.
    users = tmp_path / "people.csv"
    users.write_text(
        "login,name,email,role,manager,team,active\npriya,Priya,,admin,,,yes\n", encoding="utf-8"
    )
    refused(
        engine, lambda: import_as(engine, who, users, "users"), "Only an admin can import people"
    )
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(f"user,period,amount\n{who},2026Q4,100000\n", encoding="utf-8")
    refused(
        engine, lambda: import_as(engine, who, quotas, "quotas"), "Only an admin can import quotas"
    )


def test_quotas_for_someone_who_doesnt_exist_write_nothing(
    engine: Engine, ids: dict[str, int], tmp_path: Path
) -> None:
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("user,period,amount\npriya,2026Q4,1000\nghost,2026Q4,100000\n")
    before = everything(engine)
    with pytest.raises(RowsRejected, match="1 of 2 rows rejected; nothing was imported"):
        import_as(engine, "ada", quotas, "quotas")
    assert everything(engine) == before


def test_an_unknown_importer_is_refused_with_how_to_be_added(
    engine: Engine, ids: dict[str, int], tmp_path: Path
) -> None:
    path = deals_file(engine, tmp_path / "deals.csv", bigger)
    refused(
        engine,
        lambda: import_as(engine, "mallory", path),
        'An admin adds people with `pipeline-tui users add LOGIN --name "Full Name"`',
    )


# --- people -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["priya", "dana", "vic"])
def test_only_an_admin_changes_people(engine: Engine, ids: dict[str, int], who: str) -> None:
    policy = acting_policy(engine, who)
    says = "Only an admin can change people"
    refused(engine, lambda: people.set_role(engine, policy, who, "admin"), says)
    refused(engine, lambda: people.set_manager(engine, policy, "priya", "none"), says)
    refused(engine, lambda: people.set_active(engine, policy, "ada", False), says)
    refused(engine, lambda: people.add_user(engine, policy, "eve", "Eve"), says)
    ws = session(engine, ids[who])
    refused(engine, lambda: ws.set_role(who, "admin"), says)


def test_an_admin_changes_people_and_the_session_follows(
    engine: Engine, ids: dict[str, int]
) -> None:
    ada = session(engine, ids["ada"])
    assert ada.set_role("raj", "manager").role == "manager"
    assert ada.set_manager("priya", "raj").manager == "raj"
    assert ada.org.people[ids["priya"]].manager_id == ids["raj"]
    assert ada.set_active("sam", False).active is False
    # The last admin can't step down: someone must be able to add the rest.
    with pytest.raises(Exception, match="Ada is the only admin"):
        ada.set_role("ada", "rep")


def test_the_first_person_of_a_new_database_is_its_admin(engine: Engine) -> None:
    assert acting_policy(engine, "anyone") is None
    first = people.add_user(engine, None, "dana", "Dana Whitfield", role="rep")
    assert first.role == "admin"
    policy = acting_policy(engine, "dana")
    assert isinstance(policy, Policy) and policy.is_admin
    assert people.add_user(engine, policy, "priya", "Priya", manager="dana").role == "rep"


def test_reps_see_only_their_team_when_the_settings_say_so(
    engine: Engine, ids: dict[str, int]
) -> None:
    assert session(engine, ids["priya"]).policy.visible_owners() is None
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET reps_own_team_only = :on"), {"on": True})
    assert session(engine, ids["priya"]).policy.visible_owners() == {
        ids["dana"],
        ids["priya"],
        ids["raj"],
    }
    assert session(engine, ids["dana"]).policy.visible_owners() is None


def test_the_team_setting_narrows_a_reps_reads_and_no_one_elses(
    engine: Engine, ids: dict[str, int]
) -> None:
    from pipeline_tui.query import Scope

    everyone = Scope(open_only=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET reps_own_team_only = :on"), {"on": True})
    priya, omar = session(engine, ids["priya"]), session(engine, ids["omar"])
    assert priya.count(everyone) == 1 and omar.count(everyone) == 2
    listed = priya.deals(everyone, sort="close_date", descending=False, offset=0, limit=10)
    assert [d.id for d in listed] == [ids["deal"]]
    with pytest.raises(PermissionDenied, match="this one is Sam's"):
        priya.deal(ids["other"])
    assert omar.deal(ids["deal"]).id == ids["deal"]


def test_the_team_setting_narrows_a_reps_report_roll_up_and_changes_too(
    engine: Engine, ids: dict[str, int]
) -> None:
    """The CLI's `report`, `report --calibration` and `changes` read through the same
    session methods as the roll-up and what-changed screens: the setting holds there too."""
    from datetime import UTC, datetime

    from pipeline_tui.forecast import GroupBy
    from pipeline_tui.periods import quarter_containing
    from pipeline_tui.query import Scope

    period = quarter_containing(date(2026, 12, 10), 1)
    everyone = Scope()
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET reps_own_team_only = :on"), {"on": True})
    priya, omar = session(engine, ids["priya"]), session(engine, ids["omar"])
    assert priya.report(period, GroupBy.REP, everyone).totals.open_count == 1
    assert omar.report(period, GroupBy.REP, everyone).totals.open_count == 2
    shown = {node.label for node in priya.rollup(period, everyone)}
    assert not any("Sam" in label for label in shown)
    since = datetime(2000, 1, 1, tzinfo=UTC)
    assert priya.changes(since, period, everyone).team.end_count == 1
    assert omar.changes(since, period, everyone).team.end_count == 2


def test_the_first_person_an_import_brings_into_a_new_database_is_its_admin(
    engine: Engine, tmp_path: Path
) -> None:
    users = tmp_path / "people.csv"
    users.write_text("name,manager,role\nDana,,manager\nPriya,Dana,rep\n", encoding="utf-8")
    session_as(engine, "whoever").import_file(users, ImportOptions(kind="users"))
    roles = {row.login: row.role for row in people.list_users(engine)}
    assert roles == {"dana": "admin", "priya": "rep"}
    # From now on the database has people: an unknown importer is refused.
    refused(
        engine,
        lambda: session_as(engine, "whoever").import_file(users, ImportOptions(kind="users")),
        "No one has the login 'whoever'",
    )
