"""The closed vocabulary of base stations."""

from __future__ import annotations

from enum import StrEnum


class SiteStatus(StrEnum):
    """A site serves its lines only while on air."""

    ON_AIR = "on_air"
    FAULTY = "faulty"
    OFF_AIR = "off_air"
    DISMANTLED = "dismantled"
