"""Domain errors: a stable machine code and a message a person can act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    """Base of every refusal sunset explains to its user.

    ``field`` names the input the refusal concerns, in the use case's own words (``plan``,
    ``amount``, ``key``): each edge says it in its own (``--plan`` on the command line, ``plan``
    in JSON) rather than the domain naming one edge's flags to everyone.
    """

    code = "DOMAIN_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InputInvalidError(DomainError):
    """Input that cannot be accepted (a file, a parameter)."""

    code = "INPUT_INVALID"


class ImportRejectedError(DomainError):
    """An import refused as a whole because some rows are bad (nothing was imported)."""

    code = "IMPORT_REJECTED"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: Sequence[object] = (),
        error_count: int = 0,
    ) -> None:
        super().__init__(message, code=code, field=None)
        self.errors = list(errors)
        self.error_count = error_count


class NumberInvalidError(DomainError):
    """A telephone number that is not valid or not consistent with its local network."""

    code = "NUMBER_INVALID"


class NotFoundError(DomainError):
    """A thing the user named does not exist."""

    code = "NOT_FOUND"


class PlanInvalidError(DomainError):
    """A retirement plan that breaks a rule (order, notice, the past)."""

    code = "PLAN_INVALID"


class OperationRefusedError(DomainError):
    """An operation the plan in force (or the line's state) forbids; the code says which rule."""

    code = "OPERATION_REFUSED"


class NotAuthenticatedError(DomainError):
    """A request that needs a signed-in account and has none (or a wrong or expired one)."""

    code = "NOT_AUTHENTICATED"


class PermissionDeniedError(DomainError):
    """A signed-in account whose role does not allow the action."""

    code = "PERMISSION_DENIED"


class LineGoneError(OperationRefusedError):
    """An operation on a number whose line has closed (switched off, terminated, migrated): the
    refusal says when and how, what became of its balance and what the person may do now."""

    code = "LINE_CLOSED"


class LoginThrottledError(DomainError):
    """Sign-in refused for a while after too many failures; ``retry_after`` in whole seconds."""

    code = "LOGIN_THROTTLED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
