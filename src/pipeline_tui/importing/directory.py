"""The people, accounts, pipelines and stages a file refers to: found, or to be created.

Everything is loaded once per import (a few queries, whatever the file's size) and
matched in Python, case-insensitively. A name nobody has becomes a new row, planned
here and only written by `apply`, so a dry run can list what an import would create.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from ..models import Account, Pipeline, Stage, User, table_of

USER, ACCOUNT = table_of(User).c, table_of(Account).c
PIPELINE, STAGE = table_of(Pipeline).c, table_of(Stage).c
DEFAULT_PIPELINE = "Sales"
MAX_LOGIN = 64


@dataclass(eq=False)
class Ref:
    """An existing row (`new` False) or one the import will write; `id` is set once it
    exists. Compared by identity: two new rows are never the same row."""

    id: int | None
    name: str
    new: bool

    def same_as(self, stored_id: int | None) -> bool:
        return not self.new and self.id == stored_id


@dataclass(eq=False)
class UserRef(Ref):
    login: str = ""
    email: str | None = None


@dataclass(eq=False)
class StageRef(Ref):
    pipeline: PipelineRef | None = None
    kind: str = "open"
    position: int = 0
    default_probability: int = 10
    stored_position: int | None = None  # as loaded; new stages can move the closed ones
    retired: bool = False  # kept for history: no deal is newly put in it


@dataclass(eq=False)
class PipelineRef(Ref):
    position: int = 0
    stages: list[StageRef] = field(default_factory=list)
    _index: dict[str, StageRef] = field(default_factory=dict, repr=False)
    _indexed: int = -1

    def stage_named(self, name: str) -> StageRef | None:
        # Asked once per row: an index, rebuilt whenever stages were added or removed.
        if self._indexed != len(self.stages):
            self._index = {}
            for stage in self.stages:
                self._index.setdefault(stage.name.casefold(), stage)
            self._indexed = len(self.stages)
        return self._index.get(name.casefold())

    def first_of_kind(self, kind: str) -> StageRef | None:
        return next((s for s in self.stages if s.kind == kind), None)


class Directory:
    def __init__(self, conn: Connection) -> None:
        self.users: list[UserRef] = []
        self._by_key: dict[str, list[UserRef]] = {}
        self._logins: set[str] = set()
        for uid, login, name, email in conn.execute(
            select(USER.id, USER.login, USER.display_name, USER.email).order_by(USER.id)
        ):
            self._add_user(UserRef(uid, name, False, login, email))
        self.accounts: dict[str, Ref] = {}
        self._accounts_folded: dict[str, Ref] = {}
        for aid, name in conn.execute(select(ACCOUNT.id, ACCOUNT.name).order_by(ACCOUNT.id)):
            self._add_account(Ref(aid, name, False))
        self.pipelines: list[PipelineRef] = [
            PipelineRef(pid, name, False, position)
            for pid, name, position in conn.execute(
                select(PIPELINE.id, PIPELINE.name, PIPELINE.position).order_by(
                    PIPELINE.position, PIPELINE.id
                )
            )
        ]
        by_id = {p.id: p for p in self.pipelines}
        for sid, pid, name, position, probability, kind, retired in conn.execute(
            select(
                STAGE.id, STAGE.pipeline_id, STAGE.name, STAGE.position,
                STAGE.default_probability, STAGE.kind, STAGE.retired,
            ).order_by(STAGE.position, STAGE.id)
        ):  # fmt: skip
            pipe = by_id[pid]
            pipe.stages.append(
                StageRef(
                    sid, name, False, pipe, kind, position, probability, position, bool(retired)
                )
            )
        self.stages_by_id = {s.id: s for p in self.pipelines for s in p.stages}
        self.users_by_id = {u.id: u for u in self.users}
        self.accounts_by_id = {a.id: a for a in self.accounts.values()}
        self.pipelines_by_id = {p.id: p for p in self.pipelines}
        self.new_users: list[UserRef] = []
        self._owners: dict[tuple[str, str | None], UserRef | str] = {}
        self._pipelines: dict[str, PipelineRef] = {}
        self.new_accounts: list[Ref] = []
        self.new_pipelines: list[PipelineRef] = []

    # --- people ----------------------------------------------------------------------

    def _add_user(self, user: UserRef) -> None:
        self.users.append(user)
        self._logins.add(user.login.casefold())
        # Folded first: a login "priya" and a name "Priya" are one key, not the same
        # person found twice (which read as "more than one person is called that").
        for key in {k.casefold() for k in (user.login, user.email or "", user.name) if k}:
            self._by_key.setdefault(key, []).append(user)

    def find_user(self, text: str) -> list[UserRef]:
        """People whose login, email or display name is `text`; logins win outright."""
        found = self._by_key.get(text.strip().casefold(), [])
        by_login = [u for u in found if u.login.casefold() == text.strip().casefold()]
        return by_login or found

    def owner(self, text: str, login: str | None = None) -> UserRef | str:
        """The person, a new person, or why neither can be (an ambiguous name)."""
        key = (text, login)
        if key not in self._owners:
            self._owners[key] = self._owner(text, login)
        return self._owners[key]

    def having(self, attribute: str, value: str) -> list[UserRef]:
        """People whose `login`, `email` or `name` (display name) is `value`."""
        wanted = value.strip().casefold()
        return [
            u for u in self._by_key.get(wanted, [])
            if (getattr(u, attribute) or "").casefold() == wanted
        ]  # fmt: skip

    def _owner(self, text: str, login: str | None) -> UserRef | str:
        if login:
            # A login is who someone is: one nobody has is a new person, even if somebody
            # else has the same name.
            found = self.having("login", login)
            return found[0] if found else self.new_user(text or login, login, None)
        found = self.find_user(text) if text else []
        if len(found) == 1:
            return found[0]
        if found:
            logins = ", ".join(u.login for u in found[:4])
            return f"more than one person is called {text!r} ({logins}); use a login or email"
        email = text if "@" in text else None
        display = text
        if email and not login:
            display = " ".join(p.capitalize() for p in re.split(r"[._-]+", email.split("@")[0]))
        return self.new_user(display or login or text, login or text, email)

    def new_user(self, display: str, login: str, email: str | None) -> UserRef:
        """A person to create, with `login` or, if taken, the first free variant of it."""
        user = UserRef(None, display, True, self._free_login(login), email)
        self._add_user(user)
        self.new_users.append(user)
        return user

    def _free_login(self, text: str) -> str:
        base = text.split("@")[0] if "@" in text else text
        ascii_text = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
        words = re.findall(r"[a-z0-9]+", ascii_text.casefold())
        login = (".".join(words) or "user")[: MAX_LOGIN - 4]
        candidate, number = login, 1
        while candidate.casefold() in self._logins:
            number += 1
            candidate = f"{login}{number}"
        return candidate

    # --- accounts --------------------------------------------------------------------

    def _add_account(self, account: Ref) -> None:
        self.accounts[account.name] = account
        self._accounts_folded.setdefault(account.name.casefold(), account)

    def account(self, name: str) -> Ref:
        found = self.accounts.get(name) or self._accounts_folded.get(name.casefold())
        if found is None:
            found = Ref(None, name, True)
            self._add_account(found)
            self.new_accounts.append(found)
        return found

    # --- pipelines -------------------------------------------------------------------

    def pipeline(self, name: str) -> PipelineRef:
        wanted = name.casefold()
        found = self._pipelines.get(wanted)
        if found is not None:
            return found
        found = next((p for p in self.pipelines if p.name.casefold() == wanted), None)
        if found is None:
            position = max((p.position for p in self.pipelines), default=-1) + 1
            found = PipelineRef(None, name, True, position)
            self.pipelines.append(found)
            self.new_pipelines.append(found)
        self._pipelines[wanted] = found
        return found

    def default_pipeline(self) -> PipelineRef:
        return self.pipelines[0] if self.pipelines else self.pipeline(DEFAULT_PIPELINE)

    def new_stages(self) -> list[StageRef]:
        return [s for p in self.pipelines for s in p.stages if s.new]
