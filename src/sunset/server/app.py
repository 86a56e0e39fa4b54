"""The web application: the REST API and the dashboard pages on one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine

from sunset.api.routers import (
    admin,
    auth,
    board,
    complaints,
    lines,
    offers,
    plans,
    porting,
    routing,
    sites,
    stats,
)
from sunset.config import get_settings
from sunset.db import make_engine
from sunset.http import errors
from sunset.http.clock import Clock
from sunset.http.limits import BodyLimit

API_ROUTERS = (
    auth.router,
    lines.router,
    offers.router,
    plans.router,
    board.router,
    porting.router,
    routing.router,
    sites.router,
    complaints.router,
    stats.router,
    admin.router,
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the thread pool the handlers run in (they block on the database)."""
    threads = get_settings().web_threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    yield


def create_app(
    *, engine: Engine | None = None, url: str | None = None, today: date | None = None
) -> FastAPI:
    """Build the app on an engine (default: the configured database, migrated)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="sunset",
        summary="Retire a legacy access network without losing anyone's money or number.",
        version="0.1.0",
    )
    app.state.engine = engine or make_engine(url, sqlite_mmap_mb=get_settings().web_sqlite_mmap_mb)
    app.state.clock = Clock(fixed_day=today)
    from sunset.web import pages
    from sunset.web.render import PREFIX

    errors.install(app, pages=(PREFIX, pages.page_error))
    for router in API_ROUTERS:
        app.include_router(router)
    pages.install(app)
    app.add_middleware(BodyLimit, max_bytes=get_settings().web_max_body_bytes)
    return app
