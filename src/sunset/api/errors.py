"""Domain errors to HTTP: the same stable codes and messages as the CLI, as JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sunset.errors import (
    DomainError,
    ImportRejectedError,
    InputInvalidError,
    NotAuthenticatedError,
    NotFoundError,
    NumberInvalidError,
    PermissionDeniedError,
)


class Refusal(BaseModel):
    """Why a request was not done: a stable code and a message a person can act on."""

    refused: bool = True
    code: str
    message: str


def status_of(exc: DomainError) -> int:
    """Return the HTTP status of a domain error: 409 for a rule that refuses the operation."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputInvalidError | NumberInvalidError | ImportRejectedError):
        return 422
    if isinstance(exc, NotAuthenticatedError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    return 409


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = Refusal(code=exc.code, message=exc.message)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Answer every domain error raised by a route as JSON with its status."""
    app.add_exception_handler(DomainError, domain_error)


# What the OpenAPI document says a route may answer besides success.
REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Refusal, "description": "Not signed in, or a wrong or expired token"},
    403: {"model": Refusal, "description": "The role does not allow this, or no CSRF token"},
    404: {"model": Refusal, "description": "No such thing, or one of another operator"},
    409: {"model": Refusal, "description": "A rule refused the operation (code says which)"},
    422: {"model": Refusal, "description": "Bad input, named"},
}
