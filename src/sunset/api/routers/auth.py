"""Sign in for API tokens: the OAuth2 password form FastAPI supports, throttled after failures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from sunset.access.vocabulary import TokenKind
from sunset.errors import LoginThrottledError, NotAuthenticatedError
from sunset.http.deps import DB, ActorDep
from sunset.http.errors import REFUSALS, Refusal
from sunset.usecases import accounts as access

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


THROTTLED: dict[str, object] = {
    "model": Refusal,
    "description": "Too many failed sign-ins with this name or from this address (LOGIN_THROTTLED)",
    "headers": {
        "Retry-After": {
            "description": "Seconds until it may be tried again",
            "schema": {"type": "integer"},
        }
    },
}


@router.post(
    "/token",
    response_model=Token,
    responses={401: REFUSALS[401], 422: REFUSALS[422], 429: THROTTLED},
)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: DB
) -> Token | JSONResponse:
    """Exchange a user name and password for a bearer token."""
    try:
        issued = access.sign_in(
            session,
            name=form.username,
            password=form.password,
            kind=TokenKind.BEARER,
            now=datetime.now(),
            address=request.client.host if request.client else None,
        )
    except LoginThrottledError as exc:
        return _refusal(exc, 429, {"Retry-After": str(exc.retry_after)})
    except NotAuthenticatedError as exc:
        # Answered, not raised: the failure just counted is committed with the request.
        return _refusal(exc, 401, {"WWW-Authenticate": "Bearer"})
    return Token(access_token=issued.secret, expires_at=issued.expires_at.astimezone())


def _refusal(
    exc: NotAuthenticatedError | LoginThrottledError, status: int, headers: dict[str, str]
) -> JSONResponse:
    body = Refusal(code=exc.code, message=exc.message)
    return JSONResponse(body.body(), status_code=status, headers=headers)


@router.get("/me", response_model=Me)
def me(actor: ActorDep) -> Me:
    """Say who is asking (anonymous without a token)."""
    return Me(
        name=actor.name, role=actor.role.value, operator=actor.operator, signed_in=actor.signed_in
    )
