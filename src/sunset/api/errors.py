"""Domain errors to HTTP: the same stable codes and messages as the CLI, as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

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
    """Answer input the route's declared shape refuses as a Refusal (422), naming each field."""
    assert isinstance(exc, RequestValidationError)
    said = [_field_error(e) for e in exc.errors()[:10]]
    body = Refusal(code=InputInvalidError.code, message="; ".join(said) or "the input is invalid")
    return JSONResponse(body.model_dump(), status_code=422)


def _field_error(error: Any) -> str:
    """Say which field is wrong and why: ``limit: Input should be less than or equal to 200``."""
    where = [str(part) for part in error.get("loc", ())[1:]] or ["input"]
    return f"{'.'.join(where)}: {error.get('msg', 'invalid')}"


async def bad_request(request: Request, exc: Exception) -> Response:
    """Answer a body that cannot even be parsed (not JSON, not UTF-8) as bad input (422), as
    the document declares; every other HTTP error keeps FastAPI's answer."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 400:
        return await http_exception_handler(request, exc)
    body = Refusal(code=InputInvalidError.code, message=f"the request body: {exc.detail}")
    return JSONResponse(body.model_dump(), status_code=422)


def install(app: FastAPI) -> None:
    """Answer every domain error raised by a route, and every input its declared shape refuses,
    as a JSON Refusal with its status (the shape REFUSALS declares in the OpenAPI document)."""
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, bad_request)


# What the OpenAPI document says a route may answer besides success.
REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Refusal, "description": "Not signed in, or a wrong or expired token"},
    403: {"model": Refusal, "description": "The role does not allow this, or no CSRF token"},
    404: {"model": Refusal, "description": "No such thing, or one of another operator"},
    409: {"model": Refusal, "description": "A rule refused the operation (code says which)"},
    422: {"model": Refusal, "description": "Bad input, named"},
}
