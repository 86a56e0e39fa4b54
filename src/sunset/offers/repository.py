"""Offers from their YAML files; migrations; the campaign query; kept tariffs ending."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from sunset.errors import InputInvalidError
from sunset.kit.predicates import Predicate, all_to_sql
from sunset.lines import repository as lines
from sunset.lines.models import Line
from sunset.offers.models import Migration
from sunset.offers.schemas import Offer


@lru_cache(maxsize=4)
def load_offers(extra: Path | None) -> dict[str, Offer]:
    """Return the shipped offers, then those of ``extra`` (same id replaces), by id."""
    shipped = resources.files("sunset.offers") / "data" / "offers.yaml"
    offers = _read(shipped.read_text(encoding="utf-8"), "the shipped offers")
    if extra is not None:
        offers.update(_read(Path(extra).read_text(encoding="utf-8"), str(extra)))
    return offers


def _read(text: str, source: str) -> dict[str, Offer]:
    data = yaml.safe_load(text) or {}
    found: dict[str, Offer] = {}
    for i, item in enumerate(data.get("offers") or [], start=1):
        try:
            offer = Offer.model_validate(item)
        except ValidationError as exc:
            where = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InputInvalidError(f"{source}, offer {where}: {problems}") from None
        found[offer.id] = offer
    return found


CAMPAIGN_COLUMNS = (
    "number",
    "area_code",
    "operator_code",
    "network_code",
    "customer_ref",
    "status",
    "activated_on",
    "monthly_fee_fen",
    "balance_fen",
    "prepaid",
)


def campaign_query(predicates: list[Predicate], area_code: str) -> Select[Any]:
    """Select the campaign columns of one local network's lines meeting ``predicates``."""
    columns = lines.fact_columns()
    where = all_to_sql(predicates, columns)
    query = lines.facts_query().with_only_columns(*(columns[c].label(c) for c in CAMPAIGN_COLUMNS))
    return query.where(columns["area_code"] == area_code, where)


def stream(session: Session, query: Select[Any], *, chunk: int) -> Iterator[list[Any]]:
    """Yield the rows of ``query`` as tuples, ``chunk`` at a time, without holding them all."""
    result = session.execute(query.execution_options(yield_per=chunk))
    for part in result.partitions(chunk):
        yield [tuple(row) for row in part]


def replay(
    session: Session, *, number: str, key: str, area_codes: Collection[str]
) -> Migration | None:
    """Return the migration an idempotency key already made from the line of ``number``.

    The key is unique per local network; probing each network's (area_code, key) index entry
    finds it without knowing where the number lives now (a migrated number may be on no line).
    """
    return session.scalar(
        select(Migration)
        .join(Line, Line.id == Migration.old_line_id)
        .where(
            Migration.area_code.in_(sorted(area_codes)),
            Migration.idempotency_key == key,
            Line.number == number,
        )
    )


def add_migration(session: Session, migration: Migration) -> None:
    """Store a migration."""
    session.add(migration)
    session.flush()


def end_kept_tariffs(session: Session, *, area_code: str, from_day: date) -> int:
    """Switch lines whose kept old tariff ends on ``from_day`` to their offer's plan fee."""
    ending = select(Migration.new_line_id).where(
        Migration.area_code == area_code, Migration.tariff_kept_until == from_day
    )
    fee = (
        select(Migration.plan_fee_fen)
        .where(Migration.area_code == area_code, Migration.new_line_id == Line.id)
        .scalar_subquery()
    )
    result = session.execute(
        update(Line)
        .where(Line.area_code == area_code, Line.id.in_(ending))
        .values(monthly_fee_fen=fee)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
