"""Pure decisions about who may do and see what: no session, no clock, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .vocabulary import (
    GRANTS,
    MONEY_RANKS,
    OPERATOR_FORBIDDEN,
    OPERATOR_REQUIRED,
    ActorKind,
    MoneyKind,
    Permission,
    Role,
)

MIN_PASSWORD_CHARS = 10
NAME_PATTERN_TEXT = "letters, digits, '.', '-' or '_', 2 to 64 characters"


@dataclass(frozen=True)
class Actor:
    """Who is asking: an account, the operating system's user at the command line, or the
    anonymous public (user_id None for the last two).

    ``operator`` None means every operator (the regulator, a national admin); otherwise the
    actor sees only that operator's lines and the data hanging off them.
    """

    user_id: int | None
    name: str
    role: Role
    operator: str | None
    kind: ActorKind = ActorKind.ACCOUNT

    @classmethod
    def anonymous(cls) -> Actor:
        """Return the visitor who has not signed in."""
        return cls(
            user_id=None,
            name="anonymous",
            role=Role.PUBLIC,
            operator=None,
            kind=ActorKind.ANONYMOUS,
        )

    @classmethod
    def operating_system(cls, user: str) -> Actor:
        """Return the operating system's ``user`` running the command line without ``--as``: an
        administrator of every operator (whoever can run the CLI can reach the database), named
        ``os:<user>`` in the audit log so that it is never mistaken for an account."""
        return cls(
            user_id=None, name=f"os:{user}", role=Role.ADMIN, operator=None, kind=ActorKind.OS
        )

    @property
    def signed_in(self) -> bool:
        """Tell whether this is an account or the command line's user, not an anonymous visitor."""
        return self.kind is not ActorKind.ANONYMOUS

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


def money_hold_reason(
    *,
    role: Role,
    kind: MoneyKind,
    amount_fen: int,
    spent_today_fen: int,
    single_limit_fen: int | None,
    daily_limit_fen: int | None,
) -> str | None:
    """Say why moving ``amount_fen`` of ``kind`` must wait for a second person, or None.

    >>> money_hold_reason(role=Role.AGENT, kind=MoneyKind.CREDIT, amount_fen=50_000,
    ...     spent_today_fen=0, single_limit_fen=20_000, daily_limit_fen=2_000_000)
    "a credit of 500.00 yuan is above an agent's limit of 200.00 yuan"
    """
    article = "an" if role.value[0] in "aeiou" else "a"
    what = kind.value.replace("_", "-")
    if single_limit_fen is None or daily_limit_fen is None:
        return f"{article} {role.value} account moves no money on its own"
    if amount_fen > single_limit_fen:
        return (
            f"a {what} of {_yuan(amount_fen)} yuan is above {article} {role.value}'s limit of "
            f"{_yuan(single_limit_fen)} yuan"
        )
    if spent_today_fen + amount_fen > daily_limit_fen:
        return (
            f"with this {what} of {_yuan(amount_fen)} yuan, the money moved today "
            f"({_yuan(spent_today_fen + amount_fen)} yuan) would pass {article} {role.value}'s "
            f"daily limit of {_yuan(daily_limit_fen)} yuan"
        )
    return None


def approval_problem(
    approver: Actor, *, maker_name: str, maker_role: Role, amount_fen: int, limit_fen: int | None
) -> str | None:
    """Say why ``approver`` may not approve money held for ``maker_name``, or None.

    Four eyes: never the maker; a role ranked above the maker's (at the top rank, another
    person of it); and the approver's own single limit must cover the amount.
    """
    if approver.name == maker_name:
        return "the person who asked for it cannot approve it: four eyes"
    mine, theirs = MONEY_RANKS.get(approver.role), MONEY_RANKS.get(maker_role)
    if mine is None:
        return f"a {approver.role.value} account cannot approve money"
    top = max(MONEY_RANKS.values())
    if theirs is not None and mine <= theirs and not (mine == top == theirs):
        return f"it needs a role above {maker_role.value} to approve it"
    if limit_fen is None or amount_fen > limit_fen:
        shown = "no" if limit_fen is None else f"{_yuan(limit_fen)} yuan"
        return f"{_yuan(amount_fen)} yuan is above your own limit ({shown}): a higher role must"
    return None


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


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
