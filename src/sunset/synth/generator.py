"""Generate a synthetic PHS subscriber base and its base stations, vectorised and seeded.

The distributions follow the story: PHS grew from 1998 to its peak in 2006, so most lines were
activated 2002-2007; Telecom ran it in the south, Unicom in the north; monthly plans were small
(10-30 yuan) with some flat-rate plans (Beijing's 70 yuan); prepaid balances are small and skewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

# area code, operator, relative size of its PHS base, local-number length
REGIONS: tuple[tuple[str, str, float, int], ...] = (
    ("023", "telecom", 10.0, 8),  # Chongqing: 1M+ PHS users
    ("020", "telecom", 7.0, 8),
    ("0755", "telecom", 4.0, 8),
    ("0757", "telecom", 3.0, 8),
    ("0760", "telecom", 1.5, 8),
    ("021", "telecom", 5.0, 8),
    ("0551", "telecom", 2.0, 8),
    ("0565", "telecom", 0.8, 7),  # Chaohu: 7-digit numbers under its old area code
    ("025", "telecom", 2.5, 8),
    ("0571", "telecom", 2.5, 8),
    ("027", "telecom", 2.5, 8),
    ("028", "telecom", 3.0, 8),
    ("0898", "telecom", 1.0, 8),
    ("010", "unicom", 6.0, 8),
    ("022", "unicom", 3.0, 8),
    ("0311", "unicom", 2.0, 8),
    ("024", "unicom", 2.0, 8),
    ("0411", "unicom", 1.5, 8),
)
FEES_YUAN = np.array([10, 15, 20, 25, 30, 38, 50, 70])
FEE_WEIGHTS = np.array([0.18, 0.22, 0.2, 0.14, 0.1, 0.07, 0.05, 0.04])
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强玉兰海燕春梅金凤文")
VULNERABLE = ["none", "elderly", "telecare", "disabled", "payment_terminal", "hospital"]
VULNERABLE_P = [0.9835, 0.01, 0.003, 0.002, 0.001, 0.0005]
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
LINES_PER_SITE = 400
EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class SyntheticBase:
    """The files written for one synthetic operator."""

    lines_path: Path
    sites_path: Path
    lines: int
    sites: int
    frame: pl.DataFrame  # the lines as written (text columns)
    site_frame: pl.DataFrame


def _dates(
    rng: np.random.Generator, n: int, start: str, end: str, a: float, b: float
) -> np.ndarray:
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    span = (hi - lo).astype(np.int64)
    return lo + (rng.beta(a, b, n) * span).astype(np.int64)


def _iso(days: np.ndarray) -> pl.Series:
    return pl.Series(days).cast(pl.Date).dt.strftime("%Y-%m-%d")


def _numbers(
    rng: np.random.Generator, area: str, length: int, n: int, block: tuple[int, int]
) -> np.ndarray:
    # Subscriber numbers start with 2-7 (valid in every area); sampled without repetition from
    # block `index` of `count` disjoint ranges, so that parts generated apart never collide.
    index, count = block
    population = 6 * 10 ** (length - 1) // count
    picks = rng.choice(population, size=n, replace=False) + 2 * 10 ** (length - 1)
    return np.char.add(area + "-", (picks + index * population).astype(str))


def _id_numbers(rng: np.random.Generator, n: int, born: np.ndarray) -> np.ndarray:
    region = rng.integers(110000, 659000, n)
    birth = pl.Series(born).cast(pl.Date).dt.strftime("%Y%m%d").to_numpy().astype(str)
    seq = rng.integers(0, 1000, n)
    body = np.char.add(np.char.add(region.astype(str), birth), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = ID_CHECK[(digits.astype(np.int64) @ ID_WEIGHTS) % 11]
    return np.char.add(body, check)


def generate_lines(
    n: int, *, seed: int, today: date, block: tuple[int, int] = (0, 1)
) -> pl.DataFrame:
    """Return ``n`` synthetic PHS lines in the import format (all columns as text).

    ``block=(i, k)`` draws numbers from the i-th of k disjoint ranges: parts generated with the
    same k and different i can be concatenated without duplicate numbers.
    """
    rng = np.random.default_rng(seed)
    weights = np.array([r[2] for r in REGIONS])
    counts = rng.multinomial(n, weights / weights.sum())
    area = np.repeat([r[0] for r in REGIONS], counts)
    operator = np.repeat([r[1] for r in REGIONS], counts)
    number = np.concatenate(
        [_numbers(rng, r[0], r[3], c, block) for r, c in zip(REGIONS, counts, strict=True)]
    )
    activated = _dates(rng, n, "1998-06-01", str(min(today, date(2010, 12, 31))), 3.2, 2.2)
    prepaid = rng.random(n) < 0.6
    balance_fen = np.where(prepaid, np.round(rng.lognormal(3.3, 0.9, n) * 100), 0).astype(np.int64)
    suspended = rng.random(n) < 0.05
    reason = np.where(
        suspended, rng.choice(["arrears", "customer", "lost"], n, p=[0.6, 0.3, 0.1]), ""
    )
    changed = rng.random(n) < 0.05
    span = (np.datetime64(today, "D") - activated).astype(np.int64)
    owner_changed = activated + (rng.random(n) * span).astype(np.int64)
    committed = rng.random(n) < 0.1
    commitment = _dates(rng, n, "2011-01-01", "2013-06-30", 1.5, 1.5)
    real_name = rng.random(n) < 0.85
    born = _dates(rng, n, "1935-01-01", "1990-12-31", 2.0, 2.0)
    customer = rng.integers(0, max(int(n / 1.15), 1), n)
    names = np.char.add(
        np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)],
        np.array(GIVEN)[rng.integers(0, len(GIVEN), n)],
    )
    site = (np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)) // LINES_PER_SITE
    frame = pl.DataFrame(
        {
            "number": number,
            "operator": operator,
            "network": np.full(n, "phs"),
            "area_code": area,
            "customer_id": np.char.add(np.char.add(area, "-C"), customer.astype(str)),
            "customer_name": names,
            "real_name": np.where(real_name, "true", "false"),
            "id_number": np.where(real_name, _id_numbers(rng, n, born), ""),
            "activated_on": _iso(activated),
            "owner_changed_on": np.where(changed, _iso(owner_changed).to_numpy(), ""),
            "status": np.where(suspended, "suspended", "active"),
            "suspension_reason": reason,
            "monthly_fee": rng.choice(FEES_YUAN, n, p=FEE_WEIGHTS).astype(str),
            "prepaid": np.where(prepaid, "true", "false"),
            "balance": _yuan(balance_fen),
            "unpaid_bills": np.where(
                ~prepaid & (rng.random(n) < 0.05), rng.integers(1, 4, n), 0
            ).astype(str),
            "commitment_until": np.where(committed, _iso(commitment).to_numpy(), ""),
            "vulnerable": rng.choice(VULNERABLE, n, p=VULNERABLE_P),
            "home_site": np.char.add(np.char.add(np.char.add("S", area), "-"), site.astype(str)),
        }
    )
    return frame.sample(fraction=1.0, shuffle=True, seed=seed)


def _yuan(fen: np.ndarray) -> np.ndarray:
    whole = (fen // 100).astype(str)
    cents = np.char.zfill((fen % 100).astype(str), 2)
    return np.char.add(np.char.add(whole, "."), cents)


def generate_sites(lines: pl.DataFrame, *, seed: int) -> pl.DataFrame:
    """Return the base stations the lines' ``home_site`` refer to (import format)."""
    rng = np.random.default_rng(seed + 1)
    sites = lines.select("home_site", "area_code", "operator").unique("home_site").sort("home_site")
    n = sites.height
    status = rng.choice(["on_air", "faulty", "off_air"], n, p=[0.93, 0.04, 0.03])
    return pl.DataFrame(
        {
            "id": sites["home_site"],
            "network": np.full(n, "phs"),
            "area_code": sites["area_code"],
            "operator": sites["operator"],
            "lat": np.round(rng.uniform(20.0, 42.0, n), 5).astype(str),
            "lon": np.round(rng.uniform(104.0, 122.0, n), 5).astype(str),
            "status": status,
            "monthly_upkeep": _yuan(rng.integers(800, 4000, n) * 100),
            "commissioned_on": _iso(_dates(rng, n, "1998-01-01", "2007-12-31", 2.0, 2.0)),
        }
    )


def spare_numbers(area: str, n: int) -> list[str]:
    """Return ``n`` numbers of an area that a base written by ``write_base`` never holds (the
    first of the second of two blocks), for the lines sold after the export."""
    length = next(r[3] for r in REGIONS if r[0] == area)
    population = 6 * 10 ** (length - 1) // 2
    first = 2 * 10 ** (length - 1) + population
    return [f"{area}-{first + i}" for i in range(n)]


def write_base(directory: Path, *, lines: int, seed: int, today: date) -> SyntheticBase:
    """Write ``lines.csv`` and ``sites.csv`` for a synthetic operator into ``directory`` (its
    numbers from the first of two blocks: see ``spare_numbers``)."""
    directory.mkdir(parents=True, exist_ok=True)
    frame = generate_lines(lines, seed=seed, today=today, block=(0, 2))
    sites = generate_sites(frame, seed=seed)
    lines_path, sites_path = directory / "lines.csv", directory / "sites.csv"
    frame.write_csv(lines_path)
    sites.write_csv(sites_path)
    return SyntheticBase(lines_path, sites_path, frame.height, sites.height, frame, sites)
