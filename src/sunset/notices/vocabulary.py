"""Channels a notice can go out by."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """How a notice reached a line's customer."""

    SMS = "sms"
    LETTER = "letter"
    BILL_MESSAGE = "bill_message"
