"""Importing base stations: the same all-or-nothing rules as lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import NOW, TODAY, count, site_row, write_csv, write_parquet

from sunset.db import session_scope
from sunset.errors import ImportRejectedError, InputInvalidError
from sunset.ingest.service import ImportResult
from sunset.sites.jobs import import_sites


def import_sites_file(engine: sa.Engine, path: Path, **options: object) -> ImportResult:
    with session_scope(engine) as session:
        return import_sites(session, path=path, today=TODAY, now=NOW, **options)  # type: ignore[arg-type]


def sites(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT site_id, area_code, network_code, operator_code, status,"
                " monthly_upkeep_fen, lat, lon FROM base_stations ORDER BY site_id"
            )
        ]


def test_good_sites_file_imports_every_site(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [
        site_row(0, operator="Telecom"),
        site_row(1, status="FAULTY", monthly_upkeep="¥1,500.50", area_code="551"),
        site_row(
            2, id="S0565-0", area_code="0565", status="dismantled", commissioned_on="1999/05/01"
        ),
    ]
    result = import_sites_file(engine, write_csv(tmp_path / "sites.csv", rows))

    assert (result.imported, result.rejected) == (3, 0)
    assert sites(engine) == [
        ("S0551-0", "0551", "phs", "telecom", "on_air", 120000, 31.86, 117.28),
        ("S0551-1", "0551", "phs", None, "faulty", 150050, 31.86, 117.28),
        ("S0565-0", "0565", "phs", None, "dismantled", 120000, 31.86, 117.28),
    ]


BAD_SITES = {
    "unknown area": ({"area_code": "0999"}, "area_code", "unknown area code"),
    "unknown network": ({"network": "wimax"}, "network", "unknown network"),
    "latitude out of range": ({"lat": "131.86"}, "lat", "latitude"),
    "longitude not a number": ({"lon": "east"}, "lon", "longitude"),
    "unknown status": ({"status": "sleeping"}, "status", "must be one of"),
    "negative upkeep": ({"monthly_upkeep": "-1"}, "monthly_upkeep", "not negative"),
    "commissioned in the future": (
        {"commissioned_on": "2011-06-01"},
        "commissioned_on",
        "after today",
    ),
    "empty id": ({"id": ""}, "id", "id is empty"),
}


@pytest.mark.parametrize(("overrides", "column", "reason"), BAD_SITES.values(), ids=BAD_SITES)
def test_sites_import_refuses_whole_file_when_one_row_is_bad(
    engine: sa.Engine, tmp_path: Path, overrides: dict[str, str], column: str, reason: str
) -> None:
    rows = [site_row(0), site_row(1, **overrides), site_row(2)]
    with pytest.raises(ImportRejectedError) as refusal:
        import_sites_file(engine, write_csv(tmp_path / "sites.csv", rows))

    [error] = refusal.value.errors
    assert (error.row, error.column) == (3, column)
    assert reason in error.reason
    assert count(engine, "base_stations") == count(engine, "import_batches") == 0


def test_a_site_id_twice_in_the_file_names_the_first_row(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [site_row(0), site_row(1), site_row(0, lat="30")]
    with pytest.raises(ImportRejectedError) as refusal:
        import_sites_file(engine, write_csv(tmp_path / "sites.csv", rows))

    [error] = refusal.value.errors
    assert (error.row, error.column, error.value) == (4, "id", "S0551-0")
    assert "first at row 2" in error.reason


def test_a_site_already_stored_is_refused_and_skip_invalid_imports_the_rest(
    engine: sa.Engine, tmp_path: Path
) -> None:
    import_sites_file(engine, write_csv(tmp_path / "a.csv", [site_row(0)]))
    rows = [site_row(1), site_row(0), site_row(2, lat="x")]
    errors = tmp_path / "errors.csv"

    result = import_sites_file(
        engine, write_parquet(tmp_path / "b.parquet", rows), skip_invalid=True, errors_path=errors
    )

    assert (result.imported, result.rejected) == (1, 2)
    assert [s[0] for s in sites(engine)] == ["S0551-0", "S0551-1"]
    assert "a site with this id already exists" in errors.read_text(encoding="utf-8")


def test_a_sites_file_without_coordinates_is_refused(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [{k: v for k, v in site_row(0).items() if k != "lon"}]
    with pytest.raises(InputInvalidError, match="lon"):
        import_sites_file(engine, write_csv(tmp_path / "sites.csv", rows))
