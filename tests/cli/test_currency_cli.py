"""Rates on the command line, and a mixed-currency import whose report totals are checked
against figures computed here from the file itself."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from pipeline_tui.cli import main
from tests.domain.test_import_support import FIXTURES

MIXED = FIXTURES / "mixed_currency.csv"
TODAY = "2026-11-26"
RATES = {"EUR": Decimal("1.08"), "GBP": Decimal("1.25"), "USD": Decimal(1)}  # from 2026-10-01


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "rates.db")
    assert run(capsys, "db", "init", path)[0] == 0
    return path


def rates_json(capsys: pytest.CaptureFixture[str], db: str) -> dict[str, object]:
    code, out, _ = run(capsys, "rates", "list", "--format", "json", "--db", db)
    assert code == 0
    result: dict[str, object] = json.loads(out)
    return result


def test_rates_set_list_and_replace(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert run(capsys, "rates", "set", "EUR", "1.08", "--date", "2026-11-01", "--db", db)[0] == 0
    assert run(capsys, "rates", "set", "eur", "1.0800", "--date", "2026-12-01", "--db", db)[0] == 0
    assert run(capsys, "rates", "set", "EUR", "1.09", "--date", "2026-12-01", "--db", db)[0] == 0
    assert rates_json(capsys, db) == {
        "reporting_currency": "USD",
        "rates": [
            {"currency": "EUR", "date": "2026-11-01", "rate": "1.08"},
            {"currency": "EUR", "date": "2026-12-01", "rate": "1.09"},
        ],
    }
    code, out, _ = run(capsys, "rates", "list", "--format", "csv", "--db", db)
    assert out.splitlines() == ["currency,date,rate", "EUR,2026-11-01,1.08", "EUR,2026-12-01,1.09"]
    code, out, _ = run(capsys, "rates", "list", "--db", db)
    assert code == 0 and "EUR" in out and "1.09" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["EUR", "-1"], "not a rate"),
        (["EUR", "0"], "not a rate"),
        (["EUR", "1e3"], "not a rate"),
        (["EUR", "nan"], "not a rate"),
        (["EURO", "1.1"], "not a currency code"),
        (["USD", "1.1"], "USD is the reporting currency"),
    ],
)
def test_bad_rates_are_refused_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "rates", "set", *args, "--db", db)
    assert code == 2 and message in err
    assert rates_json(capsys, db)["rates"] == []


def test_rates_import_is_all_or_nothing(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "currency,date,rate\nEUR,2026-10-01,1.08\nGBP,2026-13-01,1.25\nCHF,2026-10-01,x\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "rates", "import", str(bad), "--db", db)
    assert code == 2
    assert "nothing imported" in err and "line 3" in err and "line 4" in err
    assert rates_json(capsys, db)["rates"] == []

    good = tmp_path / "good.csv"
    good.write_text("currency,date,rate\nEUR,2026-10-01,1.08\nGBP,2026-10-01,1.25\n", "utf-8")
    code, _, err = run(capsys, "rates", "import", str(good), "--db", db)
    assert code == 0 and "Imported 2 rates" in err
    assert len(rates_json(capsys, db)["rates"]) == 2  # type: ignore[arg-type]


def expected_from_file() -> dict[str, object]:
    """The Q4 totals worked out from the file's own cells, without the importer."""
    with MIXED.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    exact = {"closed_won": Decimal(0), "commit": Decimal(0), "best_case": Decimal(0),
             "pipeline": Decimal(0), "weighted": Decimal(0)}  # fmt: skip
    unconverted: dict[str, int] = {}
    for row in rows:
        currency = row["Opportunity Currency"]
        cell = row["Amount"].removeprefix(currency).strip()
        # The one amount written the European way: 1.234,56.
        number = cell.replace(".", "").replace(",", ".") if "," in cell[-3:] else cell
        amount = Decimal(number.replace(",", ""))
        stage, category = row["Stage"], row["Forecast Category"]
        probability = Decimal(row["Probability (%)"].rstrip("%"))
        if currency not in RATES:
            if category != "Omitted":
                unconverted[currency] = unconverted.get(currency, 0) + 1
            continue
        value = amount * RATES[currency]
        if stage == "Closed Won":
            exact["closed_won"] += value
        elif stage != "Closed Lost":
            exact["pipeline"] += value
            exact["weighted"] += value * probability / 100
            if category == "Commit":
                exact["commit"] += value
            elif category == "Best Case":
                exact["best_case"] += value
    cents = {k: str(v.quantize(Decimal("0.01"), ROUND_HALF_EVEN)) for k, v in exact.items()}
    return cents | {"unconverted": unconverted}


def test_mixed_currency_import_and_report(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "import", str(MIXED), "--dry-run", "--db", db)
    assert code == 0
    flat = " ".join(out.split())
    for currency in ("EUR", "GBP", "JPY"):
        assert f"no {currency} rate in force" in flat
    assert "no USD rate" not in flat

    for currency, value in (("EUR", "1.08"), ("GBP", "1.25")):
        assert (
            run(capsys, "rates", "set", currency, value, "--date", "2026-10-01", "--db", db)[0] == 0
        )
    code, out, _ = run(capsys, "import", str(MIXED), "--dry-run", "--db", db)
    flat = " ".join(out.split())
    assert "no JPY rate in force" in flat and "no EUR rate" not in flat

    code, _, err = run(capsys, "import", str(MIXED), "--db", db)
    assert code == 0, err
    code, out, err = run(
        capsys, "report", "--period", "2026Q4", "--format", "json", "--today", TODAY, "--db", db
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["currency"] == "USD"
    totals = report["totals"]
    expected = expected_from_file()
    assert {k: totals[k] for k in expected} == expected
    assert expected["unconverted"] == {"JPY": 1}
    # At 1:1 the yen deal alone would have added 1,500,000 to the pipeline.
    assert Decimal(totals["pipeline"]) < Decimal(100_000)
    code, out, _ = run(capsys, "report", "--period", "2026Q4", "--today", TODAY, "--db", db)
    assert "Amounts in USD + 1 deal unconverted (JPY)" in " ".join(out.split())

    # What changed since before the file: the same pipeline, the yen deal left out.
    since = ("changes", "--since", "2026-01-01", "--period", "2026Q4", "--db", db)
    code, out, err = run(capsys, *since, "--format", "json")
    assert code == 0, err
    changes = json.loads(out)
    assert changes["team"]["end"] == expected["pipeline"]
    assert changes["unconverted"] == {"JPY": 1}
    code, out, _ = run(capsys, *since)
    assert "Amounts in USD + 1 deal unconverted (JPY)" in " ".join(out.split())


def test_a_deal_keeps_the_files_currency(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert run(capsys, "import", str(MIXED), "--db", db)[0] == 0
    _, out, _ = run(capsys, "export", "--format", "csv", "--db", db)
    rows = {r["name"]: r for r in csv.DictReader(out.splitlines())}
    assert rows["Alpha - Platform"]["currency"] == "EUR"
    assert rows["Delta - Pilot"]["currency"] == "GBP"
    assert rows["Eta - Add-on"]["amount"] == "1234.56"
    assert date.fromisoformat(rows["Eta - Add-on"]["close_date"]) == date(2026, 12, 1)
