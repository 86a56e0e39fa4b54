"""Configuration catalogues in YAML: the shipped file, then an operator's own, validated by id."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sunset.errors import InputInvalidError

ItemT = TypeVar("ItemT", bound=BaseModel)


def load_catalogue(
    model: type[ItemT], *, package: str, file: str, key: str, extra: Path | None
) -> dict[str, ItemT]:
    """Return the items under ``key`` of the package's shipped ``data/<file>``, then those of
    ``extra`` (an item with the same id replaces the shipped one), by id.

    A bad item is refused naming the file, the item and each field with its problem.
    """
    shipped = resources.files(package) / "data" / file
    found = _read(model, shipped.read_text(encoding="utf-8"), key, f"the shipped {file}")
    if extra is not None:
        found.update(_read(model, Path(extra).read_text(encoding="utf-8"), key, str(extra)))
    return found


def _read(model: type[ItemT], text: str, key: str, source: str) -> dict[str, ItemT]:
    data = yaml.safe_load(text) or {}
    found: dict[str, ItemT] = {}
    for i, item in enumerate(data.get(key) or [], start=1):
        try:
            parsed = model.model_validate(item)
        except ValidationError as exc:
            where = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InputInvalidError(f"{source}, {key} {where}: {problems}") from None
        found[str(getattr(parsed, "id"))] = parsed  # noqa: B009
    return found
