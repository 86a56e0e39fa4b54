"""The porting rules of DOMAIN.md as a table of cases: who may port where, when, and why not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from sunset.lines.facts import LineFacts
from sunset.porting.repository import load_rule_sets
from sunset.porting.rules import (
    Identity,
    Target,
    identity_refusal,
    next_slot,
    port_refusals,
    rule_set_in_force,
)

RULES = load_rule_sets(None)
DAY = date(2011, 3, 1)


def facts(number: str = "+8613512345678", **overrides: object) -> LineFacts:
    """A Tianjin China Mobile GSM line, real-name, joined long ago, nothing owed."""
    base = LineFacts(
        line_id=1,
        number=number,
        area_code="022",
        operator_code="mobile",
        network_code="gsm",
        customer_ref="C1",
        status="active",
        suspension_reason=None,
        activated_on=date(2009, 1, 1),
        owner_changed_on=None,
        last_ported_on=None,
        unpaid_bills=0,
        commitment_until=None,
        real_name=True,
        prepaid=True,
        monthly_fee_fen=3000,
        balance_fen=0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def codes(
    line: LineFacts, to: str, *, area: str | None = None, day: date = DAY, pending: bool = False
) -> list[str]:
    operator, network = to.split("/")
    in_force = rule_set_in_force(RULES, line.area_code, day)
    target = Target(operator, network, area or line.area_code)
    return [
        r.code for r in port_refusals(in_force, line, target, today=day, pending_elsewhere=pending)
    ]


@pytest.mark.parametrize(
    ("line", "to", "expected"),
    [
        # Tianjin: two-way among Telecom and Unicom 2G/3G and China Mobile 2G.
        (facts(), "unicom/gsm", []),
        (facts(), "telecom/cdma2000", []),
        (
            facts("+8613312345678", operator_code="telecom", network_code="cdma2000"),
            "mobile/gsm",
            [],
        ),
        (facts("+8613012345678", operator_code="unicom", network_code="wcdma"), "telecom/cdma", []),
        # Others may port into TD-SCDMA ...
        (
            facts("+8613012345678", operator_code="unicom", network_code="gsm"),
            "mobile/td-scdma",
            [],
        ),
        # ... but China Mobile's TD-SCDMA ranges (157, 188) cannot port out.
        (
            facts("+8618812345678", network_code="td-scdma"),
            "unicom/wcdma",
            ["PORT_DIRECTION_NOT_ALLOWED", "PORT_RANGE_BARRED"],
        ),
        (facts("+8615712345678", network_code="gsm"), "unicom/gsm", ["PORT_RANGE_BARRED"]),
        # PHS is not in the trial.
        (
            facts("+862261234567", operator_code="telecom", network_code="phs"),
            "unicom/gsm",
            ["PORT_DIRECTION_NOT_ALLOWED"],
        ),
        # Hainan: one way, China Mobile 2G to Telecom or Unicom.
        (facts(area_code="0898"), "telecom/cdma2000", []),
        (facts(area_code="0898"), "unicom/wcdma", []),
        (
            facts(
                "+8613312345678", area_code="0898", operator_code="telecom", network_code="cdma2000"
            ),
            "mobile/gsm",
            ["PORT_DIRECTION_NOT_ALLOWED"],
        ),
        (facts("+8618812345678", area_code="0898"), "unicom/gsm", ["PORT_RANGE_BARRED"]),
        # The same operator is no port at all.
        (facts(), "mobile/td-scdma", ["PORT_SAME_OPERATOR"]),
        # The six situations, and the real-name rule.
        (facts(real_name=False), "unicom/gsm", ["PORT_NOT_REAL_NAME"]),
        (facts(real_name=None), "unicom/gsm", ["PORT_NOT_REAL_NAME"]),
        (facts(unpaid_bills=2), "unicom/gsm", ["PORT_ARREARS"]),
        (facts(commitment_until=date(2011, 6, 30)), "unicom/gsm", ["PORT_CONTRACT_TERM"]),
        (facts(commitment_until=date(2011, 2, 28)), "unicom/gsm", []),
        (facts(activated_on=date(2010, 11, 2)), "unicom/gsm", ["PORT_TOO_SOON"]),  # 119 days
        (facts(activated_on=date(2010, 11, 1)), "unicom/gsm", []),  # 120 days
        (facts(last_ported_on=date(2011, 1, 1)), "unicom/gsm", ["PORT_TOO_SOON"]),
        (facts(status="suspended", suspension_reason="arrears"), "unicom/gsm", ["PORT_SUSPENDED"]),
        (facts(status="suspended", suspension_reason="lost"), "unicom/gsm", ["PORT_SIM_LOST"]),
        (facts(status="terminated"), "unicom/gsm", ["PORT_LINE_NOT_LIVE"]),
    ],
)
def test_port_rules_of_the_2010_trials(line: LineFacts, to: str, expected: list[str]) -> None:
    assert codes(line, to) == expected


def test_a_port_across_local_networks_is_refused() -> None:
    assert codes(facts(), "unicom/gsm", area="010") == ["PORT_OTHER_LOCAL_NETWORK"]


def test_a_port_pending_elsewhere_is_refused() -> None:
    assert codes(facts(), "unicom/gsm", pending=True) == ["PORT_PENDING_ELSEWHERE"]


def test_no_porting_outside_the_trial_regions_and_dates() -> None:
    hefei = facts("+8613512345678", area_code="0551")
    assert codes(hefei, "unicom/gsm") == ["PORT_NO_RULES_IN_FORCE"]
    assert codes(facts(), "unicom/gsm", day=date(2010, 11, 21)) == ["PORT_NO_RULES_IN_FORCE"]
    assert codes(facts(), "unicom/gsm", day=date(2010, 11, 22)) == []


def test_the_national_rules_replace_the_trials_from_december_2019() -> None:
    assert rule_set_in_force(RULES, "022", date(2019, 11, 30)).id == "tianjin-2010"  # type: ignore[union-attr]
    assert rule_set_in_force(RULES, "022", date(2019, 12, 1)).id == "national-2019"  # type: ignore[union-attr]
    day = date(2020, 3, 1)
    hefei_td = facts("+8618812345678", area_code="0551", network_code="td-scdma")
    assert codes(hefei_td, "unicom/wcdma", day=day) == []  # TD may leave under the 2019 rules
    satellite = facts("+8613491234567", area_code="0551")
    assert codes(satellite, "unicom/wcdma", day=day) == ["PORT_RANGE_BARRED"]


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2011, 3, 1, 8, 59), datetime(2011, 3, 1, 9, 0)),
        (datetime(2011, 3, 1, 0, 10), datetime(2011, 3, 1, 9, 0)),
        (datetime(2011, 3, 1, 9, 0), datetime(2011, 3, 1, 10, 0)),
        (datetime(2011, 3, 1, 18, 59, 59), datetime(2011, 3, 1, 19, 0)),
        (datetime(2011, 3, 1, 19, 0, 1), datetime(2011, 3, 1, 20, 0)),
        (datetime(2011, 3, 1, 19, 59), datetime(2011, 3, 1, 20, 0)),
        (datetime(2011, 3, 1, 20, 0), datetime(2011, 3, 2, 9, 0)),
        (datetime(2011, 3, 1, 20, 1), datetime(2011, 3, 2, 9, 0)),
        (datetime(2011, 3, 1, 23, 30), datetime(2011, 3, 2, 9, 0)),
        (datetime(2011, 12, 31, 21, 0), datetime(2012, 1, 1, 9, 0)),
    ],
)
def test_a_port_takes_effect_at_the_next_full_hour_between_nine_and_twenty(
    now: datetime, slot: datetime
) -> None:
    assert next_slot(now) == slot


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        (None, False),
        (Identity("张三", "h1"), False),
        (Identity(" 张三 ", None), False),
        (Identity(None, "h1"), False),
        (Identity("李四", "h1"), True),
        (Identity("张三", "h2"), True),
    ],
)
def test_the_name_and_id_number_given_must_match_the_record(
    given: Identity | None, refused: bool
) -> None:
    found = identity_refusal(Identity("张三", "h1"), given)
    assert (found is not None and found.code == "PORT_IDENTITY_MISMATCH") == refused
