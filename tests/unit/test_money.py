"""Money at the edges: yuan as people write it in, integer fen inside, two-decimal yuan out."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunset.errors import InputInvalidError
from sunset.kit.money import format_yuan, parse_yuan, yuan_to_fen_expr

PARSED = [
    ("0", 0),
    ("12", 1200),
    ("12.5", 1250),
    ("12.50", 1250),
    ("0.01", 1),
    ("70.00", 7000),
    ("1,234.50", 123450),
    ("12,345,678.9", 1234567890),
    ("¥70", 7000),
    ("￥70", 7000),
    ("70元", 7000),
    (" 70 ", 7000),
    ("00012", 1200),
]
REFUSED = [
    "",
    "  ",
    "-1",
    "-0.50",
    "12.345",
    "1.",
    ".5",
    "abc",
    "12a",
    "1e3",
    "+5",
    "1,23",
    "1,2345",
]


@pytest.mark.parametrize(("text", "fen"), PARSED)
def test_parse_yuan_turns_what_people_write_into_fen(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", REFUSED)
def test_parse_yuan_refuses_negative_over_precise_or_non_numeric_amounts(text: str) -> None:
    with pytest.raises(InputInvalidError, match="balance"):
        parse_yuan(text, field="balance")


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (1, "0.01"), (99, "0.99"), (100, "1.00"), (123450, "1234.50"), (-5, "-0.05")],
)
def test_format_yuan_writes_two_decimals(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_formatting_then_parsing_gives_back_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen


def _expr(values: list[str | None]) -> list[tuple[int | None, bool]]:
    fen, ok = yuan_to_fen_expr("amount")
    frame = pl.DataFrame({"amount": values}, schema={"amount": pl.String})
    return list(frame.select(fen.alias("fen"), ok.alias("ok")).iter_rows())


@st.composite
def yuan_texts(draw: st.DrawFn) -> str:
    """Valid yuan amounts as an export writes them: grouping, decimals, a currency sign."""
    whole = draw(st.integers(min_value=0, max_value=10**10 - 1))
    text = f"{whole:,}" if draw(st.booleans()) else str(whole)
    decimals = draw(st.sampled_from(["", "0", "5", "00", "05", "50", "99"]))
    if decimals:
        text += "." + decimals
    prefix = draw(st.sampled_from(["", "¥", "￥", " "]))
    suffix = draw(st.sampled_from(["", "元", " "]))
    return prefix + text + suffix


@settings(max_examples=200, deadline=None)
@given(st.lists(yuan_texts(), min_size=1, max_size=20))
def test_the_bulk_expression_agrees_with_parse_yuan_on_valid_amounts(texts: list[str]) -> None:
    assert _expr(list(texts)) == [(parse_yuan(t), True) for t in texts]


def test_the_bulk_expression_flags_what_parse_yuan_refuses() -> None:
    assert _expr([*REFUSED, None]) == [(None, False)] * (len(REFUSED) + 1)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("100000000000000000", id="wraps-to-negative-fen"),
        pytest.param("99999999999999999999", id="beyond-int64"),
        pytest.param("１２", id="full-width-digits"),
        pytest.param("١٢", id="arabic-indic-digits"),
    ],
)
def test_the_bulk_expression_never_accepts_an_amount_it_cannot_convert_exactly(text: str) -> None:
    [(fen, ok)] = _expr([text])
    assert not ok or fen == parse_yuan(text)
