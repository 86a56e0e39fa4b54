"""Domain errors to HTTP: the same stable codes and messages as the CLI, as JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

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


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Answer a request that fails its declared shape as bad input (422), naming each field."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors()
    ]
    body = Refusal(code=InputInvalidError.code, message="; ".join(problems) or "invalid request")
    return JSONResponse(body.model_dump(), status_code=422)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer the framework's own refusals in the same shape; an unparsable body is 422."""
    assert isinstance(exc, HTTPException)
    status = 422 if exc.status_code == 400 else exc.status_code
    code = InputInvalidError.code if status == 422 else f"HTTP_{status}"
    body = Refusal(code=code, message=str(exc.detail))
    return JSONResponse(body.model_dump(), status_code=status, headers=exc.headers)


def install(app: FastAPI) -> None:
    """Answer every domain error raised by a route as JSON with its status; bad input too."""
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)


# What the OpenAPI document says a route may answer besides success.
REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Refusal, "description": "Not signed in, or a wrong or expired token"},
    403: {"model": Refusal, "description": "The role does not allow this, or no CSRF token"},
    404: {"model": Refusal, "description": "No such thing, or one of another operator"},
    409: {"model": Refusal, "description": "A rule refused the operation (code says which)"},
    422: {"model": Refusal, "description": "Bad input, named"},
}
