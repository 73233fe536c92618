"""What the board shows between a key and the read that confirms it.

The screen keeps what it last read (the header, the stage totals, the cards: the base),
the cards as this session's writes since left them (`EditResult`), and the edits typed
but not written yet. What it shows is always worked out from those three: each deal is
its latest known card with its waiting edits predicted on top (by the edits' own rules,
`services.predict`), and the header and the totals are the base shifted by each touched
deal's difference from its base card. So an edit shows in the frame its key lands in,
a burst shows every key in order, and a refused or failed edit simply drops out: the
deal and the figures go back to what the writes that did land left.

When the edits have all landed the screen reads the touched deals, their stages' totals
and the header again (one single-row aggregate, the one `report` uses) and that read
becomes the base: the figures on screen are then the database's, never a running sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..forecast.metrics import ForecastFigures
from ..periods import Period
from ..services.deals import DealCard, StageColumn
from ..services.edit_types import Edit
from ..services.predict import predict, shift_column, shift_figures


@dataclass
class Optimism:
    figures: ForecastFigures | None = None
    columns: dict[int, StageColumn] = field(default_factory=dict)
    cards: dict[int, DealCard] = field(default_factory=dict)
    # Cards as this session's writes left them since the base was read.
    written: dict[int, DealCard] = field(default_factory=dict)
    # Edits typed and not written yet, in order: key -> (deal id, edit).
    waiting: dict[int, tuple[int, Edit]] = field(default_factory=dict)
    # Counts the writes that landed: a read begun before one is older than the screen.
    writes: int = 0

    # The base ---------------------------------------------------------------------------
    def based_on(
        self, figures: ForecastFigures, columns: list[StageColumn], cards: list[DealCard]
    ) -> None:
        """A whole board was read: it is the base, with this session's writes in it."""
        self.figures = figures
        self.columns = {c.stage_id: c for c in columns}
        self.cards = {c.id: c for c in cards}
        self.written.clear()

    def read_again(
        self,
        figures: ForecastFigures,
        columns: list[StageColumn],
        cards: dict[int, DealCard],
        gone: set[int],
    ) -> None:
        """Part of the board was read again (after every write it counted): the header,
        some totals, some deals (`gone`: those no longer on the board)."""
        self.figures = figures
        self.columns.update({c.stage_id: c for c in columns})
        self.cards.update(cards)
        for deal_id in gone:
            self.cards.pop(deal_id, None)
        self.written.clear()

    def add_cards(self, cards: list[DealCard]) -> None:
        """A page arrived: its cards join the base (totals are the board's already)."""
        for card in cards:
            self.cards.setdefault(card.id, card)

    # Edits ------------------------------------------------------------------------------
    def typed(self, key: int, deal_id: int, edit: Edit) -> None:
        self.waiting[key] = (deal_id, edit)

    def landed(self, key: int, card: DealCard | None) -> None:
        """The edit `key` was written (`card`: the deal as it left it) or dropped (None)."""
        self.waiting.pop(key, None)
        if card is not None:
            # A write's card comes without its inspection flags; until the read brings
            # them (by the flag rules), it keeps those it was shown with.
            shown = self.written.get(card.id) or self.cards.get(card.id)
            if shown is not None and not card.flags:
                card = replace(card, flags=shown.flags)
            self.written[card.id] = card
            self.writes += 1

    @property
    def touched(self) -> set[int]:
        return set(self.written) | {deal_id for deal_id, _ in self.waiting.values()}

    # What shows -------------------------------------------------------------------------
    def card(self, deal_id: int) -> DealCard | None:
        """The deal as it will be once its waiting edits are written."""
        card = self.written.get(deal_id) or self.cards.get(deal_id)
        if card is None:
            return None
        stages = list(self.columns.values())
        for target, edit in self.waiting.values():
            if target != deal_id:
                continue
            predicted = predict(card, edit, stages)
            if predicted is None:  # its write will say what happens to it
                break
            card = predicted
        return card

    def shown_figures(self, period: Period, currency: str) -> ForecastFigures | None:
        """The header: the base moved by every touched deal; None when one can't be
        worked out here (a deal the base doesn't hold, another currency)."""
        figures = self.figures
        for deal_id in self.touched:
            before, after = self.cards.get(deal_id), self.card(deal_id)
            if figures is None or before is None or after is None:
                return None
            figures = shift_figures(figures, before, after, period=period, currency=currency)
        return figures

    def shown_column(self, stage_id: int, currency: str) -> StageColumn | None:
        column = self.columns.get(stage_id)
        for deal_id in self.touched:
            before, after = self.cards.get(deal_id), self.card(deal_id)
            if column is None or before is None:
                return None
            column = shift_column(column, before, after, currency)
        return column

    def stages_of(self, deal_id: int) -> set[int]:
        """The stages the deal is in: as read, as written, as predicted."""
        cards = (self.cards.get(deal_id), self.written.get(deal_id), self.card(deal_id))
        return {c.stage_id for c in cards if c is not None}
