"""Formats recognised as they are (issue 10, item 8): Salesforce's SOQL JSON, the app's
own field names without `--format`, a format's name only with its signature, and a
wrong guess that names what it wanted and the nearest header.

Figures are computed here from the fixture with the json module, not by the importer.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pipeline_tui.importing import FileRejected, dry_run, import_file
from pipeline_tui.importing.formats import DEAL_FORMATS, detect
from tests.domain.test_import_stage_order import SALESFORCE, stages
from tests.domain.test_import_support import FIXTURES, as_utc, options, stored_deals

SOQL = FIXTURES / "salesforce_soql.json"


def test_salesforce_soql_json_imports_with_related_records_flattened(engine: Engine) -> None:
    answer: dict[str, Any] = json.loads(SOQL.read_text(encoding="utf-8"))
    records = answer["records"]
    assert answer["done"] is True and answer["totalSize"] == len(records) == 5

    report = dry_run(engine, SOQL, options())
    assert (report.format, report.delimiter, report.unit) == ("salesforce", "JSON", "item")
    assert "'StageName'" in report.recognised
    mapped = dict(report.mapping)
    assert mapped["owner"][0] == "Owner.Name" and mapped["account"] == ["Account.Name"]
    # Salesforce's `attributes`, and a relationship that is null in one record, are not
    # columns of their own.
    assert not [c for c in report.unused_columns if "attributes" in c or c == "Account"]
    assert not report.errors

    summary = import_file(engine, SOQL, options())
    assert (summary.counts.created, summary.counts.rejected) == (len(records), 0)
    deals = stored_deals(engine)
    assert set(deals) == {r["Id"] for r in records}
    for record in records:
        deal = deals[record["Id"]]
        account = record["Account"]["Name"] if record["Account"] else None
        assert (deal["name"], deal["owner"], deal["account"]) == (
            record["Name"], record["Owner"]["Name"], account,
        )  # fmt: skip
        assert deal["amount"] == Decimal(str(record["Amount"])).quantize(Decimal("0.01"))
        assert deal["probability"] == int(record["Probability"])
        assert deal["stage"] == record["StageName"]
        assert deal["close_date"].isoformat() == record["CloseDate"]
        created = record["CreatedDate"].replace("+0000", "+00:00")
        assert deal["created_at"] == as_utc(created)
    open_total = sum(
        Decimal(str(r["Amount"])) for r in records if not r["StageName"].startswith("Closed")
    )
    assert sum(d["amount"] for d in deals.values() if d["kind"] == "open") == open_total
    assert deals["0065g00000JsOn3AAB"]["kind"] == "won"
    in_file = {r["StageName"] for r in records}
    assert stages(engine, "Sales") == [s for s in SALESFORCE if s[0] in in_file]


def test_a_soql_page_that_is_not_the_last_says_so(engine: Engine, tmp_path: Path) -> None:
    answer = json.loads(SOQL.read_text(encoding="utf-8"))
    answer.update(done=False, totalSize=2000, nextRecordsUrl="/services/data/v59.0/query/01g-2000")
    path = tmp_path / "page1.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    report = dry_run(engine, path, options())
    [warning] = [p for p in report.warnings if p.line is None and "nextRecordsUrl" in p.reason]
    assert "the first 5 of 2000 records" in warning.reason
    assert report.counts.created == 5


def test_json_that_is_neither_rows_nor_a_query_result_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "odd.json"
    path.write_text('{"totalSize": 1, "rows": []}', encoding="utf-8")
    with pytest.raises(FileRejected, match=r"or a Salesforce query result"):
        dry_run(engine, path, options())


def test_the_apps_own_field_names_import_without_a_format(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "name,account,owner,stage,amount,probability,close_date\n"
        "Acme - Fleet,Acme,Kim Park,Prospecting,1200.50,10,2026-12-15\n"
        "Globex - Seats,Globex,Kim Park,Negotiation/Review,8000,90,2026-12-20\n",
        encoding="utf-8",
    )
    report = dry_run(engine, path, options())
    assert (report.format, report.recognised) == (
        "csv",
        "its headers are pipeline-tui's field names",
    )
    summary = import_file(engine, path, options())
    assert summary.counts.created == 2
    amounts = sorted(d["amount"] for d in stored_deals(engine).values())
    assert amounts == [Decimal("1200.50"), Decimal("8000.00")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # "Created Date" alone is everyone's header: no reason to say Salesforce.
        (["Name", "Amount", "Stage", "Created Date"], None),
        (["name", "stage", "amount", "owner"], "csv"),
        (["Name", "Stage", "Amount"], None),
        (["Opportunity Name", "Stage", "Amount"], "salesforce"),
    ],
)
def test_a_format_is_only_claimed_with_its_signature(
    header: list[str], expected: str | None
) -> None:
    found = detect(header, DEAL_FORMATS)
    assert (found.name if found else None) == expected


def test_a_guess_that_lacks_a_column_names_it_and_the_nearest_header(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        "Opportunity Name,Opp Owner,Stage,Amount,Close Date\n"
        "Acme - Fleet,Kim Park,Prospecting,1200,2026-12-15\n",
        encoding="utf-8",
    )
    with pytest.raises(FileRejected) as caught:
        dry_run(engine, path, options())
    message = str(caught.value)
    assert "(Salesforce report, recognised by 'Opportunity Name')" in message
    assert (
        "missing the required column owner (usually 'Opportunity Owner'; "
        "the nearest header is 'Opp Owner')"
    ) in message
    assert "--map owner=COLUMN" in message
