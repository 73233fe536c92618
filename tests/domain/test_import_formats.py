"""Each CRM's export, quirks and all, imported and read back with SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.importing import (
    FileRejected,
    RowsRejected,
    Severity,
    dry_run,
    import_file,
)
from pipeline_tui.importing.formats import DEAL_FORMATS, detect
from tests.domain.test_import_support import FIXTURES, count, options, snapshot, stored_deals


def stages(engine: Engine, pipeline: str) -> list[tuple[str, str, int]]:
    query = text(
        "SELECT s.name, s.kind, s.default_probability FROM stage s "
        "JOIN pipeline p ON p.id = s.pipeline_id WHERE p.name = :p ORDER BY s.position"
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query, {"p": pipeline})]


def test_salesforce_report_with_its_footer_bom_and_crlf(engine: Engine) -> None:
    path = FIXTURES / "salesforce_report.csv"
    report = dry_run(engine, path, options())
    assert (report.format, report.encoding, report.rows) == ("salesforce", "UTF-8 with BOM", 5)
    assert [p.reason for p in report.skipped] == [
        "a total row", "a total row", "a report footer line", "a report footer line",
        "a report footer line",
    ]  # fmt: skip
    assert dict(report.mapping)["external_id"] == ["Opportunity ID", "Opportunity ID"]
    assert report.counts.created == 5 and not report.errors
    assert count(engine, "deal") == 0

    summary = import_file(engine, path, options())
    assert (summary.counts.created, summary.counts.rejected) == (5, 0)
    deals = stored_deals(engine)
    # 15-character ids are widened to the 18-character form the second column holds.
    assert set(deals) == {f"0065g00000AbCd{c}AAV" for c in "EFGHI"}
    acme = deals["0065g00000AbCdEAAV"]
    assert acme["name"] == "Acme - Platform" and acme["account"] == "Acme Corp"
    assert (acme["owner"], acme["owner_login"]) == ("Jane Doe", "jane.doe")
    assert (acme["amount"], acme["currency"], acme["probability"]) == (
        Decimal("485000.00"), "USD", 90,
    )  # fmt: skip
    assert acme["forecast_category"] == "commit" and acme["kind"] == "open"
    assert acme["close_date"] == date(2026, 3, 31) and acme["closed_date"] is None
    assert acme["created_at"] == datetime(2026, 1, 15, tzinfo=UTC)
    assert acme["next_step"] == "Send redlines" and acme["version"] == 1

    globex = deals["0065g00000AbCdFAAV"]  # `-` is empty in every column
    assert globex["account"] is None and globex["close_date"] is None
    assert globex["next_step"] is None
    won, lost = deals["0065g00000AbCdGAAV"], deals["0065g00000AbCdHAAV"]
    assert (won["kind"], won["forecast_category"], won["closed_date"]) == (
        "won", "closed", date(2026, 2, 28),
    )  # fmt: skip
    assert (lost["kind"], lost["amount"], lost["account"]) == (
        "lost", Decimal("7250.50"), "Müller GmbH",
    )  # fmt: skip
    # No probability in the file: the stage's default (Salesforce's), and a category
    # derived from it.
    umbrella = deals["0065g00000AbCdIAAV"]
    assert (umbrella["probability"], umbrella["forecast_category"]) == (75, "best_case")
    warnings = {(p.line, p.column, p.reason) for p in summary.problems}
    assert warnings == {(3, "Close Date", "no close date"), (3, "Account Name", "no account")}
    assert all(p.severity is Severity.WARNING for p in summary.problems)
    # Salesforce's own stages: in Salesforce's order with its probabilities.
    assert stages(engine, "Sales") == [
        ("Prospecting", "open", 10), ("Proposal/Price Quote", "open", 75),
        ("Negotiation/Review", "open", 90), ("Closed Won", "won", 100),
        ("Closed Lost", "lost", 0),
    ]  # fmt: skip


def test_salesforce_api_names_and_zoned_datetimes(engine: Engine) -> None:
    summary = import_file(engine, FIXTURES / "salesforce_api.csv", options())
    assert summary.format_label == "Salesforce report" and summary.counts.created == 3
    deals = stored_deals(engine)
    hooli = deals["0065g00000XyZaBAAV"]
    assert hooli["created_at"] == datetime(2026, 3, 4, 10, 15, tzinfo=UTC)
    assert (hooli["probability"], hooli["forecast_category"]) == (20, "pipeline")
    wayne = deals["0065g00000XyZaDAAV"]
    assert wayne["name"] == "Wayne, Enterprises - Fleet" and wayne["currency"] == "EUR"
    assert wayne["created_at"] == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert wayne["forecast_category"] == "best_case" and wayne["next_step"] == "Demo"
    stark = deals["0065g00000XyZaCAAV"]
    assert stark["created_at"] == datetime(2025, 12, 1, 23, 30, tzinfo=UTC)
    assert (stark["kind"], stark["amount"]) == ("won", Decimal("1200000.00"))


def test_hubspot_stage_ids_fraction_probabilities_and_blanks(engine: Engine) -> None:
    summary = import_file(engine, FIXTURES / "hubspot_deals.csv", options())
    assert summary.format_label == "HubSpot deals" and summary.counts.created == 5
    deals = stored_deals(engine)
    assert {d["pipeline"] for d in deals.values()} == {"Sales Pipeline"}
    assert deals["9001"]["stage"] == "Appointment Scheduled"
    assert (deals["9001"]["probability"], deals["9002"]["probability"]) == (20, 90)
    assert deals["9002"]["amount"] == Decimal("48000.50")
    assert deals["9002"]["forecast_category"] == "commit"
    assert deals["9001"]["created_at"] == datetime(2026, 1, 5, 14, 22, tzinfo=UTC)
    assert (deals["9003"]["stage"], deals["9003"]["kind"]) == ("Closed Won", "won")
    assert deals["9004"]["kind"] == "lost" and deals["9004"]["account"] is None
    litware = deals["9005"]  # no probability: HubSpot's default for the stage
    assert (litware["stage"], litware["probability"]) == ("Decision Maker Bought-In", 80)
    assert litware["close_date"] is None
    flagged = {(p.line, p.reason) for p in summary.problems}
    assert flagged == {(5, "no account"), (6, "no close date")}


def test_pipedrive_cp1252_day_first_status_and_no_id_column(engine: Engine) -> None:
    path = FIXTURES / "pipedrive_deals.csv"
    summary = import_file(engine, path, options(dayfirst=True))
    assert summary.format_label == "Pipedrive deals" and summary.counts.created == 4
    assert any("no external id column" in p.reason for p in summary.problems)
    deals = {d["name"]: d for d in stored_deals(engine).values()}
    sg = deals["Société Générale - Licences"]
    assert (sg["close_date"], sg["created_at"]) == (
        date(2026, 3, 31), datetime(2026, 1, 5, tzinfo=UTC),
    )  # fmt: skip
    assert (sg["owner"], sg["currency"], sg["probability"]) == ("Zoë Martin", "EUR", 60)
    assert sg["external_id"].startswith("key:")
    # Won and lost are statuses in Pipedrive; the stage is where the deal last was.
    cafe, brasserie = deals["Café Noir - Support"], deals["Brasserie Lumière - POS"]
    assert (cafe["stage"], cafe["kind"], cafe["closed_date"]) == ("Won", "won", date(2026, 2, 14))
    assert (brasserie["stage"], brasserie["kind"]) == ("Lost", "lost")
    assert brasserie["lost_reason"] == "Went with a competitor"
    # Pipedrive's own stage names: in Pipedrive's order, not as first seen.
    assert [name for name, _, _ in stages(engine, "Europe")] == [
        "Qualified", "Proposal Made", "Won", "Lost",
    ]  # fmt: skip
    # Keys made from name and account are stable, so the same file again changes nothing.
    again = import_file(engine, path, options(dayfirst=True))
    assert (again.counts.created, again.counts.unchanged) == (0, 4)


def test_day_first_dates_without_dayfirst_are_read_day_first_and_said(engine: Engine) -> None:
    # 31/03/26 can only be day first, so the file proves its order; the dry run says so.
    report = dry_run(engine, FIXTURES / "pipedrive_deals.csv", options())
    [notice] = [p.reason for p in report.warnings if "day first" in p.reason]
    assert "'31/03/26' in Deal - Expected close date can only be day first" in notice
    assert "pass --dayfirst" in notice and "dayfirst=" not in notice
    summary = import_file(engine, FIXTURES / "pipedrive_deals.csv", options())
    created = {d["name"]: d["created_at"] for d in stored_deals(engine).values()}
    assert created["Société Générale - Licences"] == datetime(2026, 1, 5, tzinfo=UTC)
    assert summary.counts.created == 4


def test_day_first_dates_with_monthfirst_are_rejected_whole(engine: Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(RowsRejected) as caught:
        import_file(engine, FIXTURES / "pipedrive_deals.csv", options(monthfirst=True))
    problem = next(p for p in caught.value.problems if p.value == "31/03/26")
    assert (problem.line, problem.column) == (2, "Deal - Expected close date")
    assert "--monthfirst says month first" in problem.reason and "--dayfirst" in problem.reason
    assert snapshot(engine) == before


def test_any_other_csv_with_a_map(engine: Engine) -> None:
    path = FIXTURES / "generic_semicolon.csv"
    with pytest.raises(FileRejected, match="not a layout"):
        dry_run(engine, path, options())
    mapping = {
        "external_id": "Deal Ref", "name": "Title", "account": "Client", "owner": "Rep",
        "stage": "Phase", "amount": "Value (USD)", "close_date": "Expected Close",
        "probability": "Chance",
    }  # fmt: skip
    summary = import_file(engine, path, options(mapping=mapping, pipeline="Partners"))
    assert summary.format_label == "CSV" and summary.counts.created == 3
    deals = stored_deals(engine)
    assert deals["G-1"]["amount"] == Decimal("15000.00") and deals["G-1"]["pipeline"] == "Partners"
    assert deals["G-2"]["kind"] == "won" and deals["G-3"]["amount"] == Decimal("22500.75")
    assert deals["G-3"]["probability"] == 25


def test_stage_map_puts_file_stages_onto_existing_ones(engine: Engine) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    stage_map = {"Appointment Scheduled": "Prospecting", "Contract Sent": "Negotiation/Review"}
    mapping = {"pipeline": ""}  # ignore HubSpot's pipeline column: use --pipeline
    import_file(
        engine, FIXTURES / "hubspot_deals.csv",
        options(stage_map=stage_map, mapping=mapping, pipeline="Sales"),
    )  # fmt: skip
    deals = stored_deals(engine)
    assert deals["9001"]["stage"] == "Prospecting" and deals["9002"]["pipeline"] == "Sales"
    assert deals["9002"]["stage"] == "Negotiation/Review"
    assert deals["9003"]["stage"] == "Closed Won"  # the same name as the stored stage
    names = [name for name, _, _ in stages(engine, "Sales")]
    # The new open stage goes after the open ones, before won and lost.
    assert names == [
        "Prospecting", "Proposal/Price Quote", "Negotiation/Review",
        "Decision Maker Bought-In", "Closed Won", "Closed Lost",
    ]  # fmt: skip


def test_an_explicit_format_that_does_not_fit_names_the_missing_columns(engine: Engine) -> None:
    with pytest.raises(FileRejected) as caught:
        dry_run(engine, FIXTURES / "salesforce_report.csv", options(format="hubspot"))
    message = str(caught.value)
    assert "(HubSpot deals, as --format says)" in message
    assert (
        "missing the required columns name (usually 'Deal Name'; the nearest header is "
        "'Opportunity Name'), stage (usually 'Deal Stage'; the nearest header is 'Stage')"
    ) in message
    assert "--map name=COLUMN, or use --format salesforce: it looks like Salesforce" in message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Opportunity Name", "Stage", "Amount", "Close Date"], "salesforce"),
        (["Name", "StageName", "Amount", "CloseDate", "Owner.Name"], "salesforce"),
        (["Record ID", "Deal Name", "Deal Stage", "Amount"], "hubspot"),
        (["Deal - Title", "Deal - Value", "Deal - Stage"], "pipedrive"),
        (["Title", "Value", "Stage", "Won time", "Expected close date"], "pipedrive"),
        (["external_id", "name", "stage", "amount", "owner_login"], "csv"),
        (["Title", "Phase", "Chance"], None),
        (["Close Date", "Amount"], None),
    ],
)
def test_formats_are_told_apart_by_their_headers(header: list[str], expected: str | None) -> None:
    found = detect(header, DEAL_FORMATS)
    assert (found.name if found else None) == expected
