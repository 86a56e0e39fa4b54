"""Chinese telephone numbers: ``phonenumbers`` validation, a historical overlay, a prefix cache.

Inside sunset a number is E.164 (``+8655162345678``). People see the national form: fixed-line
numbers as area code, dash, local number (``0551-62345678``), mobiles in groups (``133 1234 5678``).

``phonenumbers`` knows today's numbering plan only. Numbers of a retired network are often older
than that (Chaohu's 0565 was merged into Hefei's 0551 in 2011; many cities had 7-digit local
numbers), so an overlay of historical area codes and local lengths is consulted as well.

Validating 20 million numbers with the full parser costs ~17 us each; whether a number is valid
depends only on its first digits and its length, so the answer is cached per *shape*: the first
seven digits of a mobile, or the area code, the first four local digits and the local length of a
fixed-line number (deeper than any pattern in the CN metadata looks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import phonenumbers
import polars as pl
import yaml
from phonenumbers import PhoneNumberType

from sunset.errors import NumberInvalidError
from sunset.kit.text import half_width

NumberKind = Literal["fixed", "mobile"]
DEFAULT_OVERLAY = Path(__file__).parents[1] / "reference" / "data" / "numbering_overlay.yaml"

_SCIENTIFIC = r"^([0-9])(?:\.([0-9]+))?[eE]\+?([0-9]{1,2})$"
_MOBILE = r"^1[3-9][0-9]{9}$"
_FIXED_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class Shape:
    """What a number's shape tells: its kind and area code, or why it is not valid."""

    kind: NumberKind | None
    area_code: str | None  # with the trunk 0, as people write it: "0551"
    reason: str | None = None


@dataclass(frozen=True)
class OverlayEntry:
    """An area code with the local-number lengths it had, whatever today's metadata says."""

    local_lengths: tuple[int, ...]
    note: str = ""


def load_overlay(path: Path | None = None) -> dict[str, OverlayEntry]:
    """Read the shipped overlay plus, if given, an operator's own file (theirs wins)."""
    entries: dict[str, OverlayEntry] = {}
    for source in (DEFAULT_OVERLAY, path):
        if source is None:
            continue
        data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
        for code, spec in (data.get("area_codes") or {}).items():
            code = str(code)
            if not code.startswith("0"):
                code = "0" + code
            lengths = tuple(int(n) for n in spec.get("local_lengths", (7, 8)))
            entries[code] = OverlayEntry(lengths, str(spec.get("note", "")))
    return entries


def area_code_of(nsn: str) -> str:
    """Return the area code (with trunk 0) of a fixed-line national number: 2 digits for 10 and
    2x (Beijing, Shanghai, ...), 3 digits for every other Chinese area."""
    return "0" + (nsn[:2] if nsn[0] in "12" else nsn[:3])


def is_mobile_nsn(nsn: str) -> bool:
    """Tell whether a national number has the mobile shape (1[3-9] + 9 digits)."""
    return len(nsn) == 11 and nsn[0] == "1" and nsn[1] in "3456789"


def shape_key(nsn: str) -> str:
    """Return the cache key under which every number with the same validity falls."""
    if is_mobile_nsn(nsn):
        return nsn[:7] + "|m"
    area = area_code_of(nsn)
    local = nsn[len(area) - 1 :]
    return f"{area}|{local[:4]}|{len(local)}"


def shape_key_expr(column: str) -> pl.Expr:
    """``shape_key`` as a polars expression (tests hold the two equal)."""
    nsn = pl.col(column)
    area_len = pl.when(nsn.str.slice(0, 1).is_in(["1", "2"])).then(2).otherwise(3)
    local = nsn.str.slice(area_len)
    fixed = pl.concat_str(
        pl.lit("0") + nsn.str.slice(0, area_len),
        local.str.slice(0, 4),
        local.str.len_chars().cast(pl.String),
        separator="|",
    )
    return pl.when(nsn.str.contains(_MOBILE)).then(nsn.str.slice(0, 7) + "|m").otherwise(fixed)


# E.164 as sunset writes it: +86, no trunk 0, 9 to 11 digits (the text rules' own output).
_CANONICAL = re.compile(r"\+86[1-9][0-9]{8,10}")
# Digits with spaces and dashes only, the way agents and subscribers type a number: the text
# rules then reduce to a few string steps (a polars frame for one number costs ~1.5 ms).
_TYPED = re.compile(r"[0-9][0-9 \-]*")
_BARE_COUNTRY_CODE = re.compile(r"86[0-9]{9,12}")


_SHAPES_SCHEMA = {
    "_key": pl.String,
    "number_kind": pl.String,
    "number_area": pl.String,
    "_shape_error": pl.String,
}


