"""The team hierarchy: who reports to whom, and whose deals roll up to a manager."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    display_name: str
    role: str
    manager_id: int | None
    team: str | None = None
    active: bool = True


class OrgChart:
    def __init__(self, people: Iterable[Person]) -> None:
        self.people = {p.id: p for p in people}
        self._reports: dict[int, list[int]] = {}
        for person in self.people.values():
            if person.manager_id is not None and person.manager_id in self.people:
                self._reports.setdefault(person.manager_id, []).append(person.id)

    def direct_reports(self, person_id: int) -> list[int]:
        return sorted(self._reports.get(person_id, []), key=self._sort_key)

    def subtree(self, person_id: int) -> frozenset[int]:
        """The person and everyone below them; a cycle in bad data can't loop forever."""
        seen: set[int] = set()
        stack = [person_id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self._reports.get(current, []))
        return frozenset(seen)

    def managers(self) -> list[int]:
        """Everyone with a team below them, or with the manager role."""
        ids = {pid for pid, p in self.people.items() if p.role == "manager"}
        ids |= set(self._reports)
        return sorted(ids, key=self._sort_key)

    def roots(self) -> list[int]:
        return sorted(
            (
                p.id
                for p in self.people.values()
                if p.manager_id is None or p.manager_id not in self.people
            ),
            key=self._sort_key,
        )

    def head(self, named: str | None = None) -> Person | None:
        """The head of the organisation: the person `named` in the settings if there is
        one, else the person without a manager who has the largest team (ties go to a
        manager, then by name); None for an empty chart."""
        if named:
            person = self.by_login(named)
            if person is not None:
                return person
        roots = self.roots() or sorted(self.people)  # a cycle in bad data has no root
        if not roots:
            return None
        best = min(
            roots,
            key=lambda r: (
                -len(self.subtree(r)),
                self.people[r].role != "manager",
                *self._sort_key(r),
            ),
        )
        return self.people[best]

    def depth(self, person_id: int) -> int:
        depth, seen = 0, {person_id}
        current = self.people[person_id].manager_id
        while current is not None and current in self.people and current not in seen:
            seen.add(current)
            depth += 1
            current = self.people[current].manager_id
        return depth

    def by_login(self, login: str) -> Person | None:
        wanted = login.casefold()
        return next((p for p in self.people.values() if p.login.casefold() == wanted), None)

    def _sort_key(self, person_id: int) -> tuple[str, int]:
        return (self.people[person_id].display_name.casefold(), person_id)
