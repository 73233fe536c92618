"""A small pipeline whose every text field holds markup, escape sequences or bidi overrides.

The rows are written with plain placeholders through the normal services (so the review,
its judgment and action item are consistent), then the text columns are overwritten in
SQL: data can reach the database from an old version, a direct import or another tool,
and what the app shows must not depend on how it got there.
"""

from __future__ import annotations

import csv
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, text

from pipeline_tui.periods import quarter_containing
from pipeline_tui.reviews import ReviewScope, add_action_item, record_judgment, start_review
from pipeline_tui.storage import make_engine, upgrade

from .factories import Builder

TODAY = date(2026, 11, 26)
CLOSE = date(2026, 12, 15)

HOSTILE = [
    "[@click=app.quit]x[/]",
    "[@click=screen.probability(9)]y[/]",
    "[link=https://example.com]z[/link]",
    "[/]",
    "[b",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x9b31m",
    "\x00",
    "\u202e",
]
# Extra hostile texts for the fields that have room for more than one (hypothesis-style
# mixtures: markup around escapes, a tag cut in half, a lone backslash before a tag).
MIXED = [
    "\\[@click=app.quit]w[/]",
    "[on red][@click=app.bell]v[/][/on red]",
    "n\x1b[31m[red]o[/red]\x07",
    "tab\there\nline\u2066iso\u2069",
]
MANAGER = "vp"


def login(i: int) -> str:
    # Logins double as `@owner` in prompts and as palette help: hostile too, but unique.
    return f"{HOSTILE[i % len(HOSTILE)]}{HOSTILE[(i + 5) % len(HOSTILE)]}{i}"


def unsafe_chars(text: str) -> list[str]:
    """Every character that must never reach a terminal from data: C0 but newline, DEL, C1,
    and the bidi controls."""
    bad = []
    for char in text:
        code = ord(char)
        if char == "\n":
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F or unicodedata.bidirectional(char) in {
            "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI",
        }:  # fmt: skip
            bad.append(char)
    return bad


def seed_hostile(path: Path) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    vp = b.user(MANAGER, role="manager")
    reps = [b.user(f"rep{i}", manager=vp) for i in range(4)]
    names = [*HOSTILE, *MIXED]
    deal_ids = []
    for i, _ in enumerate(names):
        stage = ["Qualify", "Propose", "Negotiate"][i % 3]
        category = ["commit", "best_case", "pipeline"][i % 3]
        deal = b.deal(reps[i % 4], stage, str(10_000 + 1_000 * i), CLOSE, category=category)
        deal_ids.append(deal.id)
    lost = b.deal(reps[0], "Lost", "5000", date(2026, 11, 20), name="lost")
    b.commit()
    period = quarter_containing(TODAY, 1)
    state = start_review(
        engine,
        started_by=vp.id,  # type: ignore[arg-type]
        scope=ReviewScope(vp.id, True, b.pipeline.id),
        period=period,
        today=TODAY,
    )
    first = state.items[0].deal_id
    with engine.connect() as conn:
        version = conn.execute(
            text("SELECT version FROM deal WHERE id = :i"), {"i": first}
        ).scalar_one()
    record_judgment(
        engine,
        state.id,
        first,
        vp.id,
        "commit",
        Decimal(1000),
        "note",  # type: ignore[arg-type]
        expected_version=version,
        expected_judgment_id=None,
    )
    add_action_item(
        engine,
        state.id,
        first,
        "action",
        reps[0].id,
        CLOSE,
        vp.id,  # type: ignore[arg-type]
        expected_version=version,
    )
    _make_hostile(engine, names, deal_ids, lost.id, b)  # type: ignore[arg-type]
    engine.dispose()
    return path


