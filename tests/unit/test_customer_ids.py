"""An ID number is stored only hashed and masked; the import's column-wise forms must agree with
the single-value ones, or a subscriber's ID given at a port check would no longer match."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from sunset.lines.rules import hash_id, hash_id_expr, mask_id, mask_id_expr

ID_NUMBERS = st.one_of(
    st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{14}", fullmatch=True),
)


@given(
    ids=st.lists(st.one_of(st.none(), ID_NUMBERS), max_size=40),
    salt=st.text(min_size=0, max_size=30),
)
def test_the_import_hashes_and_masks_ids_exactly_as_one_at_a_time(
    ids: list[str | None], salt: str
) -> None:
    frame = pl.DataFrame({"id": ids}, schema={"id": pl.String})

    out = frame.select(hash=hash_id_expr("id", salt), masked=mask_id_expr("id"))

    assert out.get_column("hash").to_list() == [
        None if i is None else hash_id(i, salt) for i in ids
    ]
    assert out.get_column("masked").to_list() == [None if i is None else mask_id(i) for i in ids]


def test_a_masked_id_keeps_four_characters_at_each_end() -> None:
    frame = pl.DataFrame({"id": ["34010219900101126X", "340102900101123"]})

    masked = frame.select(mask_id_expr("id")).to_series().to_list()

    assert masked == ["3401**********126X", "3401*******1123"]
