"""CSV cells a spreadsheet would run as a formula, made inert on export and restored on import.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`), so a deal
named like that could run something on whoever opens the export. The export writes such a
cell with a `'` in front (the OWASP advice), which a spreadsheet shows as text. So that
the prefix can be told from a real apostrophe, a cell that itself starts with `'` gets one
too: the export writes `'=1+1` for `=1+1` and `''quoted` for `'quoted`.

Importing a file that is one of our own exports (its header is exactly an export's)
removes exactly that one `'` again, so an export imported back gives the original text.
Any other file is taken as it is. Amounts and probabilities are never negative here,
so no number is ever prefixed.
"""

from __future__ import annotations

from collections.abc import Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"
_PREFIXED = (*FORMULA_STARTS, PREFIX)


def neutralise(text: str) -> str:
    """`text` as an export writes it to CSV: inert in a spreadsheet, and reversible."""
    return PREFIX + text if text.startswith(_PREFIXED) else text


def restore(text: str) -> str:
    """The text `neutralise` was given (for what it wrote; anything else is left alone)."""
    if text.startswith(PREFIX) and text[1:].startswith(_PREFIXED):
        return text[1:]
    return text


def is_export(header: Sequence[str], fields: Sequence[str]) -> bool:
    """Whether a file with this header is an export of these fields (CSV only)."""
    return list(header) == list(fields)


def restore_rows(rows: list[tuple[int, list[str]]]) -> None:
    """Every cell of an export's rows, in place, as it was before the export."""
    for _, cells in rows:
        if any(cell.startswith(PREFIX) for cell in cells):
            cells[:] = [restore(cell) for cell in cells]
