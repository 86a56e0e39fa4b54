"""Settings from the environment (prefix ``SUNSET_``); every default here is configurable."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What an operator may change without touching code."""

    model_config = SettingsConfigDict(env_prefix="SUNSET_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///sunset.db",
        description="SQLAlchemy URL; sqlite:///FILE (default) or postgresql+psycopg://...",
    )
    db_pool_size: int = Field(
        default=16,
        ge=1,
        description="Database connections a process keeps open (and as many more at a peak).",
    )
    web_sqlite_mmap_mb: int = Field(
        default=16_384,
        ge=0,
        description=(
            "On SQLite, the web server reads the database through a memory map of this many MiB "
            "(0: off). Address space, not memory: pages are the OS cache's."
        ),
    )
    web_threads: int = Field(
        default=2,
        ge=1,
        description=(
            "Threads a web server process runs its handlers in at once. Few: the handlers are "
            "CPU-bound on a local SQLite, and more threads only fight over the GIL (p99 of the "
            "line page on 20M lines: 36 ms with 2, 79 ms with 4, 96 ms with 40). Raise it on "
            "PostgreSQL over a network, where handlers wait."
        ),
    )
    id_salt: str = Field(
        default="sunset-default-salt-change-me",
        description="Salt for hashing customers' ID numbers; set a secret one in production.",
    )
    numbering_overlay: Path | None = Field(
        default=None,
        description="YAML file of historical area codes and local-number lengths to accept.",
    )
    routing_numbers: Path | None = Field(
        default=None,
        description="YAML file of routing numbers per (operator, network) for the number database.",
    )
    import_chunk_rows: int = Field(default=100_000, ge=1_000)
    batch_workers: int = Field(
        default=0,
        ge=0,
        description=(
            "Local networks a batch job (the cycle, outage credits) works on at once on "
            "PostgreSQL, each in its own connection (0: one per CPU core; at most "
            "db_pool_size). SQLite takes one writer at a time: there it is always one."
        ),
    )
    dask_scheduler: str | None = Field(
        default=None,
        description=(
            "Address of a Dask scheduler (tcp://host:8786): the strategy simulation and the "
            "forecasts of every region run there, each local network a task. Unset: in this "
            "process. The answer is the same either way."
        ),
    )
    dask_connect_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long to wait for the Dask scheduler before giving up with an error.",
    )
    min_notice_days: int = Field(
        default=90, ge=0, description="Least days between a plan's announcement and switch-off."
    )
    quarantine_days: int = Field(
        default=90, ge=0, description="Days a cancelled number rests before it returns to the pool."
    )
    max_monthly_fee_yuan: int = Field(
        default=10_000,
        ge=1,
        description="A monthly fee above this is refused at import as implausible (fen for yuan?).",
    )
    offers_file: Path | None = Field(
        default=None,
        description="YAML file of migration offers added to (or replacing) the shipped ones.",
    )
    porting_rules_file: Path | None = Field(
        default=None,
        description="YAML file of porting rule sets added to (or replacing) the shipped ones.",
    )
    port_validation_hours: int = Field(
        default=24,
        ge=1,
        description="Hours a donor has to validate an authorised port before it is overdue.",
    )
    site_migration_cost_yuan: int = Field(
        default=100,
        ge=0,
        description="What moving one line off a site costs (handset, visit): `sites plan` budget.",
    )
    complaint_sla_days: dict[str, int] = Field(
        default={
            "no_signal": 3,
            "charged_without_service": 7,
            "topup_refused": 2,
            "port_obstructed": 2,
            "other": 15,
        },
        description="Days to resolve a complaint, by kind (JSON in SUNSET_COMPLAINT_SLA_DAYS).",
    )
    session_hours: int = Field(
        default=12, ge=1, description="Hours a signed-in browser session lasts."
    )
    token_hours: int = Field(default=24, ge=1, description="Hours an API bearer token lasts.")
    cookie_secure: bool = Field(
        default=False,
        description="Mark the session cookie Secure (set it when sunset is served over HTTPS).",
    )
    money_limits_file: Path | None = Field(
        default=None,
        description=(
            "YAML file of the money a role may move in one operation and in a day (yuan), "
            "replacing the shipped access/data/money_limits.yaml; above it, four eyes."
        ),
    )
    moderation_file: Path | None = Field(
        default=None,
        description="YAML file of comment-moderation rules replacing the shipped ones.",
    )
    login_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins with one name within the window before it is refused.",
    )
    login_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one address within the window before it is refused.",
    )
    login_window_seconds: int = Field(
        default=900,
        ge=1,
        description="How long a failed sign-in counts (and so how long sign-in stays refused).",
    )
    web_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1,
        description="A request body larger than this is refused (413) before it is read.",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description=(
            "Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks, "
            "'*' for any client); empty: none, the address is the connection's own."
        ),
    )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        return ",".join(trusted_proxies(value))


def trusted_proxies(text: str) -> list[str]:
    """Split a comma-separated list of proxy addresses or networks, refusing one that is neither.

    >>> trusted_proxies("10.0.0.5, 192.168.0.0/16")
    ['10.0.0.5', '192.168.0.0/16']
    """
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return ["*"] if "*" in entries else entries


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once)."""
    return Settings()
