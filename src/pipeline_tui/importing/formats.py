"""Which CRM wrote a file, recognised by its header, and which column holds each field.

Each format lists, per field, the header names that CRM uses (report labels and API
names), most likely first; a field can read from several columns and takes the first
filled one, which is how Salesforce's duplicated `Opportunity ID` column (15- and
18-character ids) and Pipedrive's separate won and lost times are handled. A format is
recognised by the names only it writes (its signature), and its name is only claimed
when some of them are present; `csv` is the layout `pipeline-tui export` writes, with
the field names themselves as headers, and a file whose headers are those names
(`name`, `stage`, `amount`, ...) reads as it without `--format`. A column a format
wanted and didn't find is named with the nearest header the file has.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import FileRejected

DEAL_FIELDS = (
    "external_id", "name", "account", "owner", "stage", "amount", "currency", "probability",
    "forecast_category", "close_date", "created", "next_step", "pipeline", "lost_reason",
)  # fmt: skip
# Read when present: what `export` writes beyond the fields above, a won/lost status, and
# whether the deal is archived (`export --archived`; any CRM's `Archived` column too).
EXTRA_DEAL_FIELDS = (
    "status", "owner_login", "closed_date", "stage_entered_at", "push_count", "archived",
)  # fmt: skip
ALL_DEAL_FIELDS = DEAL_FIELDS + EXTRA_DEAL_FIELDS
REQUIRED_DEAL_FIELDS = ("name", "stage", "amount", "owner")

Mapping_ = dict[str, list[int]]  # field -> column indexes, first filled one wins


def normalise(header: str) -> str:
    return " ".join(header.replace("_", " ").casefold().split())


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    aliases: Mapping[str, tuple[str, ...]]  # as the CRM spells them, most likely first
    signature: frozenset[str]
    probability_is_fraction: bool = False  # HubSpot writes 0.9 for 90%
    salesforce_ids: bool = False  # 15-character ids are widened to 18

    def fields(self) -> tuple[str, ...]:
        return tuple(self.aliases)


def _aliases(**fields: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return fields


def _signature(headers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise(h) for h in headers)


# Header names that only this CRM writes: how a file is recognised.
SALESFORCE_SIGNATURE = (
    "Opportunity ID", "Opportunity Name", "Opportunity Owner", "Probability (%)", "StageName",
    "CloseDate", "CreatedDate", "ForecastCategoryName", "Owner.Name", "Account.Name",
    "Opportunity Currency",
)  # fmt: skip
HUBSPOT_SIGNATURE = (
    "Record ID", "Deal Name", "Deal Stage", "Deal owner", "Create Date", "dealname",
    "dealstage", "createdate", "Deal probability", "Closed lost reason",
)  # fmt: skip
PIPEDRIVE_SIGNATURE = (
    "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Organization", "Deal - Owner",
    "Deal - Stage", "Deal - Pipeline", "Deal - Status", "Deal - Expected close date",
    "Deal - Deal created", "Deal - ID", "Expected close date", "Deal created", "Won time",
    "Lost time",
)  # fmt: skip


SALESFORCE = Format(
    "salesforce",
    "Salesforce report",
    _aliases(
        external_id=("Opportunity ID", "Opportunity ID (18)", "Id", "Opportunity: ID"),
        name=("Opportunity Name", "Name", "Opportunity: Opportunity Name"),
        account=("Account Name", "Account.Name", "Account: Account Name"),
        owner=(
            "Opportunity Owner",
            "Owner.Name",
            "Owner Name",
            "Opportunity Owner: Full Name",
            "Owner.Username",
            "Owner.Email",
        ),
        stage=("Stage", "StageName", "Stage Name"),
        amount=("Amount", "Amount (converted)"),
        currency=("Opportunity Currency", "Amount Currency", "CurrencyIsoCode", "Currency"),
        probability=("Probability (%)", "Probability"),
        forecast_category=("Forecast Category", "ForecastCategoryName", "ForecastCategory"),
        close_date=("Close Date", "CloseDate"),
        created=("Created Date", "CreatedDate"),
        next_step=("Next Step", "NextStep"),
        lost_reason=("Loss Reason", "Lost Reason", "Closed Lost Reason", "Reason Lost"),
        archived=("Archived",),
    ),
    _signature(SALESFORCE_SIGNATURE),
    salesforce_ids=True,
)

HUBSPOT = Format(
    "hubspot",
    "HubSpot deals",
    _aliases(
        external_id=("Record ID", "Deal ID", "hs_object_id"),
        name=("Deal Name", "dealname"),
        account=("Associated Company (Primary)", "Associated Company", "Company name"),
        owner=("Deal owner", "hubspot_owner_name"),
        stage=("Deal Stage", "dealstage"),
        amount=("Amount", "Amount in company currency"),
        currency=("Currency", "Deal currency code", "deal_currency_code"),
        probability=("Deal probability", "hs_deal_stage_probability"),
        forecast_category=("Forecast category", "hs_manual_forecast_category"),
        close_date=("Close Date", "closedate"),
        created=("Create Date", "createdate"),
        next_step=("Next step", "hs_next_step"),
        pipeline=("Pipeline",),
        lost_reason=("Closed lost reason", "closed_lost_reason"),
        archived=("Archived",),
    ),
    _signature(HUBSPOT_SIGNATURE),
    probability_is_fraction=True,
)


def _pipedrive(*names: str) -> tuple[str, ...]:
    """Pipedrive prefixes deal columns with `Deal - ` when an export mixes objects."""
    return tuple(f"Deal - {n}" for n in names) + names


PIPEDRIVE = Format(
    "pipedrive",
    "Pipedrive deals",
    _aliases(
        external_id=_pipedrive("ID"),
        name=_pipedrive("Title"),
        account=_pipedrive("Organization", "Organization name"),
        owner=_pipedrive("Owner", "Owner name"),
        stage=_pipedrive("Stage"),
        status=_pipedrive("Status"),
        amount=_pipedrive("Value"),
        currency=_pipedrive("Currency", "Currency of Value"),
        probability=_pipedrive("Probability"),
        close_date=_pipedrive("Expected close date"),
        closed_date=_pipedrive("Won time", "Lost time", "Close time", "Deal closed on"),
        created=_pipedrive("Deal created", "Add time", "Created"),
        pipeline=_pipedrive("Pipeline"),
        lost_reason=_pipedrive("Lost reason"),
        archived=_pipedrive("Archived"),
    ),
    _signature(PIPEDRIVE_SIGNATURE),
)

CSV = Format(
    "csv",
    "CSV",
    _aliases(
        **{f: (f,) for f in ALL_DEAL_FIELDS if f not in ("created", "stage_entered_at")},
        created=("created", "created_at"),
        stage_entered_at=("stage_entered_at",),
    ),
    # Only what `export` writes and no CRM does: `close_date` reads like "Close Date".
    _signature(("external_id", "owner_login", "stage_entered_at", "push_count", "closed_date")),
)

DEAL_FORMATS = {f.name: f for f in (SALESFORCE, HUBSPOT, PIPEDRIVE, CSV)}


@dataclass(frozen=True)
class ColumnMap:
    format: Format
    columns: Mapping_
    header: list[str]
    how: str = ""  # how the format was chosen, said with its label

    def described(self) -> list[tuple[str, list[str]]]:
        return [(f, [self.header[i] for i in cols]) for f, cols in self.columns.items()]

    def unused(self) -> list[str]:
        used = {i for cols in self.columns.values() for i in cols}
        return [name for i, name in enumerate(self.header) if i not in used]


def detect(header: list[str], formats: Mapping[str, Format]) -> Format | None:
    """The format whose signature the header matches best, if any matches at all; else
    `csv` when the headers are the app's own field names."""
    names = {normalise(h) for h in header}
    best: tuple[int, int, Format] | None = None
    for fmt in formats.values():
        strong = len(names & fmt.signature)
        matched = sum(
            1 for aliases in fmt.aliases.values() if names.intersection(map(normalise, aliases))
        )
        if strong >= 1 and matched >= 2 and (best is None or (strong, matched) > best[:2]):
            best = (strong, matched, fmt)
    if best is None and "csv" in formats and own_field_names(header):
        return formats["csv"]
    return best[2] if best else None


