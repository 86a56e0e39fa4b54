"""Every mapped class, imported in one place so that Alembic and tests see the whole schema."""

from sunset.access.models import Approval, AuditEntry, AuthToken, LoginFailure, User
from sunset.board.models import Comment, PublicNotice
from sunset.care.models import Complaint
from sunset.cluster.models import ClusterPlacement, ClusterServer
from sunset.ingest.models import ImportBatch
from sunset.ledger.models import (
    BroughtForward,
    CycleProgress,
    LedgerArchive,
    LedgerEntry,
    LedgerKey,
    LedgerTotal,
    Refund,
)
from sunset.ledger.partitions import is_partition
from sunset.lines.models import Customer, Exemption, Line, NumberHold
from sunset.notices.models import NoticeSent
from sunset.offers.models import Migration
from sunset.plans.models import RetirementPlan
from sunset.porting.models import PortEvent, PortRequest
from sunset.reference.models import LocalNetwork, Network, NetworkOperator, Operator
from sunset.routing.models import RoutingEntry
from sunset.sites.models import BaseStation, SiteOutage, SiteStatusChange
from sunset.stats.models import MonthlyDeparture, MonthlyFlow, MonthlySnapshot, OfficialPoint

__all__ = [
    "Approval",
    "AuditEntry",
    "AuthToken",
    "BaseStation",
    "BroughtForward",
    "ClusterPlacement",
    "ClusterServer",
    "Comment",
    "Complaint",
    "Customer",
    "CycleProgress",
    "Exemption",
    "ImportBatch",
    "LedgerArchive",
    "LedgerEntry",
    "LedgerKey",
    "LedgerTotal",
    "Line",
    "LocalNetwork",
    "LoginFailure",
    "Migration",
    "MonthlyDeparture",
    "MonthlyFlow",
    "MonthlySnapshot",
    "Network",
    "NetworkOperator",
    "NoticeSent",
    "NumberHold",
    "OfficialPoint",
    "Operator",
    "PortEvent",
    "PortRequest",
    "PublicNotice",
    "Refund",
    "RetirementPlan",
    "RoutingEntry",
    "SiteOutage",
    "SiteStatusChange",
    "User",
]


def in_schema_comparison(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether a reflected object is one the models declare: the ledger's monthly partitions
    on PostgreSQL are made by the code (``ledger.partitions``), not by a model."""
    return not (type_ == "table" and name is not None and is_partition(name))
