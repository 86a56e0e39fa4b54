"""Normalising numbers: how people write Chinese numbers, refusals with a reason, the cache."""

from __future__ import annotations

from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sunset.errors import NumberInvalidError
from sunset.kit.numbers import (
    NumberingPlan,
    display,
    load_overlay,
    shape_key,
    shape_key_expr,
)

PLAN = NumberingPlan()

ACCEPTED = [
    # raw, E.164, kind, area code
    ("0551-62345678", "+8655162345678", "fixed", "0551"),
    ("055162345678", "+8655162345678", "fixed", "0551"),
    ("+86 551 6234 5678", "+8655162345678", "fixed", "0551"),
    ("(0551) 6234-5678", "+8655162345678", "fixed", "0551"),
    ("0086 10 62345678", "+861062345678", "fixed", "010"),
    ("010-62345678", "+861062345678", "fixed", "010"),
    ("133 1234 5678", "+8613312345678", "mobile", None),
    ("+8613312345678", "+8613312345678", "mobile", None),
    ("8613312345678", "+8613312345678", "mobile", None),
    ("１３３１２３４５６７８", "+8613312345678", "mobile", None),
    ("０５５１－６２３４５６７８", "+8655162345678", "fixed", "0551"),
    ("1.3312345678E+10", "+8613312345678", "mobile", None),
    ("  133 1234 5678  ", "+8613312345678", "mobile", None),
    # Historical numbering the phonenumbers metadata no longer knows, via the overlay.
    ("0565-2234567", "+865652234567", "fixed", "0565"),
    ("0311-7654321", "+863117654321", "fixed", "0311"),
]

REFUSED = [
    # raw, a phrase the reason must contain
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "characters other than digits"),
    ("0551-6234567x", "characters other than digits"),
    ("1.33123E+10", "lost digits"),
    ("+44 20 7946 0958", "only +86"),
    ("0044 20 7946 0958", "only Chinese numbers"),
    ("12345", "wrong length"),
    ("0551-623456789", "wrong length"),
    ("0340-2345678", "area 0340"),  # no such area code, and not in the overlay
    ("0755-2345678", "area 0755"),  # Shenzhen: 8 digits only, no overlay entry
    ("0551-1234567", "start with 2-9"),  # Hefei local number starting with 1
    ("0551-12345678", "1xx are services"),  # valid for phonenumbers, but a service code
    ("0565-1234567", "start with 2-9"),  # Chaohu, overlay area, local number starting with 1
    ("010-6234567", "area 010 has no 7-digit"),  # Beijing is 8 digits
    ("199 0000 00", "11 digits"),  # a mobile number missing two digits
    ("1990000", "wrong length"),
]


@pytest.mark.parametrize(("raw", "e164", "kind", "area"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_normalise_accepts_the_ways_people_write_a_number(
    raw: str, e164: str, kind: str, area: str | None
) -> None:
    number, shape = PLAN.normalise(raw)
    assert number == e164
    assert (shape.kind, shape.area_code) == (kind, area)


@pytest.mark.parametrize(("raw", "reason"), REFUSED, ids=[repr(c[0]) for c in REFUSED])
def test_normalise_refuses_a_bad_number_saying_why(raw: str, reason: str) -> None:
    with pytest.raises(NumberInvalidError) as refused:
        PLAN.normalise(raw)
    assert reason in str(refused.value)
    assert refused.value.code == "NUMBER_INVALID"


def test_normalise_accepts_a_fixed_line_number_with_a_bare_86_prefix() -> None:
    assert PLAN.normalise("86 551 6234 5678")[0] == "+8655162345678"


def test_normalise_never_returns_an_e164_with_non_ascii_digits() -> None:
    try:
        number, shape = PLAN.normalise("٥٥١٦٢٣٤٥٦٧٨")  # 55162345678 in Arabic-Indic digits
    except NumberInvalidError:
        return
    assert number == "+8655162345678"
    assert shape.area_code == "0551"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+8655162345678", "0551-62345678"),
        ("+861062345678", "010-62345678"),
        ("+862162345678", "021-62345678"),
        ("+865652234567", "0565-2234567"),
        ("+8613312345678", "133 1234 5678"),
    ],
)
def test_display_writes_numbers_the_way_chinese_users_do(e164: str, shown: str) -> None:
    assert display(e164) == shown
    assert PLAN.normalise(shown)[0] == e164


def test_a_custom_overlay_adds_an_area_code_and_keeps_the_shipped_ones(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        'area_codes:\n  "755": {local_lengths: [7], note: "Shenzhen before 1996"}\n',
        encoding="utf-8",
    )
    plan = NumberingPlan(load_overlay(overlay))

    number, shape = plan.normalise("0755-2345678")
    assert (number, shape.kind, shape.area_code) == ("+867552345678", "fixed", "0755")
    assert plan.normalise("0565-2234567")[0] == "+865652234567"
    with pytest.raises(NumberInvalidError, match="area 0755"):
        PLAN.normalise("0755-2345678")


# --- the shape cache agrees with the full phonenumbers parser -------------------------------

