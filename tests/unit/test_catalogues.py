"""Offers and porting rules from YAML: the shipped ones load, an operator's file adds or replaces
by id, and a bad item is refused naming the file, the item and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sunset.errors import InputInvalidError
from sunset.offers.repository import load_offers
from sunset.porting.repository import load_rule_sets


def test_the_shipped_offers_and_rule_sets_load() -> None:
    assert {"chongqing-2009-tianyi", "beijing-unicom-upgrade"} <= set(load_offers(None))
    assert {r.id for r in load_rule_sets(None)} == {
        "tianjin-2010",
        "hainan-2010",
        "shijiazhuang-phs-2011",
        "national-2019",
    }


def test_an_operators_file_replaces_a_shipped_rule_set_by_id(tmp_path: Path) -> None:
    extra = tmp_path / "rules.yaml"
    extra.write_text(
        "rule_sets:\n"
        "  - {id: hainan-2010, name: Hainan both ways, regions: ['0898'], valid_from: 2010-11-22,\n"
        "     directions: [{from: ['*/*'], to: ['*/*']}]}\n",
        encoding="utf-8",
    )
    hainan = {r.id: r for r in load_rule_sets(extra)}["hainan-2010"]
    assert hainan.name == "Hainan both ways" and hainan.barred_ranges == []


def test_a_bad_offer_is_refused_naming_file_offer_and_field(tmp_path: Path) -> None:
    extra = tmp_path / "offers.yaml"
    extra.write_text(
        "offers:\n  - {id: broken, name: x, operator: telecom, valid_from: 2011-01-01,\n"
        "     outcome: {operator: telecom, network: cdma2000, plans_yuan: [12.345]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputInvalidError) as refused:
        load_offers(extra)
    assert str(extra) in refused.value.message
    assert "broken" in refused.value.message and "12.345" in refused.value.message
