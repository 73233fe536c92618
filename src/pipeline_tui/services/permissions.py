"""Who may change what: the one policy every write of the session asks.

Roles (`models.Role`):
- `rep` changes the rep's fields of the deals they own, adds deals for themselves and
  submits their own forecast call;
- `manager` may do the same for everyone below them (their subtree), and also makes
  manager judgments, adds action items and runs reviews for their team;
- `admin` may do everything, including people, quotas, stages, pipelines, settings and
  rates;
- `viewer` only reads.

A refusal is a `PermissionDenied` whose one line says who may do it, so the person knows
whom to ask. Nothing here writes; the session (`services/workspace.py`) calls a check
before each write, inside the same operation, so a refused change writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import PermissionDenied
from ..models import Role
from ..org import OrgChart, Person

# What only an admin may change, in the words a refusal uses.
ADMIN_THINGS = {
    "people": "change people",
    "import-people": "import people",
    "quotas": "change quotas",
    "import-quotas": "import quotas",
    "stages": "add or change stages",
    "pipelines": "add or change pipelines",
    "settings": "change the settings",
    "rates": "change exchange rates",
    "process": "accept a change to the sales process",
}


@dataclass(frozen=True)
class Policy:
    """What `me` may do in `org`. `reps_own_team_only` is the setting that keeps reps'
    reads to their own team."""

    me: Person
    org: OrgChart
    reps_own_team_only: bool = False

    @property
    def role(self) -> str:
        return self.me.role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def read_only(self) -> bool:
        return self.role == Role.VIEWER.value or not self.me.active

    # -- deals -------------------------------------------------------------------------

    def may_change_deals_of(self, owner_id: int) -> bool:
        """The rep's fields of a deal owned by `owner_id`; adding a deal for them."""
        if self.read_only:
            return False
        if self.is_admin:
            return True
        if self.role == Role.MANAGER.value:
            return owner_id in self.org.subtree(self.me.id)
        return owner_id == self.me.id

    def check_deal(self, owner_id: int, *, adding: bool = False) -> None:
        if not self.may_change_deals_of(owner_id):
            verb = "add deals for" if adding else "change"
            raise PermissionDenied(self._only(owner_id, verb, deals=not adding))

    def check_deals(self, owner_ids: Iterable[int], *, adding: bool = False) -> None:
        for owner_id in sorted(set(owner_ids)):
            self.check_deal(owner_id, adding=adding)

    def check_call(self, owner_id: int) -> None:
        """A forecast call for `owner_id` (a rep submits their own)."""
        if self.role == Role.VIEWER.value:
            raise PermissionDenied(f"{self._me()} is a viewer: viewers make no forecast calls")
        if not self.may_change_deals_of(owner_id):
            raise PermissionDenied(self._only(owner_id, "submit the forecast call of", deals=False))

    # -- manager's work ----------------------------------------------------------------

    def may_manage(self, owner_id: int) -> bool:
        """Judgments, action items and reviews about `owner_id`'s deals."""
        if self.read_only:
            return False
        if self.is_admin:
            return True
        return self.role == Role.MANAGER.value and owner_id in self.org.subtree(self.me.id)

    def check_judgment(self, owner_id: int) -> None:
        if not self.may_manage(owner_id):
            raise PermissionDenied(self._managers_only(owner_id, "judge"))

    def check_action_item(self, owner_id: int) -> None:
        if not self.may_manage(owner_id):
            raise PermissionDenied(self._managers_only(owner_id, "add action items on"))

    def check_review(self, owner_ids: frozenset[int] | None) -> None:
        """Running (starting, ending) a review of `owner_ids`' deals; None is everyone."""
        if self.read_only or (not self.is_admin and self.role != Role.MANAGER.value):
            raise PermissionDenied(
                f"{self._me()} is a {self.role}: only managers (of their own team) or an "
                "admin can run a review"
            )
        # "Everyone" is everyone who sells or manages: the head of the organisation may
        # review it although the admin's and viewers' logins sit outside their team.
        sellers = (Role.REP.value, Role.MANAGER.value)
        everyone = frozenset(p.id for p in self.org.people.values() if p.role in sellers)
        wanted = everyone if owner_ids is None else owner_ids
        outside = wanted - self.org.subtree(self.me.id)
        if outside and not self.is_admin:
            top = min(outside, key=lambda p: (self.org.depth(p), p))
            if not self.org.direct_reports(top):
                raise PermissionDenied(self._managers_only(top, "review"))
            name = self._name(top)
            raise PermissionDenied(
                f"Only {name}, the managers above, or an admin can review {name}'s team"
            )

    # -- admin ---------------------------------------------------------------------------

    def check_admin(self, thing: str) -> None:
        """People, quotas, stages, pipelines, settings, rates: `thing` is a key of
        `ADMIN_THINGS`."""
        if not self.is_admin:
            raise PermissionDenied(f"Only an admin can {ADMIN_THINGS[thing]}")

    def check_proposal(self) -> None:
        """Proposing a change to the process (an admin then accepts it)."""
        if self.read_only or self.role not in (Role.MANAGER.value, Role.ADMIN.value):
            raise PermissionDenied(
                f"{self._me()} is a {self.role}: only a manager or an admin can propose a "
                "change to the sales process"
            )

    # -- reads ---------------------------------------------------------------------------

    def visible_owners(self) -> frozenset[int] | None:
        """Whose deals this person may see: None is everyone. A rep sees only their own
        team (their manager's people) when the settings say so."""
        if not self.reps_own_team_only or self.role != Role.REP.value:
            return None
        manager = self.me.manager_id
        if manager is None or manager not in self.org.people:
            return frozenset({self.me.id})
        return self.org.subtree(manager)

    # -- words ---------------------------------------------------------------------------

    def _me(self) -> str:
        return self.me.display_name

    def _name(self, person_id: int) -> str:
        person = self.org.people.get(person_id)
        return person.display_name if person else f"person {person_id}"

    def _manager_of(self, person_id: int) -> Person | None:
        person = self.org.people.get(person_id)
        if person is None or person.manager_id is None:
            return None
        return self.org.people.get(person.manager_id)

    def _only(self, owner_id: int, verb: str, *, deals: bool = True) -> str:
        """ "Only Priya Shah, Dana Whitfield (Priya Shah's manager) or an admin can change
        Priya Shah's deals"."""
        owner = self._name(owner_id)
        allowed = [owner]
        manager = self._manager_of(owner_id)
        if manager is not None:
            allowed.append(f"{manager.display_name} ({owner}'s manager)")
        what = f"{owner}'s deals" if deals else owner
        return f"Only {', '.join(allowed)} or an admin can {verb} {what}"

    def _managers_only(self, owner_id: int, verb: str) -> str:
        owner = self._name(owner_id)
        manager = self._manager_of(owner_id)
        if manager is None:
            return f"Only an admin can {verb} {owner}'s deals"
        return (
            f"Only {manager.display_name} ({owner}'s manager), the managers above, or an "
            f"admin can {verb} {owner}'s deals"
        )
