"""Who may take an offer: each condition once, as a predicate with its reason in words.

``conditions(offer, today)`` is the one definition. ``offer_refusals`` evaluates it on one line
for a care agent (every failing condition, in words); the campaign list compiles the same
predicates to SQL (``kit.predicates``). A property test holds the two equal on random lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sunset.kit.dates import add_months
from sunset.kit.predicates import Predicate
from sunset.lines.facts import LineFacts
from sunset.offers.schemas import Offer


@dataclass(frozen=True)
class Condition:
    """One condition of an offer: the predicate a line must meet and the reason when it fails.

    ``reason`` may quote the line's fields in braces (``{activated_on}``).
    """

    code: str
    predicate: Predicate
    reason: str


@dataclass(frozen=True)
class Reason:
    """A failed condition: its stable code and a sentence for the customer."""

    code: str
    message: str


def conditions(offer: Offer, today: date) -> list[Condition]:
    """Return every condition a line must meet to take ``offer`` on ``today``.

    Example, the Chongqing offer on 2011-05-15: the line must be Telecom's, in 023, on PHS,
    active, activated before 2009-01-01, and its owner must not have changed after 2011-02-15
    (three months back; a line whose owner never changed passes).
    """
    c = offer.conditions
    found = [
        Condition(
            "OFFER_OTHER_OPERATOR",
            Predicate("operator_code", "eq", offer.operator),
            f"the offer is {offer.operator}'s, for its own lines; this line is {{operator_code}}'s",
        ),
        Condition(
            "OFFER_STATUS",
            Predicate("status", "in", tuple(c.statuses)),
            f"the offer is for {' or '.join(c.statuses)} lines; this line is {{status}}",
        ),
    ]
    if c.regions is not None:
        found.append(_in("OFFER_REGION", "area_code", c.regions, "local networks"))
    if c.networks is not None:
        found.append(_in("OFFER_NETWORK", "network_code", c.networks, "networks"))
    found.extend(_date_conditions(offer, today))
    if c.real_name:
        found.append(
            Condition(
                "OFFER_NOT_REAL_NAME",
                Predicate("real_name", "eq", True),
                "the customer is not registered under their real name (实名登记); register first",
            )
        )
    if c.no_arrears:
        found.append(
            Condition(
                "OFFER_ARREARS",
                Predicate("unpaid_bills", "eq", 0),
                "the line has {unpaid_bills} unpaid bill(s); pay them first",
            )
        )
    return found


def predicates(offer: Offer, today: date) -> list[Predicate]:
    """Return the predicates of ``conditions``: what the campaign's SQL compiles."""
    return [c.predicate for c in conditions(offer, today)]


def _in(code: str, field: str, allowed: list[str], what: str) -> Condition:
    return Condition(
        code,
        Predicate(field, "in", tuple(allowed)),
        f"the offer is for the {what} {', '.join(allowed)}; this line is on {{{field}}}",
    )


def _date_conditions(offer: Offer, today: date) -> list[Condition]:
    c = offer.conditions
    found = []
    if c.activated_before is not None:
        found.append(
            Condition(
                "OFFER_ACTIVATED_TOO_LATE",
                Predicate("activated_on", "lt", c.activated_before),
                f"the offer is for lines activated before {c.activated_before}; "
                "this one was activated on {activated_on}",
            )
        )
    if c.no_owner_change_months is not None:
        since = add_months(today, -c.no_owner_change_months)
        found.append(
            Condition(
                "OFFER_OWNER_CHANGED",
                Predicate("owner_changed_on", "le", since, null_passes=True),
                f"the owner changed on {{owner_changed_on}}, within the last "
                f"{c.no_owner_change_months} months (after {since})",
            )
        )
    if c.not_under_commitment:
        found.append(
            Condition(
                "OFFER_UNDER_COMMITMENT",
                Predicate("commitment_until", "lt", today, null_passes=True),
                "the line is committed to its current contract until {commitment_until}",
            )
        )
    return found


def window_refusal(offer: Offer, today: date) -> Reason | None:
    """Say why ``offer`` cannot be taken on ``today`` when it is not open then."""
    if today < offer.valid_from:
        return Reason("OFFER_NOT_OPEN", f"the offer opens on {offer.valid_from}")
    if offer.valid_until is not None and today > offer.valid_until:
        return Reason("OFFER_CLOSED", f"the offer closed on {offer.valid_until}")
    return None


def offer_refusals(offer: Offer, facts: LineFacts, today: date) -> list[Reason]:
    """Return every reason ``facts``' line may not take ``offer`` on ``today`` (none: eligible)."""
    record = facts.record()
    reasons = [
        Reason(cond.code, cond.reason.format(**_shown(record)))
        for cond in conditions(offer, today)
        if not cond.predicate.holds(record)
    ]
    window = window_refusal(offer, today)
    return [window, *reasons] if window else reasons


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: "(none)" if v is None else v for k, v in record.items()}


def kept_tariff_until(offer: Offer, today: date) -> date | None:
    """Return the first day the offer's plan fee applies when the old tariff is kept a while.

    The old tariff runs for whole calendar months from the month after the migration, so the
    month-end switches the fee cleanly: migrating on 2011-05-15 with 3 months kept, the old
    fee is charged to the end of August and the plan fee from 2011-09-01.
    """
    months = offer.outcome.keep_old_tariff_months
    if months == 0:
        return None
    return add_months(today.replace(day=1), months + 1)
