"""The app as uvicorn loads it (``sunset.server.main:app``, a factory): settings from the env."""

from __future__ import annotations

import os
from datetime import date

from fastapi import FastAPI

from sunset.server.app import create_app


def app() -> FastAPI:
    """Build the app on the configured database; SUNSET_WEB_TODAY pins the business day."""
    pinned = os.environ.get("SUNSET_WEB_TODAY")
    return create_app(today=date.fromisoformat(pinned) if pinned else None)
