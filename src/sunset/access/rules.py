"""Pure decisions about who may do and see what: no session, no clock, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .vocabulary import GRANTS, OPERATOR_FORBIDDEN, OPERATOR_REQUIRED, Permission, Role

MIN_PASSWORD_CHARS = 10
NAME_PATTERN_TEXT = "letters, digits, '.', '-' or '_', 2 to 64 characters"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user, or the anonymous public (user_id None).

    ``operator`` None means every operator (the regulator, a national admin); otherwise the
    actor sees only that operator's lines and the data hanging off them.
    """

    user_id: int | None
    name: str
    role: Role
    operator: str | None

    @classmethod
    def anonymous(cls) -> Actor:
        """Return the visitor who has not signed in."""
        return cls(user_id=None, name="anonymous", role=Role.PUBLIC, operator=None)

    @property
    def signed_in(self) -> bool:
        """Tell whether this is an account rather than an anonymous visitor."""
        return self.user_id is not None

    def may(self, permission: Permission) -> bool:
        """Tell whether the actor's role grants ``permission``."""
        return permission in GRANTS[self.role]

    def sees(self, operator_code: str) -> bool:
        """Tell whether the actor may see data of ``operator_code``.

        >>> Actor(1, "li", Role.AGENT, "telecom").sees("unicom")
        False
        >>> Actor(2, "reg", Role.REGULATOR, None).sees("unicom")
        True
        """
        if self.role is Role.PUBLIC:
            return False
        return self.operator is None or self.operator == operator_code


def is_account_name(name: str) -> bool:
    """Tell whether ``name`` has the shape of a user name (else no account can be called so)."""
    return 2 <= len(name) <= 64 and all(c.isalnum() or c in "._-" for c in name)


def account_problem(name: str, role: Role, operator: str | None) -> str | None:
    """Say what is wrong with a new account's name, role and operator, or None."""
    if not is_account_name(name):
        return f"user name {name!r} must be {NAME_PATTERN_TEXT}"
    if role in OPERATOR_REQUIRED and operator is None:
        return f"a {role.value} account belongs to one operator: give --operator"
    if role in OPERATOR_FORBIDDEN and operator is not None:
        return f"a {role.value} account belongs to no operator: leave out --operator"
    return None


def password_problem(password: str) -> str | None:
    """Say why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a password needs at least {MIN_PASSWORD_CHARS} characters"
    if len(set(password)) < 4:
        return "a password needs at least 4 different characters"
    return None


def login_wait(
    failures: Iterable[datetime], *, limit: int, window: timedelta, now: datetime
) -> timedelta | None:
    """Say how long sign-in stays refused after these failed attempts, or None if it may go on.

    Refused while ``limit`` failures or more lie within ``window`` before ``now``; it opens
    again when the oldest of the last ``limit`` failures leaves the window (attempts refused
    meanwhile are not counted: they are never checked). With a limit of 3 in 15 minutes:

    >>> nine = datetime(2012, 3, 1, 9, 0)
    >>> tries = [nine, nine + timedelta(minutes=1), nine + timedelta(minutes=2)]
    >>> login_wait(tries, limit=3, window=timedelta(minutes=15), now=nine + timedelta(minutes=5))
    datetime.timedelta(seconds=600)
    >>> login_wait(tries, limit=4, window=timedelta(minutes=15), now=nine + timedelta(minutes=5))
    """
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return None
    return recent[-limit] + window - now
