"""The session's roles: who is acting, what they may change and see, and the people an
admin changes (`services.permissions` is the policy; this is where the session asks it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..errors import PermissionDenied
from ..org import OrgChart, Person
from ..query import Scope, load_org
from .cards import deal_owner
from .deals import DealCard
from .identity import acting_person
from .permissions import Policy
from .session_base import SessionBase
from .users import PersonRow, add_user, list_users, set_active, set_manager, set_role


class PeopleDoor(SessionBase):
    @property
    def policy(self) -> Policy:
        """What this person may do: every write of the session asks it first."""
        policy = self.acting_policy()
        if policy is None:  # nobody to be yet: a database being set up
            raise PermissionDenied("There are no people yet: add the first one with `users add`")
        return policy

    def acting_policy(self) -> Policy | None:
        """The policy of whoever acts; None on a database with no people yet (whoever
        sets it up may write). A command run by someone who isn't a person here is
        refused, saying how to be added."""
        # Asked again each time: a deactivated person is refused, with how to come back.
        me = acting_person(self.org, self.person, self.login)
        if me is None:
            return None
        return Policy(me, self.org, self.settings.reps_own_team_only)

    def owner_of(self, deal_id: int) -> int:
        """Who owns the deal now (the rule for changing it is about its owner)."""
        return self.run(lambda: deal_owner(self.engine, deal_id))

    def may_edit(self, card: DealCard) -> str | None:
        """Why this person can't change `card` (for the UI to say before a key is
        pressed), or None. The session checks again on every write; a read-only file
        is the session's to say, naming every edit it couldn't save."""
        if self.policy.may_change_deals_of(card.owner_id):
            return None
        owner = self.org.people.get(card.owner_id)
        return f"read-only: {owner.display_name if owner else 'someone else'}'s deal"

    def may_step(self, deal_id: int | None) -> None:
        """Undo and redo write to the deal again: only while this person may still change
        it (a role taken away since, or the deal given to someone else, stops it)."""
        if deal_id is not None:
            self.policy.check_deal(self.owner_of(deal_id))

    def seen(self, scope: Scope) -> Scope:
        """`scope` narrowed to whose deals this person may see (the settings may keep
        reps to their own team); unchanged for everyone else."""
        if self.person is None or not self.settings.reps_own_team_only:
            return scope
        visible = self.policy.visible_owners()
        if visible is None:
            return scope
        owners = visible if scope.owner_ids is None else scope.owner_ids & visible
        return replace(scope, owner_ids=owners)

    def may_see(self, deal_id: int) -> None:
        if self.person is None or not self.settings.reps_own_team_only:
            return
        visible = self.policy.visible_owners()
        if visible is not None and (owner := self.owner_of(deal_id)) not in visible:
            who = self.org.people.get(owner)
            raise PermissionDenied(
                f"Reps see only their own team's deals here (a setting): this one is "
                f"{who.display_name if who else 'someone else'}'s"
            )

    # -- people (an admin's) ------------------------------------------------------------

    def people(self) -> list[PersonRow]:
        return self.run(lambda: list_users(self.engine))

    def add_person(
        self,
        login: str,
        name: str,
        *,
        role: str = "rep",
        manager: str | None = None,
        team: str | None = None,
        email: str | None = None,
    ) -> PersonRow:
        """Adds a person (an admin's; on a database with no people, the first, who
        becomes its admin)."""
        policy = self.acting_policy()
        return self._people_change(
            lambda: add_user(
                self.engine,
                policy,
                login,
                name,
                role=role,
                manager=manager,
                team=team,
                email=email,
            )
        )

    def set_role(self, login: str, role: str) -> PersonRow:
        policy = self.acting_policy()
        return self._people_change(lambda: set_role(self.engine, policy, login, role))

    def set_manager(self, login: str, manager: str) -> PersonRow:
        policy = self.acting_policy()
        return self._people_change(lambda: set_manager(self.engine, policy, login, manager))

    def set_active(self, login: str, active: bool) -> PersonRow:
        policy = self.acting_policy()
        return self._people_change(lambda: set_active(self.engine, policy, login, active))

    def _people_change(self, change: Callable[[], PersonRow]) -> PersonRow:
        """A change to the people (checked by `services.users`), then the org chart and
        this person re-read: teams, and so what everyone may change, follow at once."""
        self._writable()
        row = self.run(change)

        def load() -> OrgChart:
            with self.engine.connect() as conn:
                return load_org(conn)

        self.org = self.run(load)
        if self.person is not None:
            self.person = self.org.people.get(self.person.id, self.person)
        return row


__all__ = ["PeopleDoor", "Person", "PersonRow"]