REAL_AREA_CODES = [
    "10",
    *(f"2{d}" for d in range(10)),
    "311",
    "351",
    "371",
    "411",
    "431",
    "471",
    "551",
    "565",
    "571",
    "591",
    "731",
    "755",
    "757",
    "760",
    "769",
    "791",
    "851",
    "871",
    "898",
    "931",
    "991",
]
OVERLAY_AREAS = set(load_overlay())
DIGITS = "0123456789"
SHARED_PLAN = NumberingPlan()  # warm: every example of every test below fills its cache


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


@st.composite
def numbers_of_one_shape(draw: st.DrawFn) -> list[str]:
    """A few national numbers that share a cache key: a mobile range or area + local prefix."""
    if draw(st.booleans()):
        head = "1" + draw(st.sampled_from("3456789")) + draw(digits(5))
        tail_len = 4
    else:
        area = draw(st.sampled_from(REAL_AREA_CODES))
        local_len = draw(st.sampled_from([7, 8]))
        head = area + draw(st.sampled_from("23456789" * 3 + "019")) + draw(digits(3))
        tail_len = local_len - 4
    tails = draw(st.lists(digits(tail_len), min_size=1, max_size=4))
    return [head + tail for tail in tails]


def parser_says_valid(nsn: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse("0" + nsn, "CN"))


def cached_says_valid(plan: NumberingPlan, nsn: str) -> bool:
    return plan.shape(nsn).kind is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers_of_one_shape())
def test_cached_classification_agrees_with_the_phonenumbers_parser(numbers: list[str]) -> None:
    fresh = NumberingPlan()
    for nsn in numbers:
        expected = parser_says_valid(nsn)
        area = "0" + (nsn[:2] if nsn[0] in "12" else nsn[:3])
        for plan in (fresh, SHARED_PLAN):
            got = cached_says_valid(plan, nsn)
            if len(nsn) == 11 and nsn[0] == "1" and nsn[1] in "3456789":
                assert got == expected, nsn
            elif nsn[len(area) - 1] in "01":
                # Stricter than the parser on purpose: 0xx/1xx local numbers are service codes.
                assert not got, nsn
            elif area in OVERLAY_AREAS:
                # The overlay only adds historical numbers: never refuses what the parser knows.
                assert got or not expected, nsn
            else:
                assert got == expected, nsn


@settings(max_examples=200, deadline=None)
@given(numbers_of_one_shape())
def test_a_valid_number_gets_its_kind_and_area_code(numbers: list[str]) -> None:
    for nsn in numbers:
        shape = SHARED_PLAN.shape(nsn)
        if shape.kind is None:
            assert shape.reason
        elif shape.kind == "mobile":
            assert shape.area_code is None
        else:
            assert nsn.startswith(shape.area_code[1:])  # type: ignore[index]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(DIGITS, min_size=1, max_size=13),
            numbers_of_one_shape().map(lambda numbers: numbers[0]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_shape_key_and_its_polars_expression_agree(numbers: list[str]) -> None:
    frame = pl.DataFrame({"nsn": numbers}, schema={"nsn": pl.String})
    keys = frame.select(shape_key_expr("nsn")).to_series().to_list()
    assert keys == [shape_key(n) for n in numbers]


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=9, max_size=11),
    lead=st.sampled_from("123456789"),
)
# +86 86...: the country code is taken off once, not twice.
@example(digits="06660950000", lead="8")
def test_an_e164_number_is_checked_the_same_with_or_without_the_text_rules(
    digits: str, lead: str
) -> None:
    raw = "+86" + lead + digits[1:]
    plan = NumberingPlan()
    frame = plan.normalise_frame(pl.DataFrame({"number": [raw]}), "number").row(0, named=True)
    if frame["number_error"]:
        with pytest.raises(NumberInvalidError):
            plan.normalise(raw)
    else:
        assert plan.normalise(raw) == (frame["e164"], plan.shape(raw[3:]))
        assert frame["e164"] == raw


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="0123456789 -", min_size=1, max_size=18).filter(lambda t: t[0].isdigit())
    | numbers_of_one_shape().map(lambda numbers: numbers[0])
)
def test_a_typed_number_is_read_the_same_by_the_quick_path_and_the_text_rules(raw: str) -> None:
    plan = NumberingPlan()
    frame = plan.normalise_frame(pl.DataFrame({"number": [raw]}), "number").row(0, named=True)
    if frame["number_error"]:
        with pytest.raises(NumberInvalidError):
            plan.normalise(raw)
    else:
        number, shape = plan.normalise(raw)
        assert number == frame["e164"]
        assert (shape.kind, shape.area_code) == (frame["number_kind"], frame["number_area"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from([raw for raw, *_ in ACCEPTED]),
                numbers_of_one_shape().map(lambda numbers: numbers[0]),
                st.text(alphabet="0123456789 -+", min_size=1, max_size=14),
            ),
            min_size=1,
            max_size=12,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_plan_reused_chunk_after_chunk_reads_each_number_as_a_fresh_one_does(
    chunks: list[list[str]],
) -> None:
    """An import's plan keeps the shapes it has met, chunk after chunk (and repeats within a
    chunk): each row still comes out once, read as a plan that never saw the others reads it."""
    reused = NumberingPlan()
    for chunk in chunks:
        frame = pl.DataFrame({"number": chunk}, schema={"number": pl.String})
        got = reused.normalise_frame(frame, "number")
        assert got.get_column("number").to_list() == chunk
        expected = NumberingPlan().normalise_frame(frame, "number")
        assert got.equals(expected)
