"""The states of a port request and the catalogue of reasons, each with a stable code."""

from __future__ import annotations

from enum import StrEnum


class PortState(StrEnum):
    """Where a port request stands. Completed, cancelled and rejected requests are closed."""

    REQUESTED = "requested"  # eligibility checked, authorisation code sent to the customer
    AUTHORISED = "authorised"  # the recipient presented the code in time
    VALIDATED = "validated"  # the donor had no grounds to refuse
    SCHEDULED = "scheduled"  # takes effect at the slot
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


OPEN_STATES = (
    PortState.REQUESTED.value,
    PortState.AUTHORISED.value,
    PortState.VALIDATED.value,
    PortState.SCHEDULED.value,
)


class BalanceHandling(StrEnum):
    """What happens to the donor line's balance when the port completes."""

    REFUND = "refund"
    CARRY_OVER = "carry_over"


# Every reason a port may be refused, with its meaning. Codes are stable: the API, the CLI's
# --json and the regulator's statistics use them. ``donor_ground`` marks the grounds on which
# the donor may refuse (2010 operator document, 2019 rules); ``manual_only`` the ones no data
# can prove, which a donor states by hand; ``customer_state`` the ones the customer's own
# situation can bring about after the eligibility check (the rest, arising after the check,
# are the donor's doing: obstruction).
CATALOGUE: dict[str, str] = {
    "PORT_NO_RULES_IN_FORCE": "no porting rules are in force in this local network on this date",
    "PORT_LINE_NOT_LIVE": "the number is not on a live line",
    "PORT_SAME_OPERATOR": "the number is already served by that operator",
    "PORT_DIRECTION_NOT_ALLOWED": "the rules in force do not allow this direction",
    "PORT_OTHER_LOCAL_NETWORK": "a number may port only within its own local network",
    "PORT_RANGE_BARRED": "the number is in a range barred from porting by policy",
    "PORT_NOT_REAL_NAME": "the customer is not registered under their real name",
    "PORT_IDENTITY_MISMATCH": "the name and ID number given do not match the customer's",
    "PORT_CONTRACT_TERM": "a minimum-term agreement (subsidy or signed term) has not ended",
    "PORT_ARREARS": "earlier bills are unpaid",
    "PORT_TOO_SOON": "too few days since the line joined or last ported",
    "PORT_SUSPENDED": "the number is suspended",
    "PORT_SIM_LOST": "the SIM card is reported lost",
    "PORT_DONOR_NETWORK_FAULT": "a fault in the donor's network prevents the port now",
    "PORT_PENDING_ELSEWHERE": "a port of this number is already pending",
    "PORT_CODE_WRONG": "the authorisation code does not match",
    "PORT_CODE_EXPIRED": "the authorisation code has expired (valid 60 minutes)",
    "PORT_OBSTRUCTION": "the donor refused on a ground that was not true at the eligibility check",
    "PORT_NOT_IN_STATE": "the request is not in a state that allows this step",
    "PORT_TARGET_CLOSED": "the target network takes no new lines here (retirement plan)",
}

DONOR_GROUNDS = (
    "PORT_IDENTITY_MISMATCH",
    "PORT_CONTRACT_TERM",
    "PORT_ARREARS",
    "PORT_TOO_SOON",
    "PORT_SUSPENDED",
    "PORT_SIM_LOST",
    "PORT_DONOR_NETWORK_FAULT",
    "PORT_RANGE_BARRED",
    "PORT_PENDING_ELSEWHERE",
    "PORT_NOT_REAL_NAME",
)
MANUAL_ONLY = ("PORT_IDENTITY_MISMATCH", "PORT_DONOR_NETWORK_FAULT")
CUSTOMER_STATE = ("PORT_LINE_NOT_LIVE", "PORT_SUSPENDED", "PORT_SIM_LOST")
