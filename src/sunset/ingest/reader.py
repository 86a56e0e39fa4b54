"""Read an operator's export in chunks of all-text columns, whatever its encoding or format.

CSV comes from BSS exports and spreadsheets: UTF-8 with or without a BOM, GBK (read as GB18030,
its superset), UTF-16 from Excel's "Unicode text"; quoted commas and Chinese names. Parquet comes
from data teams. Every cell is read as text: validation decides what it means, so that a bad cell
is reported rather than guessed.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from sunset.errors import InputInvalidError
from sunset.kit.rows import RowError

SAMPLE_BYTES = 1 << 20
BLOCK_BYTES = 16 << 20


@dataclass
class Chunk:
    """A chunk of rows as text, with the file's row number of each (the header is row 1)."""

    frame: pl.DataFrame
    rows: np.ndarray
    malformed: list[RowError] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file (to refuse importing the same file twice)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(path: Path) -> str:
    """Tell the encoding of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030/GBK.

    The whole file is checked, not a sample: an export whose first megabytes are ASCII and whose
    Chinese names come later must not be read as UTF-8 and fail half-way.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        offset = 0
        while (block := handle.read(BLOCK_BYTES)) and block.isascii():
            offset += len(block)
        if not block:
            return "utf-8"  # plain ASCII
        handle.seek(offset)  # the start of the first block holding non-ASCII bytes
        for encoding in ("utf-8", "gb18030"):
            handle.seek(offset)
            if (bad := _first_undecodable(handle, encoding)) is None:
                return encoding
            if encoding == "utf-8":
                utf8_bad = offset + bad
    raise InputInvalidError(
        f"{path.name}: the file is neither UTF-8 nor GBK/GB18030 text (byte {utf8_bad} is not "
        "valid UTF-8 and the file does not decode as GBK either); save it as UTF-8"
    )


def _first_undecodable(handle: BinaryIO, encoding: str) -> int | None:
    """Decode the rest of ``handle``; return the offset of the first bad byte, or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0
    while True:
        block = handle.read(BLOCK_BYTES)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            return done + exc.start
        if not block:
            return None
        done += len(block)


def normalise_header(name: str) -> str:
    """Turn a header cell into a column name: trimmed, lower case, spaces as underscores."""
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


CheckNames = Callable[[list[str]], list[str]]


def read_chunks(
    path: Path, *, chunk_rows: int, check_names: CheckNames
) -> tuple[list[str], Iterator[Chunk]]:
    """Open ``path`` (CSV or Parquet), check its column names, and return what the check
    returned (the columns to ignore) and an iterator of chunks.

    The check refuses a bad header before any reading starts: a CSV reader reads ahead in a
    thread of its own, which, left running when a refused import's process exits, aborts it.
    """
    if not path.exists():
        raise InputInvalidError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputInvalidError(f"{path.name}: the file is empty")
    if path.suffix.lower() in (".parquet", ".pq"):
        return _parquet_chunks(path, chunk_rows, check_names)
    return _csv_chunks(path, chunk_rows, check_names)


def _parquet_chunks(
    path: Path, chunk_rows: int, check_names: CheckNames
) -> tuple[list[str], Iterator[Chunk]]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputInvalidError(f"{path.name}: not a readable Parquet file ({exc})") from exc
    names = [normalise_header(n) for n in parquet.schema_arrow.names]
    ignored = check_names(names)

    def chunks() -> Iterator[Chunk]:
        first_row = 2
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            frame = _as_text(pl.from_arrow(pa.Table.from_batches([batch])), names)
            rows = np.arange(first_row, first_row + frame.height, dtype=np.int64)
            first_row += frame.height
            yield Chunk(frame, rows)

    return ignored, chunks()


def _as_text(frame: Any, names: list[str]) -> pl.DataFrame:
    assert isinstance(frame, pl.DataFrame)
    frame.columns = names
    return frame.with_columns(pl.all().cast(pl.String))