@dataclass
class NumberingPlan:
    """Validate and normalise numbers; one instance caches shapes for a whole import."""

    overlay: Mapping[str, OverlayEntry] = field(default_factory=load_overlay)
    _cache: dict[str, Shape] = field(default_factory=dict, repr=False)
    # The shapes normalise_frame has met, as a frame to join with (the same as in _cache).
    _shapes: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=_SHAPES_SCHEMA), repr=False
    )

    def shape(self, nsn: str) -> Shape:
        """Classify a national significant number (digits, no trunk 0), using the cache."""
        return self._shape_under(shape_key(nsn), nsn)

    def _shape_under(self, key: str, nsn: str) -> Shape:
        """Classify ``nsn`` whose shape key is already known."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._classify(nsn)
        return found

    def _classify(self, nsn: str) -> Shape:
        parsed = phonenumbers.PhoneNumber(country_code=86, national_number=int(nsn))
        is_mobile_shape = is_mobile_nsn(nsn)
        area = area_code_of(nsn)
        if not is_mobile_shape and nsn[len(area) - 1] in "01":
            # 1xx and 0xx local numbers are service and access codes, never a subscriber line.
            return Shape(
                None, None, f"local numbers of area {area} start with 2-9 (1xx are services)"
            )
        if phonenumbers.is_valid_number(parsed):
            kind = phonenumbers.number_type(parsed)
            if is_mobile_shape and kind in _MOBILE_TYPES:
                return Shape("mobile", None)
            if not is_mobile_shape and kind in _FIXED_TYPES:
                return Shape("fixed", area)
        if is_mobile_shape:
            return Shape(None, None, f"no mobile range {nsn[:3]} {nsn[3:7]} in the numbering plan")
        if nsn[0] == "1" and nsn[1] in "3456789":
            return Shape(None, None, "mobile numbers have 11 digits (1xx xxxx xxxx)")
        return self._historical(nsn)

    def _historical(self, nsn: str) -> Shape:
        area = area_code_of(nsn)
        local = nsn[len(area) - 1 :]
        entry = self.overlay.get(area)
        if entry and len(local) in entry.local_lengths and local[0] in "23456789":
            return Shape("fixed", area)
        if entry:
            lengths = "/".join(str(n) for n in entry.local_lengths)
            return Shape(None, None, f"area {area} has {lengths}-digit local numbers starting 2-9")
        return Shape(
            None,
            None,
            f"area {area} has no {len(local)}-digit local numbers (today's plan, or the overlay)",
        )

    def normalise(self, raw: str) -> tuple[str, Shape]:
        """Return (E.164, shape) for one number as a person typed it, or raise why not."""
        if _CANONICAL.fullmatch(raw):
            # Already E.164 (what sunset stores and passes around): the text rules would return
            # it unchanged, so only its shape is checked.
            found = self.shape(raw[3:])
            if found.reason:
                raise NumberInvalidError(f"{raw!r}: {found.reason}")
            return raw, found
        nsn = _typed_nsn(raw)
        if nsn is not None:
            found = self.shape(nsn)
            if found.reason:
                raise NumberInvalidError(f"{raw!r}: {found.reason}")
            return "+86" + nsn, found
        # The same text rules and shape classification as normalise_frame, without the join that
        # only pays off over many rows.
        row = _national_digits(pl.DataFrame({"number": [raw]}), "number").row(0, named=True)
        error = row["_text_error"]
        shape = None if error else self.shape(row["_nsn"])
        error = error or (shape.reason if shape else None)
        if error or shape is None:
            raise NumberInvalidError(f"{raw!r}: {error}")
        return "+86" + row["_nsn"], shape

    def normalise_frame(self, frame: pl.DataFrame, column: str) -> pl.DataFrame:
        """Add ``e164``, ``number_kind``, ``number_area`` and ``number_error`` for ``column``.

        Vectorised: the text is cleaned with polars expressions, each distinct shape is
        classified once for the whole import, and the frame is joined with the shapes known.
        """
        cleaned = _national_digits(frame, column).with_columns(shape_key_expr("_nsn").alias("_key"))
        reps = cleaned.filter(pl.col("_key").is_not_null()).unique("_key", keep="first")
        # Only the shapes this plan has not met are classified in Python: a chunk of 100,000
        # numbers holds some 50,000 shapes, nearly all met in earlier chunks. The known shapes
        # are read once for the whole call: another thread's import may swap in a bigger frame
        # meanwhile, and a key in both would double its rows in the join.
        known = self._shapes
        new = reps.join(known, on="_key", how="anti")
        if new.height:
            found = [
                (k, self._shape_under(k, n)) for k, n in zip(new["_key"], new["_nsn"], strict=True)
            ]
            known = self._shapes = pl.concat(
                [
                    known,
                    pl.DataFrame(
                        {
                            "_key": [k for k, _ in found],
                            "number_kind": [s.kind for _, s in found],
                            "number_area": [s.area_code for _, s in found],
                            "_shape_error": [s.reason for _, s in found],
                        },
                        schema=_SHAPES_SCHEMA,
                    ),
                ],
                rechunk=True,
            )
        joined = cleaned.join(known, on="_key", how="left", maintain_order="left")
        error = pl.coalesce(pl.col("_text_error"), pl.col("_shape_error"))
        return joined.with_columns(
            number_error=error,
            e164=pl.when(error.is_null()).then(pl.lit("+86") + pl.col("_nsn")),
        ).drop("_nsn", "_key", "_text_error", "_shape_error")


def _typed_nsn(raw: str) -> str | None:
    """Apply the text rules of ``_digit_stages`` to digits, spaces and dashes; None otherwise.

    None also when the rules would refuse the text: the frame path then words the refusal.
    A property test holds this equal to the frame path.

    >>> _typed_nsn("0551-62345678"), _typed_nsn("133 1234 5678"), _typed_nsn("+8613312345678")
    ('55162345678', '13312345678', None)
    """
    if not _TYPED.fullmatch(raw):
        return None
    typed = raw.replace(" ", "").replace("-", "")
    plain = typed.removeprefix("0086")
    if plain == typed and _BARE_COUNTRY_CODE.fullmatch(plain):  # a country code once, not twice
        plain = plain[2:]
    nsn = plain.removeprefix("0")
    if not nsn or nsn[0] == "0" or not 9 <= len(nsn) <= 11:
        return None
    return nsn


def _national_digits(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add ``_nsn`` (national significant number) and ``_text_error`` for ``column``."""
    step = frame.lazy()
    for stage in _digit_stages(column):
        step = step.with_columns(stage)
    return step.drop("_raw", "_sci", "_lost", "_plain").collect()


