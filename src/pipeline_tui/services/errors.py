"""What the services raise; every message is written to be shown to the user as it is."""

from __future__ import annotations

from ..errors import ConflictError, InputError, NotFoundError


class EditError(InputError):
    """An edit that was refused before anything was written."""


class StaleDealError(EditError, ConflictError):
    """The deal's version moved on since the caller read it; nothing was written.

    A subclass of `EditError` so a UI that only shows edit errors still shows this one,
    while one that wants to reload the deal can catch it first.
    """

    def __init__(self, deal_id: int, message: str | None = None) -> None:
        self.deal_id = deal_id
        super().__init__(
            message
            or "This deal was changed by someone else; your change was not saved "
            "and the deal has been reloaded."
        )


class DealNotFoundError(EditError, NotFoundError):
    """No deal has this id (a bad id is bad input to an edit and a failed lookup to a read)."""

    def __init__(self, deal_id: int) -> None:
        self.deal_id = deal_id
        super().__init__(f"There is no deal with id {deal_id}.")
