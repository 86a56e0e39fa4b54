"""The shapes of site answers (also their JSON)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class StatusRecorded(BaseModel):
    """A status change recorded, and the outage credits it gave for months already charged."""

    site_id: str
    area_code: str
    status: str
    since: date
    current_status: str | None
    credits: int


class BandState(BaseModel):
    """Whether the band of one network in one local network is clear (清频)."""

    area_code: str
    network: str
    sites: int
    on_air: int
    cleared: bool


class PlannedSite(BaseModel):
    """One site in the switch-off order, with what it saves and what it costs."""

    rank: int
    site_id: str
    status: str | None
    monthly_upkeep: str
    live_lines: int
    upkeep_per_line: str
    migration_cost: str
    cumulative_cost: str
    saving_per_month: str
    within_budget: bool


class SitePlan(BaseModel):
    """Sites of a local network in the order to switch them off, with the saving month by month."""

    area_code: str
    budget: str | None
    sites: list[PlannedSite]
    monthly_saving: list[str]


class ImpactedLine(BaseModel):
    """A line that loses service when the site goes off air."""

    number: str
    status: str
    vulnerable: str
    eligible_offers: list[str]


class SiteImpact(BaseModel):
    """Who loses service when a site goes off air."""

    site_id: str
    area_code: str
    live_lines: int
    vulnerable_lines: int
    lines: list[ImpactedLine]


class OutageCheck(BaseModel):
    """A line's home site history checked: was it ever out, and what outage credits it has."""

    site_id: str | None
    had_outage: bool
    written: int
    credited_fen: int
