"""What an imported cell may not bring in: control characters reject the row, invisible
reordering and zero-width characters are removed.

A control character (C0 but tab and line ends, DEL, C1: ESC, BEL, NUL, CSI, ...) has no
business in a CRM field and, written to a terminal, clears the screen, sets its title or
reaches the clipboard (OSC 52); NUL can't even be stored in PostgreSQL. Such a row is
rejected, with a message naming the line, the column and the character (escaped, never
raw). Bidi marks, embeddings, overrides and isolates, zero-width spaces, word joiners and
stray byte order marks only change how a name looks (or make two equal-looking names
differ), so they are removed and the row is imported with a warning. Which characters
these are is defined once, in `pipeline_tui.display`.
"""

from __future__ import annotations

import re
import unicodedata

from ..display import CONTROL_CHARS, INVISIBLE_CHARS, clean, escaped
from .model import FileRejected, Problem, Severity

_SUSPECT = re.compile(f"{CONTROL_CHARS.pattern}|{INVISIBLE_CHARS.pattern}")
_C0_NAMES = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
    "ESC", "FS", "GS", "RS", "US",
)  # fmt: skip
_C1_NAMES = {0x7F: "DEL", 0x85: "NEL", 0x90: "DCS", 0x9B: "CSI", 0x9C: "ST", 0x9D: "OSC"}
SHOW_CHARS = 3
REJECTED = "a row with control characters is rejected; remove them from the file"
REMOVED = "was removed; the rest of the value is imported"


def char_name(char: str) -> str:
    """`\\x1b (ESC)`, `\\u202e (RIGHT-TO-LEFT OVERRIDE)`: how a message names a character."""
    code = ord(char)
    if code < 0x20:
        name = _C0_NAMES[code]
    elif code in _C1_NAMES:
        name = _C1_NAMES[code]
    elif code < 0xA0:
        name = "C1 control"
    else:
        name = unicodedata.name(char, "format character")
    return f"{escaped(char)} ({name})"


def _listed(chars: list[str]) -> str:
    distinct = list(dict.fromkeys(chars))
    shown = ", ".join(char_name(c) for c in distinct[:SHOW_CHARS])
    return shown + (", ..." if len(distinct) > SHOW_CHARS else "")


def screen_cells(line: int, header: list[str], cells: list[str]) -> tuple[list[str], list[Problem]]:
    """`cells` with invisible characters removed, and a problem per cell that had any:
    an error (the row is rejected) for control characters, else a warning."""
    if _SUSPECT.search("".join(cells)) is None:
        return cells, []
    kept: list[str] = []
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        column = header[index] if index < len(header) else f"(column {index + 1})"
        controls = CONTROL_CHARS.findall(cell)
        if controls:
            plural = "s" * (len(set(controls)) > 1)
            reason = f"has the control character{plural} {_listed(controls)}; {REJECTED}"
            problems.append(Problem(line, column, clean(cell), reason))
        invisible = INVISIBLE_CHARS.findall(cell)
        if invisible:
            cell = INVISIBLE_CHARS.sub("", cell)
            if not controls:
                plural = "s" * (len(set(invisible)) > 1)
                reason = f"the invisible character{plural} {_listed(invisible)} {REMOVED}"
                problems.append(Problem(line, column, clean(cell), reason, Severity.WARNING))
        kept.append(cell)
    return kept, problems


def screen_header(name: str, header: list[str]) -> list[str]:
    """The header without invisible characters; a control character refuses the file."""
    names = []
    for position, cell in enumerate(header, start=1):
        controls = CONTROL_CHARS.findall(cell)
        if controls:
            raise FileRejected(
                f"{name}: the header's column {position} has the control character "
                f"{_listed(controls)}; is this really a CRM export?"
            )
        names.append(INVISIBLE_CHARS.sub("", cell))
    return names
