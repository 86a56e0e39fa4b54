"""Every mapped class, imported in one place so that Alembic and tests see the whole schema."""

from sunset.ingest.models import ImportBatch
from sunset.ledger.models import LedgerEntry
from sunset.lines.models import Customer, Line, NumberHold
from sunset.reference.models import LocalNetwork, Network, Operator
from sunset.sites.models import BaseStation

__all__ = [
    "BaseStation",
    "Customer",
    "ImportBatch",
    "LedgerEntry",
    "Line",
    "LocalNetwork",
    "Network",
    "NumberHold",
    "Operator",
]