def _make_hostile(
    engine: Engine, names: list[str], deal_ids: list[int], lost_id: int, b: Builder
) -> None:
    with engine.begin() as conn:

        def run(sql: str, **params: object) -> None:
            conn.execute(text(sql), params)

        run("UPDATE pipeline SET name = :n", n=HOSTILE[0])
        for i, stage in enumerate(["Qualify", "Propose", "Negotiate", "Lost"]):
            name = HOSTILE[i + 1] + HOSTILE[i + 6]  # markup and an escape in one
            run("UPDATE stage SET name = :n WHERE id = :id", n=name, id=b.stages[stage].id)
        run("UPDATE account SET name = :n", n=HOSTILE[5])
        rows = conn.execute(text("SELECT id, login FROM user ORDER BY id")).all()
        for i, (user_id, old) in enumerate(rows):
            shown = names[(i + 6) % len(names)] + f" {i}"
            new_login = old if old == MANAGER else login(i)
            run(
                "UPDATE user SET display_name = :d, login = :l WHERE id = :id",
                d=shown,
                l=new_login,
                id=user_id,
            )
        for i, deal_id in enumerate(deal_ids):
            run(
                "UPDATE deal SET name = :n, next_step = :s WHERE id = :id",
                n=names[i],
                s=names[(i + 3) % len(names)],
                id=deal_id,
            )
            run(
                "INSERT INTO note (deal_id, author_id, text, created_at, kind, done) "
                "VALUES (:d, NULL, :t, '2026-11-20 10:00:00', 'note', 0)",
                d=deal_id,
                t=f"{names[(i + 1) % len(names)]}\nsecond line {names[(i + 2) % len(names)]}",
            )
            run(
                "INSERT INTO deal_change (deal_id, field, old_value, new_value, changed_by_id, "
                "changed_at, source) VALUES (:d, 'next_step', :o, :n, NULL, "
                "'2026-11-20 10:00:00', :src)",
                d=deal_id,
                o=names[(i + 4) % len(names)],
                n=names[(i + 5) % len(names)],
                src="tui",
            )
        run(
            "UPDATE deal SET lost_reason = :r, next_step = :s WHERE id = :id",
            r=HOSTILE[6],
            s=HOSTILE[7],
            id=lost_id,
        )
        run("UPDATE judgment SET note = :n", n=HOSTILE[8] + HOSTILE[0])
        run("UPDATE note SET text = :t WHERE kind != 'note'", t=HOSTILE[1] + HOSTILE[9])


def fingerprint(engine: Engine) -> tuple[object, ...]:
    """Everything a stray action could write: deals and their versions, the change log,
    notes, judgments, reviews and their items."""
    with engine.connect() as conn:
        return tuple(
            tuple(tuple(r) for r in conn.execute(text(sql)).all())
            for sql in (
                "SELECT * FROM deal ORDER BY id",
                "SELECT COUNT(*) FROM deal_change",
                "SELECT id, text, kind, done FROM note ORDER BY id",
                "SELECT id, category, amount_minor, note FROM judgment ORDER BY id",
                "SELECT id, status, current_index FROM review ORDER BY id",
                "SELECT id, status FROM review_item ORDER BY id",
            )
        )


def hostile_csv(path: Path) -> Path:
    """Hostile names, accounts, stages and next steps, with enough plain rows after them that
    the reader takes the file for text (it refuses files thick with control characters)."""
    names = [n.replace("\x00", "nul") for n in [*HOSTILE, *MIXED]]  # NUL ends a CSV field
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        header = ["Id", "Name", "Account.Name", "Owner.Name", "StageName", "Amount"]
        writer.writerow([*header, "CloseDate", "NextStep", "CurrencyIsoCode"])
        close = "2026-12-01"
        for i, name in enumerate(names):
            next_step = names[-i - 1]
            writer.writerow(
                [f"H{i}", name, f"{name} co", name, name, "1000", close, next_step, "USD"]
            )
        for i in range(150):
            plain = [f"P{i}", f"Plain {i}", "Plain co", "Vp", "Qualify", "1000", close, "", "USD"]
            writer.writerow(plain)
    return path