def own_field_names(header: list[str]) -> bool:
    """Whether the name, stage and amount columns are spelled as the app's fields."""
    return {"name", "stage", "amount"} <= {h.strip() for h in header}


def recognised_by(header: list[str], fmt: Format) -> str:
    """Why `fmt` was taken for this header, to say beside its name."""
    found = [h for h in header if normalise(h) in fmt.signature]
    if found:
        shown = ", ".join(f"'{h}'" for h in dict.fromkeys(found[:3]))
        return f"recognised by {shown}"
    if own_field_names(header):
        return "its headers are pipeline-tui's field names"
    return ""


def map_columns(
    header: list[str],
    fmt: Format,
    overrides: Mapping[str, str],
    *,
    fields: tuple[str, ...],
    how: str = "",
) -> ColumnMap:
    """Which columns each field reads, from the format's names and then `--map`."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(normalise(name), []).append(index)
    columns: Mapping_ = {}
    for field_name, aliases in fmt.aliases.items():
        found = [i for alias in aliases for i in positions.get(normalise(alias), [])]
        if found:
            columns[field_name] = list(dict.fromkeys(found))
    for field_name, column in overrides.items():
        if field_name not in fields:
            raise FileRejected(
                f"--map: unknown field '{field_name}'; the fields are {', '.join(fields)}"
            )
        if not column:
            columns.pop(field_name, None)
            continue
        named = positions.get(normalise(column))
        if not named:
            raise FileRejected(f"--map {field_name}={column}: {_no_such_column(column, header)}")
        columns[field_name] = named
    return ColumnMap(fmt, {f: columns[f] for f in fields if f in columns}, header, how)


def require(
    mapping: ColumnMap,
    required: tuple[str, ...],
    name: str,
    *,
    known: Mapping[str, Format] | None = None,
) -> None:
    """Refuse a file without the `required` fields, naming for each the column the
    format wanted and, given the `known` formats, the nearest header the file has."""
    missing = [f for f in required if f not in mapping.columns]
    if not missing:
        return
    hints = []
    for field_name in missing:
        usual = mapping.format.aliases.get(field_name)
        parts = [f"usually '{usual[0]}'"] if usual else []
        if known is not None and (near := nearest_header(mapping, field_name, known)):
            parts.append(f"the nearest header is '{near}'")
        hints.append(f"{field_name} ({'; '.join(parts)})" if parts else field_name)
    shown = ", ".join(f"'{h}'" for h in mapping.header[:15])
    more = ", ..." if len(mapping.header) > 15 else ""
    how = f", {mapping.how}" if mapping.how else ""
    other = detect(mapping.header, known) if known else None
    instead = (
        f", or use --format {other.name}: it looks like {other.label}"
        if other is not None and other is not mapping.format
        else ""
    )
    raise FileRejected(
        f"{name} ({mapping.format.label}{how}) is missing the required column"
        f"{'s' if len(missing) > 1 else ''} {', '.join(hints)}. Its columns are {shown}{more}; "
        f"name the right one with --map {missing[0]}=COLUMN{instead}{_one_owner(missing)}"
    )


def _one_owner(missing: Sequence[str]) -> str:
    """A file with no owner column is often one person's pipeline: `--user` says whose."""
    return "; or, if every deal is one person's, give --user LOGIN" if "owner" in missing else ""


