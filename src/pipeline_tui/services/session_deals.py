"""The session's door for adding deals by hand (`N` in the app).

The new deal is the person's own: the policy's rule for adding deals for someone
(`check_deal(..., adding=True)`) is asked with themselves, which lets reps, managers and
admins add and leaves a viewer out.
"""

from __future__ import annotations

from ..errors import PermissionDenied
from ..models import ChangeSource
from .deal_draft import DealDraft
from .deals import DealFilter, deal_position
from .new_deals import CreatedDeal, account_names, create_deal
from .session_base import SessionBase
from .writes import EditResult, FieldChange


class DealsDoor(SessionBase):
    def may_add_deals(self) -> str | None:
        """Why this person can't add deals (for the UI to say before asking anything), or
        None."""
        policy = self.policy
        if policy.read_only:
            return f"{self.me.display_name} is a {policy.role}: viewers read, they don't add deals"
        return None

    def add_deal(self, draft: DealDraft) -> CreatedDeal:
        """Adds `draft` as this person's deal, in the org's currency unless the draft
        brings one; the change log says who added it and when. Undo archives it."""
        self._writable()
        why = self.may_add_deals()
        if why is not None:
            raise PermissionDenied(why)
        self.policy.check_deal(self.me.id, adding=True)
        created = self.run(
            lambda: create_deal(
                self.engine,
                draft,
                owner_id=self.me.id,
                user_id=self.me.id,
                currency=self.settings.currency,
                source=ChangeSource.TUI,
            )
        )
        # Nothing is ever deleted, so undoing a new deal archives it: to the undo stack
        # the deal came out of the archive (and redo brings it back).
        self.undo_stack.push(EditResult(created.deal, [FieldChange("archived", True, False)]))
        return created

    def account_names(self) -> list[str]:
        """Every account's name: what the new-deal prompt completes from."""
        return self.run(lambda: account_names(self.engine))

    def position(self, flt: DealFilter, deal_id: int, *, sort: str, descending: bool) -> int | None:
        """Where the deal stands among those `flt` lists in this order (None: not among
        them), for a screen to page to it."""
        flt = self.seen(flt)
        return self.run(
            lambda: deal_position(self.engine, flt, deal_id, sort=sort, descending=descending)
        )
