"""Verify every invariant of DOMAIN.md's "Money and numbers" over the whole database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sunset.integrity import repository, rules
from sunset.integrity.rules import Violation
from sunset.ledger import repository as ledger


def verify(session: Session) -> list[Violation]:
    """Return every invariant that does not hold (an empty list when all hold)."""
    rows, count = repository.balance_mismatches(session)
    entries, balances = repository.money_totals(session)
    found = [
        rules.conservation(entries - balances),
        rules.balance_mismatches(rows, count),
        rules.numbers_live_twice(repository.numbers_live_twice(session)),
        rules.numbers_held_and_live(repository.numbers_held_and_live(session)),
        rules.numbers_lost(repository.numbers_lost(session)),
        rules.departures_without_record(repository.departures_without_record(session)),
        rules.bad_entries(
            "LEDGER_WRONG_SIGN",
            "have an amount whose sign contradicts their kind",
            repository.entries_with_wrong_sign(session),
        ),
        rules.bad_entries(
            "LEDGER_WITHOUT_LINE",
            "belong to no line of their local network",
            repository.entries_without_their_line(session),
        ),
        rules.lines_without_customer(repository.lines_without_customer(session)),
        rules.stale_totals(ledger.totals(session), ledger.totals_from_entries(session)),
        rules.unknown_references(repository.unknown_references(session)),
    ]
    return [v for v in found if v is not None]