@lru_cache(maxsize=8)
def _digit_stages(column: str) -> tuple[tuple[pl.Expr, ...], ...]:
    """Return the text rules as stages of expressions, built once per column name.

    Stages run one after another: nesting the expressions makes polars evaluate the shared parts
    again for every branch. Building them once and collecting once keeps the one-number case (a
    care agent's lookup) cheap.
    """
    raw = pl.col("_raw")
    sci = pl.col("_sci")
    head, tail = sci.struct.field("1"), sci.struct.field("2").fill_null("")
    exponent = sci.struct.field("3").cast(pl.Int64, strict=False)
    plain = pl.col("_plain")
    nsn = pl.col("_nsn")
    text_error = (
        pl.when(raw == "")
        .then(pl.lit("number is empty"))
        .when(pl.col("_lost"))
        .then(pl.lit("spreadsheet scientific notation lost digits; export the column as text"))
        .when(raw.str.starts_with("+") & ~raw.str.starts_with("+86"))
        .then(pl.lit("not a Chinese number (only +86)"))
        .when(~nsn.str.contains(r"^[0-9]+$"))
        .then(pl.lit("contains characters other than digits, spaces, dashes and a +86 prefix"))
        .when(nsn.str.starts_with("0"))
        .then(pl.lit("international or unknown prefix (only Chinese numbers, +86)"))
        .when((nsn.str.len_chars() < 9) | (nsn.str.len_chars() > 11))
        .then(pl.lit("wrong length for a Chinese number"))
    )
    return (
        (half_width(pl.col(column).fill_null("")).alias("_raw"),),
        (raw.str.extract_groups(_SCIENTIFIC).alias("_sci"),),
        (
            (head.is_not_null() & (exponent != tail.str.len_chars())).alias("_lost"),
            pl.when(head.is_not_null())
            .then(head + tail)
            .otherwise(raw.str.replace_all(r"[\s\-()./]", "").str.replace(r"^(?:\+86|0086)", ""))
            .alias("_plain"),
        ),
        # A bare 86 country code: no Chinese area code starts with 86, so "86" + 9 to 12 digits
        # is unambiguous (86 13312345678, 86 551 62345678, 86 0551 62345678); taken off only
        # when no +86 or 0086 was (+86 86... is a number of the nonexistent area 086...).
        (
            pl.when(
                plain.str.contains(r"^86[0-9]{9,12}$") & ~raw.str.contains(r"^\s*(?:\+86|0086)")
            )
            .then(plain.str.slice(2))
            .otherwise(plain)
            .alias("_plain"),
        ),
        (
            pl.when(plain.str.starts_with("0"))
            .then(plain.str.slice(1))
            .otherwise(plain)
            .alias("_nsn"),
        ),
        (text_error.alias("_text_error"),),
        (pl.when(pl.col("_text_error").is_null()).then(nsn).alias("_nsn"),),
    )


def display(e164: str) -> str:
    """Render an E.164 number the way Chinese users write it.

    >>> display("+8655162345678"), display("+8613312345678")
    ('0551-62345678', '133 1234 5678')
    """
    nsn = e164.removeprefix("+86")
    if is_mobile_nsn(nsn):
        return f"{nsn[:3]} {nsn[3:7]} {nsn[7:]}"
    area = area_code_of(nsn)
    return f"{area}-{nsn[len(area) - 1 :]}"


@lru_cache(maxsize=4)
def plan_for(overlay: Path | None) -> NumberingPlan:
    """Return the process-wide numbering plan for an overlay file: read once, its shape cache
    shared by every import and every operation."""
    return NumberingPlan(load_overlay(overlay))
