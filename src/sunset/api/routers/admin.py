"""What admins read: the accounts and the audit log of every write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sunset.access import service as access
from sunset.access.schemas import AuditView, UserView
from sunset.access.vocabulary import Permission
from sunset.http.deps import DB, ActorDep
from sunset.http.errors import REFUSALS

router = APIRouter(prefix="/admin", tags=["admin"], responses=REFUSALS)


@router.get("/audit", response_model=list[AuditView])
def audit_log(
    session: DB,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditView]:
    """Return the audit log, newest first: who wrote what, when, before and after."""
    return access.list_audit(session, actor=actor, limit=limit, offset=offset)


@router.get("/users", response_model=list[UserView])
def users(session: DB, actor: ActorDep) -> list[UserView]:
    """Return the accounts (without their secrets)."""
    access.require(actor, Permission.MANAGE_USERS)
    return [u for u in access.list_users(session) if actor.operator in (None, u.operator)]
