"""Imports as a person: what the file would write, checked against their policy first
(the session's `import_file` calls this).

A database with no people yet is being set up: whoever sets it up may import, and the
first person in it becomes its admin (`first_admin`), so there is always someone who may
add the rest.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, update

from ..errors import PermissionDenied
from ..importing import DealPlan, ImportOptions, ImportSummary, Progress, import_file
from ..importing.directory import Ref
from ..models import Deal, Role, User, table_of
from .permissions import Policy

DEAL = table_of(Deal).c
USER_TABLE = table_of(User)
USER = USER_TABLE.c


def guarded_import(
    engine: Engine,
    policy: Policy | None,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportSummary:
    """`import_file` as the person `policy` is about: people and quotas are an admin's;
    deals only for owners this person may change, and never new people, pipelines or
    stages unless an admin. `policy` None: a database with no people yet, where whoever
    sets it up may import, and the first person it brings becomes the admin. A refusal
    writes nothing."""
    if policy is None:
        summary = import_file(engine, path, options, progress)
        first_admin(engine)
        return summary
    if options.kind == "users":
        policy.check_admin("import-people")
    elif options.kind == "quotas":
        policy.check_admin("import-quotas")
    elif policy.read_only:
        raise PermissionDenied(f"{policy.me.display_name} is a viewer: viewers can't import deals")

    def authorize(conn: Connection, plan: DealPlan) -> None:
        check_deal_plan(conn, plan, policy)

    return import_file(engine, path, options, progress, authorize)


def check_deal_plan(conn: Connection, plan: DealPlan, policy: Policy) -> None:
    """Everything a deal import would write, against what `policy` allows."""
    if policy.is_admin:
        return
    directory = plan.directory
    if directory.new_users:
        policy.check_admin("people")
    if directory.new_pipelines:
        policy.check_admin("pipelines")
    if directory.new_stages():
        policy.check_admin("stages")
    owners: set[int] = set()
    for values in plan.creates:
        owner = values.get("owner_id")
        if isinstance(owner, Ref) and owner.id is not None:
            policy.check_deal(owner.id, adding=True)
    for change in plan.updates:
        owner = change.values.get("owner_id")
        if isinstance(owner, Ref) and owner.id is not None:
            owners.add(owner.id)
    deal_ids = [u.deal_id for u in plan.updates]
    for start in range(0, len(deal_ids), 500):
        chunk = deal_ids[start : start + 500]
        owners.update(conn.execute(select(DEAL.owner_id).where(DEAL.id.in_(chunk))).scalars())
    policy.check_deals(owners)


def first_admin(engine: Engine) -> None:
    """On a database without an admin whose people were all just added, the first of
    them becomes its admin."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).where(USER.role == Role.ADMIN.value)).scalar():
            return
        first = conn.execute(select(func.min(USER.id))).scalar()
        if first is not None:
            conn.execute(update(USER_TABLE).where(USER.id == first).values(role=Role.ADMIN.value))
