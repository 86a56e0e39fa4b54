"""Build the status report."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy.orm import Session

from sunset.kit.money import format_yuan
from sunset.ledger.rules import EntryKind
from sunset.lines.vocabulary import LIVE_STATUSES
from sunset.reference import repository as reference
from sunset.sites.service import bands
from sunset.status import repository
from sunset.status.schemas import LineGroup, LinesSummary, MoneySummary, StatusReport


def status_report(session: Session, *, today: date | None = None) -> StatusReport:
    """Count lines by operator, network, local network and status, total the money, and say
    which bands are clear on ``today`` (default: by each site's latest status)."""
    groups = repository.line_groups(session)
    cities = {code: n.city_en for code, n in reference.local_networks(session).items()}
    counters: dict[str, Counter[str]] = {k: Counter() for k in ("status", "op", "net", "area")}
    for area, network, operator, status, count in groups:
        counters["status"][status] += count
        counters["op"][operator] += count
        counters["net"][network] += count
        counters["area"][area] += count
    lines = LinesSummary(
        total=sum(counters["status"].values()),
        live=sum(counters["status"][s] for s in LIVE_STATUSES),
        by_status=dict(sorted(counters["status"].items())),
        by_operator=dict(sorted(counters["op"].items())),
        by_network=dict(sorted(counters["net"].items())),
        by_local_network=dict(sorted(counters["area"].items())),
        groups=[
            LineGroup(
                area_code=area,
                city=cities.get(area, area),
                network=network,
                operator=operator,
                status=status,
                lines=count,
            )
            for area, network, operator, status, count in sorted(groups)
        ],
    )
    return StatusReport(
        lines=lines,
        money=_money(repository.ledger_totals(session)),
        bands=bands(session, today=today),
    )


def _money(totals: dict[str, int]) -> MoneySummary:
    def total(kind: EntryKind) -> str:
        return format_yuan(totals.get(kind.value, 0))

    return MoneySummary(
        opening_balances=total(EntryKind.OPENING_BALANCE),
        top_ups=total(EntryKind.TOP_UP),
        charges=total(EntryKind.CHARGE),
        credits=total(EntryKind.CREDIT),
        refunds=total(EntryKind.REFUND),
        transfers_in=total(EntryKind.TRANSFER_IN),
        transfers_out=total(EntryKind.TRANSFER_OUT),
        balances=format_yuan(sum(totals.values())),
    )
