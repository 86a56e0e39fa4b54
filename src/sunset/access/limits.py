"""The money limits in force: the shipped file, or the operator's own
(``SUNSET_MONEY_LIMITS_FILE``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sunset.config import get_settings
from sunset.errors import InputInvalidError

from .vocabulary import MONEY_RANKS, MoneyKind, Role

SHIPPED = Path(__file__).parent / "data" / "money_limits.yaml"


class RoleLimits(BaseModel):
    """One role's limits, in yuan as written and in fen as used."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top_up: int = Field(ge=0)
    credit: int = Field(ge=0)
    refund: int = Field(ge=0)
    daily: int = Field(ge=0)

    def single_fen(self, kind: MoneyKind) -> int:
        """Return the most one operation of ``kind`` may move, in fen."""
        yuan: int = getattr(self, kind.value)
        return yuan * 100

    @property
    def daily_fen(self) -> int:
        """Return the most one person may move in a business day, in fen."""
        return self.daily * 100


class MoneyLimits(BaseModel):
    """Every role that moves money, with its limits."""

    model_config = ConfigDict(frozen=True)

    roles: dict[Role, RoleLimits]

    def of(self, role: Role) -> RoleLimits | None:
        """Return a role's limits (None: the role never moves money)."""
        return self.roles.get(role)


@lru_cache(maxsize=4)
def _load(path: Path) -> MoneyLimits:
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        limits = MoneyLimits(roles=data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InputInvalidError(f"money limits file {path}: {exc}") from exc
    missing = sorted(r.value for r in MONEY_RANKS if r not in limits.roles)
    if missing:
        raise InputInvalidError(f"money limits file {path}: no limits for {', '.join(missing)}")
    return limits


def money_limits() -> MoneyLimits:
    """Return the limits in force."""
    return _load(get_settings().money_limits_file or SHIPPED)
