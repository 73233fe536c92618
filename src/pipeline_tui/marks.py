"""What every mark on a deal card or row means: the one list help, the legend line, the
table and the README are written from.

Inspection flags are computed in SQL (`query/flags.py`) as one bitmask per deal; a flag's
bit is its place in `FLAGS`. Their thresholds are settings, so the words that name them
take the numbers in force (`flag_words`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    key: str
    mark: str  # one character, distinct from every other mark on a card
    words: str  # what it means; {push}, {stale} are the settings in force

    @property
    def bit(self) -> int:
        return 1 << FLAGS.index(self)


# In the order they are drawn: the ones a manager asks about first come first.
FLAGS: tuple[Flag, ...] = (
    Flag("overdue", "!", "close date in the past"),
    Flag("pushed", "»", "close date pushed {push}+ times"),
    Flag("amount_cut", "↓", "amount cut since the last review"),
    Flag("category_down", "▾", "category moved down since the last review"),
    Flag("stuck", "∞", "longer in its stage than the stage's day limit"),
    Flag("no_next_step", "∅", "no next step"),
    Flag("stale", "z", "no change for {stale}+ days"),
)
FLAG_BY_KEY = {f.key: f for f in FLAGS}

# The other marks on a card, as the board draws them (ui/widgets/board.py).
CATEGORY_MARKS: tuple[tuple[str, str], ...] = (
    ("C", "commit"),
    ("B", "best case"),
    ("P", "pipeline"),
    ("O", "omitted"),
    ("W", "closed"),
)
OTHER_MARKS: tuple[tuple[str, str], ...] = (
    ("↻3", "close date pushed into a later quarter 3 times in all"),
    ("no close date", "(in red) the deal has none; a close date in red is in the past"),
    ("…", "cut to fit the column; enter shows all of it"),
    ("5–12 of 40", "(column title) the cards on screen, of the stage's deals"),
)


def flags_of(bits: int) -> list[Flag]:
    return [f for f in FLAGS if bits & f.bit]


def flag_marks(bits: int) -> str:
    """The marks of these flags, in `FLAGS` order ("" for none)."""
    return "".join(f.mark for f in flags_of(bits))


def flag_words(flag: Flag, *, push: int = 2, stale: int = 30) -> str:
    return flag.words.format(push=push, stale=stale)


def legend_entries(*, push: int = 2, stale: int = 30) -> list[tuple[str, str]]:
    """Every mark on a card with what it means, in reading order."""
    entries = [(mark, words) for mark, words in CATEGORY_MARKS]
    entries += [(f.mark, flag_words(f, push=push, stale=stale)) for f in FLAGS]
    entries += list(OTHER_MARKS)
    return entries


# The legend line's words: it has to fit one line at 160 columns.
SHORT_WORDS = {
    "overdue": "overdue",
    "pushed": "pushed {push}+",
    "amount_cut": "amount cut",
    "category_down": "category down",
    "stuck": "stuck",
    "no_next_step": "no next step",
    "stale": "idle {stale}d+",
}
