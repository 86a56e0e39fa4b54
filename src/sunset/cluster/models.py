"""The cluster's own catalogue, kept on the coordinator: its data servers and where each local
network lives (a local network not placed is on the coordinator itself)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base


class ClusterServer(Base):
    """A data server: a sunset database of its own (same schema), holding the rows of the local
    networks placed on it."""

    __tablename__ = "cluster_servers"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # How the coordinator's processes reach it (an SQLAlchemy URL; shown without its password).
    url: Mapped[str] = mapped_column(Text)
    # The block of ids its sequences give (block << ID_BLOCK_BITS and up): rows made on two
    # servers never share an id, so a network moved between them keeps its ids.
    block: Mapped[int] = mapped_column(Integer, unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(100))


class ClusterPlacement(Base):
    """A local network placed on a data server."""

    __tablename__ = "cluster_placements"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    server_name: Mapped[str] = mapped_column(ForeignKey("cluster_servers.name"))
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    placed_by: Mapped[str] = mapped_column(String(100))
