"""Which network the progress figures count when none is named."""

from __future__ import annotations

import pytest

from sunset.stats.rules import lines_unit, only_network, retiring_networks


@pytest.mark.parametrize(
    ("planned", "with_deadline", "retiring"),
    [
        (["phs", "phs", "phs"], ["phs"], ["phs"]),  # one plan a region
        (["phs", "gsm"], ["phs"], ["gsm", "phs"]),  # a 2G sunset beside PHS
        ([], ["phs"], ["phs"]),  # before any plan: the regulator's deadline says
        (["fixed"], ["phs"], ["fixed"]),  # a plan beats a deadline
        ([], [], []),
    ],
)
def test_the_networks_being_retired_are_those_with_plans_else_with_a_deadline(
    planned: list[str], with_deadline: list[str], retiring: list[str]
) -> None:
    assert retiring_networks(planned, with_deadline) == retiring


def test_one_network_being_retired_is_the_one_counted() -> None:
    assert only_network(["phs"]) == "phs"
    assert lines_unit("phs") == "phs lines"


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        (["gsm", "phs"], "several networks are being retired (gsm, phs): say which with --network"),
        (
            [],
            "no network has a retirement plan or a regulator's deadline: say which with --network",
        ),
    ],
)
def test_none_or_several_networks_being_retired_must_be_named(
    candidates: list[str], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        only_network(candidates)
    assert str(refused.value) == message
