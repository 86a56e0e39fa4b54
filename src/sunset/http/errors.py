"""Domain errors to HTTP: the same stable codes and messages as the CLI, as JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sunset.errors import (
    DomainError,
    ImportRejectedError,
    InputInvalidError,
    LineGoneError,
    NotAuthenticatedError,
    NotFoundError,
    NumberInvalidError,
    PermissionDeniedError,
)


class Refusal(BaseModel):
    """Why a request was not done: a stable code and a message a person can act on; the field
    of the request it concerns, and facts a client may show (a closed line's day and refund)."""

    refused: bool = True
    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        """Return the refusal as JSON shows it: ``field`` and ``details`` only when there are."""
        return self.model_dump(exclude_none=True)


def status_of(exc: DomainError) -> int:
    """Return the HTTP status of a domain error: 409 for a rule that refuses the operation,
    410 for a number whose line has closed."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, LineGoneError):
        return 410
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
    body = refusal_of(exc)
    return JSONResponse(body.body(), status_code=status, headers=headers)


def refusal_of(exc: DomainError) -> Refusal:
    """Say a domain error in JSON: its field as the request names it (``plan``)."""
    message = exc.message
    if exc.field is not None and not message.startswith(f"{exc.field}:"):
        message = f"{exc.field}: {message}"
    return Refusal(code=exc.code, message=message, field=exc.field, details=exc.details)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer input FastAPI could not parse in the same shape, naming each field and why."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    body = Refusal(code="INPUT_INVALID", message="; ".join(problems) or "the request is invalid")
    return JSONResponse(body.body(), status_code=422)


HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
}


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer the framework's own refusals (a body that is not JSON, no such route) alike."""
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
    body = Refusal(code=code, message=str(exc.detail))
    return JSONResponse(body.body(), status_code=exc.status_code, headers=exc.headers)


Handler = Callable[[Request, DomainError], Awaitable[Response]]


def install(app: FastAPI, *, pages: tuple[str, Handler] | None = None) -> None:
    """Answer every domain error raised by a route, and unparsable input, as JSON refusals.

    ``pages``: (path prefix, handler) of the pages, which explain a domain error in words on a
    page of their own instead.
    """

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if pages is not None and request.url.path.startswith(pages[0]):
            return await pages[1](request, exc)
        return await domain_error(request, exc)

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


# What the OpenAPI document says a route may answer besides success.
REFUSALS: dict[int | str, dict[str, object]] = {
    400: {"model": Refusal, "description": "A body that is not the JSON or form it should be"},
    401: {"model": Refusal, "description": "Not signed in, or a wrong or expired token"},
    403: {"model": Refusal, "description": "The role does not allow this, or no CSRF token"},
    404: {"model": Refusal, "description": "No such thing, or one of another operator"},
    409: {"model": Refusal, "description": "A rule refused the operation (code says which)"},
    410: {"model": Refusal, "description": "The number's line has closed: when, how, the refund"},
    422: {"model": Refusal, "description": "Bad input, named"},
}
