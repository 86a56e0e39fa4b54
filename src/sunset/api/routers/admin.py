"""What admins and supervisors read and decide: the accounts, the audit log of every write, and
the money held for a second person's approval (four eyes)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.usecases import accounts, approvals
from sunset.usecases.accounts import AuditView, UserView
from sunset.usecases.approvals import ApprovalView

router = APIRouter(prefix="/admin", tags=["admin"], responses=REFUSALS)
ApprovalId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/audit", response_model=list[AuditView])
def audit_log(
    session: DB,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    since: Annotated[date | None, Query(description="From this business day on")] = None,
    by: Annotated[str | None, Query(max_length=64, description="One person's writes")] = None,
) -> list[AuditView]:
    """Return the audit log, newest first: who wrote what, when, before and after."""
    return accounts.list_audit(session, actor, since=since, by=by, limit=limit, offset=offset)


@router.get("/users", response_model=list[UserView])
def users(session: DB, actor: ActorDep) -> list[UserView]:
    """Return the accounts (without their secrets)."""
    return accounts.list_users(session, actor)


@router.get("/approvals", response_model=list[ApprovalView])
def list_approvals(
    session: DB,
    actor: ActorDep,
    state: Literal["pending", "approved", "rejected", "all"] = "pending",
    limit: Annotated[int, Query(ge=1, le=approvals.MAX_PAGE)] = 100,
) -> list[ApprovalView]:
    """Return the money held for approval (of the actor's operator), oldest first."""
    return approvals.list_approvals(
        session, actor, state=None if state == "all" else state, limit=limit
    )


class Decision(BaseModel):
    """Why an approval is approved or rejected (required to reject)."""

    note: str | None = Field(default=None, max_length=500)


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalView)
def approve(
    approval_id: ApprovalId, body: Decision, session: DB, actor: ActorDep, clock: ClockDep
) -> ApprovalView:
    """Apply a held operation as it was asked (a higher role than its maker; never the maker)."""
    return approvals.approve(
        session, actor, approval_id=approval_id, now=clock.now(), note=body.note
    )


@router.post("/approvals/{approval_id}/reject", response_model=ApprovalView)
def reject(
    approval_id: ApprovalId, body: Decision, session: DB, actor: ActorDep, clock: ClockDep
) -> ApprovalView:
    """Refuse a held operation, saying why: nothing of it is applied."""
    return approvals.reject(
        session, actor, approval_id=approval_id, now=clock.now(), note=body.note or ""
    )
