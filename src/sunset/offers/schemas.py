"""Offers as written in YAML, and as shown to agents and customers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class OfferConditions(BaseModel):
    """Who may take an offer; every condition given must hold."""

    model_config = ConfigDict(extra="forbid")

    regions: list[str] | None = None
    networks: list[str] | None = None
    statuses: list[str] = ["active"]
    activated_before: date | None = None
    no_owner_change_months: int | None = Field(default=None, ge=1)
    real_name: bool = False
    no_arrears: bool = False
    not_under_commitment: bool = False


class OfferOutcome(BaseModel):
    """What a customer who takes the offer gets, and commits to."""

    model_config = ConfigDict(extra="forbid")

    operator: str
    network: str
    plans_yuan: list[Decimal] = Field(min_length=1)
    keep_number: bool = False
    handset_subsidy_yuan: Decimal = Decimal(0)
    free_credit_yuan: Decimal = Decimal(0)
    keep_old_tariff_months: int = Field(default=0, ge=0)
    commitment_months: int = Field(default=0, ge=0)
    gift: str | None = None
    forward_old_number_until: date | None = None

    @model_validator(mode="after")
    def _amounts_are_money(self) -> OfferOutcome:
        for amount in [*self.plans_yuan, self.handset_subsidy_yuan, self.free_credit_yuan]:
            if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                raise ValueError(f"{amount} is not an amount in yuan (>= 0, two decimals at most)")
        return self


class Offer(BaseModel):
    """A migration offer of one operator, open between two dates."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    name_zh: str | None = None
    operator: str
    valid_from: date
    valid_until: date | None = None
    source: str | None = None
    conditions: OfferConditions = OfferConditions()
    outcome: OfferOutcome

    @model_validator(mode="after")
    def _dates_in_order(self) -> Offer:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from")
        return self


class ReasonView(BaseModel):
    """Why a rule said no: a stable code and a sentence."""

    code: str
    message: str


class OfferView(BaseModel):
    """One offer for one line: eligible or not, and every failing condition in words."""

    id: str
    name: str
    name_zh: str | None
    eligible: bool
    reasons: list[ReasonView]
    target: str
    plans_yuan: list[str]
    keep_number: bool
    handset_subsidy_yuan: str
    free_credit_yuan: str
    commitment_months: int
    keep_old_tariff_months: int
    gift: str | None
    forward_old_number_until: date | None


class MigrationView(BaseModel):
    """What a migration did."""

    offer_id: str
    old_number: str
    new_number: str
    target: str
    monthly_fee_yuan: str
    balance_moved_yuan: str
    free_credit_yuan: str
    handset_subsidy_yuan: str
    commitment_until: date | None
    tariff_kept_until: date | None
    forward_until: date | None
    replayed: bool = False


class MigrationRow(BaseModel):
    """One migration in a list: when, under which offer, from which line to which."""

    migrated_on: date
    offer_id: str
    area_code: str
    old_number: str
    new_number: str
    target: str
    monthly_fee_yuan: str
    balance_moved_yuan: str
    commitment_until: date | None
