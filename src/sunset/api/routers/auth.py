"""Sign in for API tokens: the OAuth2 password form FastAPI supports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from sunset.access import service as access
from sunset.access.vocabulary import TokenKind
from sunset.http.deps import DB, ActorDep
from sunset.http.errors import REFUSALS

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """A bearer token for the API."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime = Field(description="When the token stops working (with its offset)")


class Me(BaseModel):
    """Who the token or session belongs to."""

    name: str
    role: str
    operator: str | None
    signed_in: bool


@router.post("/token", response_model=Token, responses={401: REFUSALS[401], 422: REFUSALS[422]})
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: DB) -> Token:
    """Exchange a user name and password for a bearer token."""
    issued = access.sign_in(
        session,
        name=form.username,
        password=form.password,
        kind=TokenKind.BEARER,
        now=datetime.now(),
    )
    return Token(access_token=issued.secret, expires_at=issued.expires_at.astimezone())


@router.get("/me", response_model=Me)
def me(actor: ActorDep) -> Me:
    """Say who is asking (anonymous without a token)."""
    return Me(
        name=actor.name, role=actor.role.value, operator=actor.operator, signed_in=actor.signed_in
    )
