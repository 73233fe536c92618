"""What the review functions raise; every message is written to be shown as it is."""

from __future__ import annotations

from ..errors import ConflictError, InputError, NotFoundError


class ReviewError(InputError):
    """A request about a review that was refused before anything was written."""


class ReviewNotFoundError(ReviewError, NotFoundError):
    def __init__(self, review_id: int) -> None:
        self.review_id = review_id
        super().__init__(f"There is no review with id {review_id}.")


class ReviewConflict(ReviewError, ConflictError):
    """The deal or its judgment changed since the caller read it; nothing was written.

    A `ReviewError` too, so a screen that shows review errors shows this one as well."""
