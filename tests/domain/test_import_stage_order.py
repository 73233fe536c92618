"""The stages a file brings, in the order deals move through them (issue 10, item 5).

Expected orders and probabilities are written out here from what the CRMs publish, and
figures (medians, counts, amounts) are computed from the fixture files with the csv
module, not taken from the importer.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from statistics import median_low

import pytest
from rich.console import Console
from sqlalchemy import Engine, text

from pipeline_tui.importing import DryRunReport, dry_run, export, import_file
from pipeline_tui.importing.history import entered_columns, ranks
from pipeline_tui.importing.report import dry_run_report
from pipeline_tui.importing.stages import kind_from_name
from pipeline_tui.seed import seed_demo
from pipeline_tui.seed.vocabulary import PIPELINES
from pipeline_tui.storage import make_engine, upgrade
from tests.domain.test_import_support import FIXTURES, TODAY, options, stored_deals

# Published defaults: HubSpot's default deal pipeline and Salesforce's sample sales process.
HUBSPOT = [
    ("Appointment Scheduled", "open", 20), ("Qualified To Buy", "open", 40),
    ("Presentation Scheduled", "open", 60), ("Decision Maker Bought-In", "open", 80),
    ("Contract Sent", "open", 90), ("Closed Won", "won", 100), ("Closed Lost", "lost", 0),
]  # fmt: skip
SALESFORCE = [
    ("Prospecting", "open", 10), ("Qualification", "open", 10), ("Needs Analysis", "open", 20),
    ("Value Proposition", "open", 50), ("Id. Decision Makers", "open", 60),
    ("Perception Analysis", "open", 70), ("Proposal/Price Quote", "open", 75),
    ("Negotiation/Review", "open", 90), ("Closed Won", "won", 100), ("Closed Lost", "lost", 0),
]  # fmt: skip


def stages(engine: Engine, pipeline: str) -> list[tuple[str, str, int]]:
    query = text(
        "SELECT s.name, s.kind, s.default_probability FROM stage s "
        "JOIN pipeline p ON p.id = s.pipeline_id WHERE p.name = :p ORDER BY s.position"
    )
    with engine.connect() as conn:
        return [(row[0], row[1], int(row[2])) for row in conn.execute(query, {"p": pipeline})]


def rows_of(name: str) -> list[dict[str, str]]:
    data = (FIXTURES / name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


def rendered(report: DryRunReport) -> str:
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(dry_run_report(report))
    return console.export_text()


def amount(text_: str) -> Decimal:
    return Decimal(text_.removeprefix("USD ").replace(",", ""))


def test_hubspot_default_stages_come_in_hubspots_order_whatever_the_rows(engine: Engine) -> None:
    path = FIXTURES / "hubspot_default_stages.csv"
    report = dry_run(engine, path, options())
    [order] = report.stage_order
    assert order.pipeline == "Sales Pipeline" and "HubSpot" in (order.basis or "")
    text_ = rendered(report)
    assert "Appointment Scheduled 20% (new) → Qualified To Buy 40% (new) → " in text_
    assert "Can't tell" not in text_

    summary = import_file(engine, path, options())
    rows = rows_of("hubspot_default_stages.csv")
    assert summary.counts.created == len(rows) == 8
    # Each stage's default is HubSpot's, whatever came first in the file.
    assert stages(engine, "Sales Pipeline") == HUBSPOT
    deals = stored_deals(engine)
    # Contract Sent came first: its deal is weighted at HubSpot's 90%, not at 10%.
    assert (deals["7101"]["probability"], deals["7101"]["forecast_category"]) == (90, "commit")
    assert deals["7104"]["probability"] == 50  # the rep's own figure stays on the deal
    assert (deals["7105"]["stage"], deals["7105"]["probability"]) == ("Appointment Scheduled", 20)
    assert deals["7103"]["kind"] == "won" and deals["7106"]["kind"] == "lost"
    total = sum(Decimal(r["Amount"]) for r in rows)
    assert sum(d["amount"] for d in deals.values()) == total == Decimal("280251.25")


def test_salesforce_sample_pipeline_comes_in_salesforces_order(engine: Engine) -> None:
    summary = import_file(engine, FIXTURES / "salesforce_sample_pipeline.csv", options())
    rows = rows_of("salesforce_sample_pipeline.csv")
    assert summary.counts.created == len(rows) == 10
    assert stages(engine, "Sales") == SALESFORCE
    deals = stored_deals(engine)
    by_stage = {d["stage"]: d for d in deals.values()}
    assert by_stage["Closed Won"]["kind"] == "won" and by_stage["Closed Lost"]["kind"] == "lost"
    open_total = sum(amount(r["Amount"]) for r in rows if not r["Stage"].startswith("Closed"))
    stored_open = sum(d["amount"] for d in deals.values() if d["kind"] == "open")
    assert stored_open == open_total == Decimal("1047500.50")


def test_an_export_reimported_orders_its_own_stages_by_median_probability(
    engine: Engine,
) -> None:
    path = FIXTURES / "app_export_renewals.csv"
    rows = rows_of("app_export_renewals.csv")
    seen: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row["status"] == "open":
            seen[row["stage"]].append(int(row["probability"]))
    medians = {stage: int(median_low(values)) for stage, values in seen.items()}
    assert medians == {"Verbal Commit": 90, "In Negotiation": 75, "Upcoming": 60}

    report = dry_run(engine, path, options())
    assert report.format == "csv" and report.stage_order[0].basis is not None
    assert "median probability" in (report.stage_order[0].basis or "")
    summary = import_file(engine, path, options())
    assert summary.counts.created == len(rows) == 13
    open_stages = sorted(medians, key=medians.__getitem__)
    assert stages(engine, "Renewals") == [
        *((name, "open", medians[name]) for name in open_stages),
        ("Renewed", "won", 100), ("Churned", "lost", 0),
    ]  # fmt: skip
    deals = stored_deals(engine)
    assert sum(d["amount"] for d in deals.values()) == sum(Decimal(r["amount"]) for r in rows)


def test_reimporting_never_reorders_stored_stages(engine: Engine, tmp_path: Path) -> None:
    path = FIXTURES / "app_export_renewals.csv"
    import_file(engine, path, options())
    # Someone arranged the pipeline their own way since.
    with engine.begin() as conn:
        conn.execute(text("UPDATE stage SET position = 2 - position WHERE kind = 'open'"))
    before = stages(engine, "Renewals")
    assert [name for name, _, _ in before][:3] == ["Verbal Commit", "In Negotiation", "Upcoming"]

    data = path.read_text(encoding="utf-8").splitlines()
    extra = data[1].replace("R-001", "R-100").replace("Verbal Commit", "Legal Review")
    again = tmp_path / "again.csv"
    again.write_text("\n".join([*data, extra.replace(",90,", ",85,")]) + "\n", encoding="utf-8")
    summary = import_file(engine, again, options())
    assert (summary.counts.created, summary.counts.unchanged) == (1, 13)
    after = stages(engine, "Renewals")
    assert [s for s in after if s[0] != "Legal Review"] == before
    # The new stage goes after the stored open ones; a single new stage has nothing to
    # be ordered against, and takes its median.
    assert after[3] == ("Legal Review", "open", 85)


def test_stages_the_file_does_not_order_are_shown_and_can_be_ordered(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "name,owner,stage,amount,close_date\n"
        "A,Kim Park,Trial,100,2026-12-01\nB,Kim Park,Discovery,200,2026-12-02\n"
        "C,Kim Park,Demo,300,2026-12-03\nD,Kim Park,Won,400,2026-10-04\n",
        encoding="utf-8",
    )
    report = dry_run(engine, path, options(format="csv"))
    [order] = report.stage_order
    assert order.basis is None
    text_ = rendered(report)
    assert "Can't tell" in text_
    assert "Trial 10% (new) → Discovery 20% (new) → Demo 30% (new) → Won 100% (won, new)" in text_
    assert '--stage-order "Trial,Discovery,Demo"' in text_

    ordered = options(format="csv", stage_order=("Discovery", "Demo", "Trial"))
    assert "Can't tell" not in rendered(dry_run(engine, path, ordered))
    import_file(engine, path, ordered)
    assert stages(engine, "Sales") == [
        ("Discovery", "open", 10), ("Demo", "open", 20), ("Trial", "open", 30), ("Won", "won", 100),
    ]  # fmt: skip


def test_a_stage_order_naming_no_new_stage_is_flagged(engine: Engine) -> None:
    report = dry_run(
        engine, FIXTURES / "salesforce_sample_pipeline.csv", options(stage_order=("Nowhere",))
    )
    assert any(p.value == "Nowhere" and "--stage-order" in p.reason for p in report.warnings)
    assert report.stage_order[0].basis == "Salesforce's default sales process"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Closed Won", "won"), ("Won", "won"), ("closedwon", "won"), ("Closed/Won", "won"),
        ("CLOSED WON", "won"), ("Lost", "lost"), ("Closed Lost", "lost"),
        ("closedlost", "lost"), ("Closed Lost - No Decision", "lost"),
        ("Contract Sent", "open"), ("Won't renew", "open"), ("Closing", "open"),
    ],
)  # fmt: skip
def test_closed_stages_are_recognised_by_name(name: str, kind: str) -> None:
    assert kind_from_name(name) == kind


def test_an_export_of_the_demo_comes_back_with_its_stages_in_order(tmp_path: Path) -> None:
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        upgrade(source)
        upgrade(target)
        seed_demo(source, deals=600, seed=7, today=TODAY)
        out = io.StringIO()
        export(source, out)
        path = tmp_path / "deals.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        import_file(target, path, options())
        for spec in PIPELINES:
            expected = [(name, kind) for name, _, kind in spec.stages()]
            assert [(n, k) for n, k, _ in stages(target, spec.name)] == expected, spec.name
    finally:
        source.dispose()
        target.dispose()


def test_a_file_with_stage_entry_dates_orders_stages_by_the_path_deals_took(
    engine: Engine,
) -> None:
    path = FIXTURES / "hubspot_stage_history.csv"
    rows = rows_of("hubspot_stage_history.csv")
    assert "Deal probability" not in rows[0]  # nothing but the dates to go by
    report = dry_run(engine, path, options())
    assert report.stage_order[0].basis == "the dates deals entered them"
    summary = import_file(engine, path, options())
    assert summary.counts.created == len(rows) == 6
    # Every deal that saw both went Intro Call, then Demo Booked, then Security Review;
    # three of the four that saw a demo and a trial had the demo first.
    assert stages(engine, "Partner Pipeline") == [
        ("Intro Call", "open", 10), ("Demo Booked", "open", 20), ("Trial Running", "open", 30),
        ("Security Review", "open", 40), ("Closed Won", "won", 100),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "stage"),
    [
        ('Date entered "Demo Booked (Partner Pipeline)"', "Demo Booked"),
        ("Date entered Demo Booked", "Demo Booked"),
        ("date entered “Closed Won (Sales Pipeline)”", "Closed Won"),
        ("Date exited Demo Booked", None),
        ("Entered by", None),
    ],
)
def test_entry_date_columns_name_their_stage(header: str, stage: str | None) -> None:
    assert entered_columns(["Deal Name", header]).get(1) == stage


def test_ranks_follow_what_most_deals_did() -> None:
    paths = [["A", "B", "C"], ["A", "C", "B"], ["B", "C"], ["A", "B"], ["C", "D"]]
    ranked = ranks(paths)
    assert sorted(ranked, key=ranked.__getitem__) == ["a", "b", "c", "d"]


def test_stages_level_on_their_median_say_so(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "level.csv"
    path.write_text(
        "name,owner,stage,amount,probability,close_date\n"
        "A,Kim Park,Beta,100,50,2026-12-01\nB,Kim Park,Alpha,200,50,2026-12-02\n"
        "C,Kim Park,Gamma,300,20,2026-12-03\n",
        encoding="utf-8",
    )
    [order] = dry_run(engine, path, options()).stage_order
    assert [name for name, _, _, _ in order.stages] == ["Gamma", "Beta", "Alpha"]
    assert order.note == (
        "'Beta' and 'Alpha' have the same median, so they are in the order the file first uses them"
    )


def test_known_stages_fall_into_place_among_stored_ones(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    path = tmp_path / "more.csv"
    path.write_text(
        '"Opportunity ID","Opportunity Name","Opportunity Owner","Stage","Amount","Close Date"\n'
        '"0065g00000MoRe1AAB","Soylent - Pilot","Jane Doe","Needs Analysis","1000","12/1/2026"\n'
        '"0065g00000MoRe2AAB","Tyrell - Seats","Jane Doe","Qualification","2000","12/2/2026"\n',
        encoding="utf-8",
    )
    import_file(engine, path, options())
    # Stored: Prospecting, Proposal/Price Quote, Negotiation/Review, in Salesforce's order.
    assert stages(engine, "Sales") == [
        s for s in SALESFORCE
        if s[0] in {"Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
                    "Negotiation/Review", "Closed Won", "Closed Lost"}
    ]  # fmt: skip


def test_stages_stored_out_of_a_known_order_are_left_so(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    with engine.begin() as conn:  # someone put Negotiation/Review first
        conn.execute(text("UPDATE stage SET position = 2 - position WHERE kind = 'open'"))
    before = [name for name, _, _ in stages(engine, "Sales")]
    path = tmp_path / "more.csv"
    path.write_text(
        '"Opportunity Name","Opportunity Owner","Stage","Amount","Close Date"\n'
        '"Soylent - Pilot","Jane Doe","Qualification","1000","12/1/2026"\n',
        encoding="utf-8",
    )
    import_file(engine, path, options())
    after = [name for name, _, _ in stages(engine, "Sales")]
    assert after == [*before[:3], "Qualification", *before[3:]]
