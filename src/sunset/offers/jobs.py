"""Campaign lists: every line an offer can go to, set-based, streamed to a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from sunset.errors import InputInvalidError, OperationRefusedError
from sunset.offers import repository, rules
from sunset.offers.schemas import Offer

CHUNK_ROWS = 200_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CampaignList:
    """A written campaign list: where, how many lines, for which offer and day."""

    path: Path
    lines: int
    offer_id: str
    day: date


def build_campaign(
    session: Session, *, offer: Offer, today: date, out: Path, progress: Progress | None = None
) -> CampaignList:
    """Write every line eligible for ``offer`` on ``today`` to ``out`` (CSV).

    The WHERE clause is the offer's own conditions (``rules.conditions``) compiled to SQL, so the
    list holds exactly the lines ``sunset offers NUMBER`` calls eligible.
    """
    closed = rules.window_refusal(offer, today)
    if closed is not None:
        raise OperationRefusedError(f"{offer.id}: {closed.message}", code=closed.code)
    predicates = rules.predicates(offer, today)
    if not out.parent.is_dir():
        raise InputInvalidError(f"the folder {out.parent} does not exist", field="out")
    # Written beside the target and renamed at the end: a failure leaves no half list behind.
    partial = out.with_name(f".{out.name}.partial")
    written = 0
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            handle.write(repository.CAMPAIGN_HEADER + "\n")
            query = repository.campaign_query(predicates)
            for csv_lines in repository.campaign_lines(session, query, chunk=CHUNK_ROWS):
                handle.write("\n".join(csv_lines) + "\n")
                written += len(csv_lines)
                if progress:
                    progress(len(csv_lines))
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return CampaignList(out, written, offer.id, today)