def _csv_header(path: Path, encoding: str) -> list[str]:
    with path.open("r", encoding=encoding, newline="") as handle:
        first = handle.readline()
    import csv

    header = next(csv.reader([first]), [])
    if not any(cell.strip() for cell in header):
        raise InputInvalidError(f"{path.name}: the first line must be a header naming the columns")
    return header


def _csv_chunks(
    path: Path, chunk_rows: int, check_names: CheckNames
) -> tuple[list[str], Iterator[Chunk]]:
    encoding = detect_encoding(path)
    raw_names = _csv_header(path, "utf-8-sig" if encoding == "utf-8" else encoding)
    names = [normalise_header(n) for n in raw_names]
    ignored = check_names(names)
    skipped: list[RowError] = []

    def on_invalid(row: Any) -> str:
        skipped.append(
            RowError(
                row=int(row.number or 0),
                column="*",
                value=(row.text or "")[:80],
                reason=f"has {row.actual_columns} fields where the header has "
                f"{row.expected_columns}",
            )
        )
        return "skip"

    try:
        reader = _open_csv(path, encoding, len(raw_names), chunk_rows, on_invalid)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputInvalidError(f"{path.name}: unreadable from the start: {exc}") from exc
    return ignored, _csv_batches(path, reader, names, skipped)


def _open_csv(
    path: Path, encoding: str, columns: int, chunk_rows: int, on_invalid: Callable[[Any], str]
) -> Any:
    return pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(
            encoding=encoding,
            use_threads=False,
            block_size=_block_size(path, chunk_rows),
            column_names=[f"c{i}" for i in range(columns)],
            skip_rows=1,
        ),
        parse_options=pa_csv.ParseOptions(
            invalid_row_handler=on_invalid, newlines_in_values=True, ignore_empty_lines=False
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(columns)},
            strings_can_be_null=False,
        ),
    )


def _block_size(path: Path, chunk_rows: int) -> int:
    # Roughly chunk_rows rows per block, assuming ~100 bytes a row; never tiny, never huge.
    return int(min(max(chunk_rows * 100, 1 << 16), 64 << 20))


def _csv_batches(
    path: Path, reader: Any, names: list[str], skipped: list[RowError]
) -> Iterator[Chunk]:
    next_row = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise InputInvalidError(
                f"{path.name}: unreadable after row {next_row - 1}: {exc}"
            ) from exc
        frame = _as_text(pl.from_arrow(pa.Table.from_batches([batch])), names)
        malformed, skipped[:] = list(skipped), []
        rows, next_row = _row_numbers(next_row, frame.height, malformed)
        # Blank lines keep their row number (as a spreadsheet shows them) but are not data.
        blank = frame.select(pl.all_horizontal(pl.all().str.strip_chars() == "")).to_series()
        if blank.any():
            frame, rows = frame.filter(~blank), rows[~blank.to_numpy()]
        yield Chunk(frame, rows, malformed)
    if skipped:
        yield Chunk(pl.DataFrame(schema=dict.fromkeys(names, pl.String)), np.empty(0), skipped)


def _row_numbers(start: int, count: int, malformed: list[RowError]) -> tuple[np.ndarray, int]:
    """Number the ``count`` good rows from ``start``, stepping over the malformed ones."""
    total = count + len(malformed)
    numbers = np.arange(start, start + total, dtype=np.int64)
    if malformed:
        numbers = numbers[~np.isin(numbers, [e.row for e in malformed])][:count]
    return numbers, start + total


def estimate_rows(path: Path) -> int | None:
    """Estimate the rows of a file for a progress bar (exact for Parquet)."""
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return int(pq.ParquetFile(path).metadata.num_rows)
        size = path.stat().st_size
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except (OSError, pa.ArrowInvalid):
        return None
    lines = sample.count(b"\n")
    if lines <= 1:
        return None
    return max(int(size / (len(sample) / lines)) - 1, 0)
