"""Roles, permissions and which role holds which."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a person does: it decides what they may do, and (with the operator) what they see."""

    ADMIN = "admin"
    PLANNER = "planner"  # the retirement programme office
    AGENT = "agent"  # customer care
    SUPERVISOR = "supervisor"  # customer care's second pair of eyes: approves money held
    ENGINEER = "engineer"
    REGULATOR = "regulator"  # read-only, every operator
    PUBLIC = "public"  # a subscriber or visitor: notices, comments, their own porting check


class Permission(StrEnum):
    """One kind of action; services check it before they read or write."""

    READ_LINES = "read_lines"
    OPERATE_LINES = "operate_lines"  # activate, top up, suspend, resume, terminate, migrate
    PORT = "port"  # request, authorise, validate, cancel a port
    READ_PLANS = "read_plans"
    WRITE_PLANS = "write_plans"
    READ_SITES = "read_sites"
    WRITE_SITES = "write_sites"
    READ_COMPLAINTS = "read_complaints"
    WRITE_COMPLAINTS = "write_complaints"
    MODERATE = "moderate"
    READ_STATS = "read_stats"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    APPROVE = "approve"  # approve or reject money held above someone else's limit
    RUN_JOBS = "run_jobs"  # imports, the daily cycle, outage credit runs, the porting run


P = Permission
_STAFF_READ = {P.READ_LINES, P.READ_PLANS, P.READ_SITES, P.READ_COMPLAINTS, P.READ_STATS}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLANNER: frozenset(_STAFF_READ | {P.WRITE_PLANS, P.MODERATE}),
    Role.AGENT: frozenset(_STAFF_READ | {P.OPERATE_LINES, P.PORT, P.WRITE_COMPLAINTS}),
    Role.SUPERVISOR: frozenset(
        _STAFF_READ | {P.OPERATE_LINES, P.PORT, P.WRITE_COMPLAINTS, P.APPROVE, P.READ_AUDIT}
    ),
    Role.ENGINEER: frozenset(_STAFF_READ | {P.WRITE_SITES}),
    Role.REGULATOR: frozenset(_STAFF_READ),
    Role.PUBLIC: frozenset(),
}

# Roles whose account belongs to exactly one operator; a regulator and the public see no operator's
# private data through an operator (the regulator sees all of them), an admin may be either.
OPERATOR_REQUIRED = frozenset({Role.PLANNER, Role.AGENT, Role.SUPERVISOR, Role.ENGINEER})
OPERATOR_FORBIDDEN = frozenset({Role.REGULATOR, Role.PUBLIC})


class TokenKind(StrEnum):
    """A browser session (cookie, with a CSRF token) or an API bearer token."""

    SESSION = "session"
    BEARER = "bearer"


class ActorKind(StrEnum):
    """Where an actor comes from: an account (web, API, or the CLI's ``--as``), the operating
    system's user running the CLI without ``--as``, or nobody signed in."""

    ACCOUNT = "account"
    OS = "os"
    ANONYMOUS = "anonymous"


class MoneyKind(StrEnum):
    """The movements of money a person decides on, each with its own limit per role."""

    TOP_UP = "top_up"
    CREDIT = "credit"
    REFUND = "refund"


# Who may approve whose money: a role ranked above the maker's (the top rank: another person of
# it). Roles that never move money have no rank.
MONEY_RANKS: dict[Role, int] = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}
