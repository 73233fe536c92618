"""Data as display text: the one way anything typed or imported reaches a screen.

Names, notes, stages and every other string that came from a person or a file are shown
literally. They are never parsed as Rich or Textual markup (a deal named `[@click=app.quit]`
is just a name), and their control characters (ESC, BEL, C1 codes, bidi overrides) are
never written to the terminal: each is replaced by a visible stand-in, so a name that
carries an escape sequence looks odd instead of clearing the screen or setting the title.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Literal

from rich.text import Text

Justify = Literal["default", "left", "center", "right", "full"]

# C0 (but tab and line ends, handled below), DEL and C1: what a terminal acts on.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# The bidi marks, embeddings, overrides and isolates that reorder what follows them (the
# "Trojan Source" characters).
_REORDERING = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\r{_CONTROLS}{_REORDERING}\u2028\u2029]")
# What an import refuses (a row with one is rejected) and what it removes: the reordering
# characters and the zero-width ones that make two equal-looking names differ.
CONTROL_CHARS = re.compile(f"[{_CONTROLS}]")
INVISIBLE_CHARS = re.compile(f"[{_REORDERING}\u200b\u2060\ufeff]")
_REPLACEMENT = "\ufffd"


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def clean(value: object, *, multiline: bool = False) -> str:
    """`value` as plain text that is safe to write to a terminal.

    One-line text (the default) has its line breaks and tabs turned into spaces; multi-line
    text (notes) keeps newlines and turns tabs into spaces.
    """
    text = "" if value is None else str(value)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    text = text.replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    return _UNSAFE.sub(_stand_in, text)


def escaped(char: str) -> str:
    """One character as a Python-style escape (`\\x1b`, `\\u202e`): never the raw character."""
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def display_text(
    value: object, style: str = "", *, multiline: bool = False, justify: Justify | None = None
) -> Text:
    """`value` as a Rich `Text`: literal (never markup), cleaned, optionally styled.

    Use it for every table cell, label, status line and notification that holds data: a
    plain `str` handed to a Textual widget or a Rich table is parsed as markup.
    """
    return Text(clean(value, multiline=multiline), style=style, justify=justify)


def markup_literal(value: object) -> str:
    """`value` cleaned and escaped so that Textual content markup shows it literally.

    Only for the few APIs that accept nothing but a markup string (the command palette's
    titles and help). Textual's markup takes `\\[` as a literal bracket and leaves every
    other backslash alone, so escaping each `[` is enough to make any tag inert.
    """
    return clean(value).replace("[", "\\[")


# Markdown punctuation that means something inside a line: emphasis, links, images, code,
# HTML, entities, table cells.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>&|~])")
# What makes a line a heading, list item, rule or setext underline when it starts one
# (`# x`, `- x`, `+ x`, `1. x`, `---`, `===`): a table cell or a heading's text never
# starts a line, but data that did would change the document's shape, so these are
# escaped too. Money (`-$5`, `+$27,000`) starts no block and is left as it is.
_BLOCK_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|[-+](?=\s|$)|[-=](?=[-=\s]*$))")
_ORDERED_ITEM = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")
# A run of `#` at the end of a heading is its closing sequence, which Markdown drops.
_CLOSING_HASHES = re.compile(r"(\s)(#+\s*)$")


def markdown_literal(value: object) -> str:
    """`value` cleaned and backslash-escaped so that Markdown shows it as typed: a deal named
    `[x](https://evil)` is text in a summary, never a link; `# x` is never a heading."""
    text = _MARKDOWN.sub(r"\\\1", clean(value))
    text = _BLOCK_START.sub(r"\1\\\2", text)
    text = _ORDERED_ITEM.sub(r"\1\\\2", text)
    return _CLOSING_HASHES.sub(r"\1\\\2", text)


def markdown_row(*cells: object) -> str:
    """One row of a Markdown table, each cell data shown literally (`None` is empty): a
    `|`, a line break or markup in a name never makes another cell, row or link."""
    return "| " + " | ".join(markdown_literal(cell) for cell in cells) + " |"


def markdown_header(columns: Sequence[str], right: Collection[str] = ()) -> list[str]:
    """A Markdown table's header and separator lines; the columns named in `right` are
    right-aligned (figures). Column names are the program's own words, written as given."""
    separator = "|" + "|".join("---:" if c in right else "---" for c in columns) + "|"
    return ["| " + " | ".join(columns) + " |", separator]


# A number is a number to a spreadsheet, never a formula, even with a sign (a negative gap).
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


def csv_of(rows: Iterable[Mapping[str, object]], fields: Sequence[str]) -> str:
    """`rows` as CSV with a header of `fields`, one line a row: the one writer behind every
    report's `--format csv`. A cell is cleaned (a report is read on a terminal as often as
    in a spreadsheet; `None` and a missing field are empty), and text a spreadsheet would
    run as a formula (`=1+1`, `@SUM(A1)`, `-2+3`) gets a `'` in front, as an export's does."""
    # Imported here: the importing package imports this module.
    from .importing.formula import neutralise

    def cell(value: object) -> str:
        text = clean(value)
        return text if _NUMBER.fullmatch(text) else neutralise(text)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([cell(row.get(field)) for field in fields])
    return out.getvalue()


def join(*parts: Text | str) -> Text:
    """Parts joined into one `Text`; plain `str` parts are data and are cleaned, not parsed."""
    text = Text()
    for part in parts:
        text.append(part if isinstance(part, Text) else clean(part))
    return text
