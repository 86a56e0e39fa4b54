"""The closed vocabulary of the comment board."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What moderation did with a comment."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    REVIEW = "review"