def nearest_header(mapping: ColumnMap, field_name: str, known: Mapping[str, Format]) -> str | None:
    """The unused header most like what the field is called: one another format reads it
    from, else the closest spelling of the format's usual name (or the field's own)."""
    unused = mapping.unused()
    by_name = {normalise(h): h for h in unused}
    for fmt in known.values():
        for alias in fmt.aliases.get(field_name, ()):
            if (found := by_name.get(normalise(alias))) is not None:
                return found
    wanted = [normalise(a) for a in mapping.format.aliases.get(field_name, ())[:1]]
    wanted.append(normalise(field_name))
    for target in wanted:
        close = difflib.get_close_matches(target, list(by_name), n=1, cutoff=0.5)
        if close:
            return by_name[close[0]]
    return None


def unknown_layout(name: str, header: list[str], fields: tuple[str, ...]) -> FileRejected:
    shown = ", ".join(f"'{h}'" for h in header[:12])
    more = ", ..." if len(header) > 12 else ""
    return FileRejected(
        f"{name} is not a layout pipeline-tui knows (columns {shown}{more}). Pick one with "
        f"--format, or map the columns with --map FIELD=COLUMN,... (fields: {', '.join(fields)})"
    )


def _no_such_column(column: str, header: list[str]) -> str:
    close = difflib.get_close_matches(column, header, n=3, cutoff=0.5)
    if close:
        return f"no column '{column}'; did you mean {', '.join(repr(c) for c in close)}?"
    shown = ", ".join(repr(h) for h in header[:15])
    return f"no column '{column}'; the columns are {shown}"
