"""Porting, routing, sites and complaints over real HTTP: the port flow from request to slot,
refusals with their reasons, operator isolation on every endpoint, an engineer's status change
and its credits, a complaint credited for days without service, money moved once per key."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.factories import (
    ACTOR,
    import_file,
    import_sites_rows,
    line_row,
    noon,
    site_row,
    write_csv,
)
from tests.web.served import BEIJING_UNICOM, CHONGQING_TELECOM, HEFEI_TELECOM, Served

from sunset.care.vocabulary import ComplaintKind
from sunset.db import session_scope, table_of
from sunset.ledger import repository as ledger
from sunset.lines import service as lines
from sunset.lines.models import Line
from sunset.lines.service import NewLine
from sunset.porting import service as porting
from sunset.porting.eligibility import Destination
from sunset.sites import service as sites
from sunset.usecases import care as care_uc
from sunset.usecases import operations

# Tianjin CDMA lines of Telecom, which the 2010 trial lets port to Unicom WCDMA.
TJ_FLOW = "133 2200 0001"
TJ_CANCEL = "133 2200 0002"
TJ_LATE = "133 2200 0003"  # authorised on 2011-09-10, never validated: overdue
TJ_UNICOM = "130 2200 0001"
CREDITED = "0551-62000010"  # 70 yuan, charged for August; home site S0551-3 off air since
OUT_SITE, UNICOM_SITE, SHARED_SITE, CREDIT_SITE = "S0551-0", "S0551-1", "S0551-2", "S0551-3"
EARLY = datetime(2011, 9, 10, 10, 0)


def _activate(session: Any, number: str, operator: str, network: str, ref: str) -> None:
    operations.activate(
        session,
        ACTOR,
        new=NewLine(
            number=number,
            operator=operator,
            network=network,
            area_code="022",
            customer_ref=ref,
            real_name=True,
            monthly_fee_fen=3000,
            prepaid=True,
        ),
        today=date(2010, 6, 1),
        now=noon(date(2010, 6, 1)),
    )


def _tianjin(engine: sa.Engine) -> None:
    with session_scope(engine, write=True) as session:
        for i, number in enumerate((TJ_FLOW, TJ_CANCEL, TJ_LATE)):
            _activate(session, number, "telecom", "cdma", f"TJ{i}")
        _activate(session, TJ_UNICOM, "unicom", "gsm", "TJU")
        code = porting.request(
            session,
            number=TJ_LATE,
            destination=Destination("unicom/wcdma"),
            now=EARLY,
            actor="customer",
        ).auth_code
        assert code is not None
        porting.authorise(session, number=TJ_LATE, code=code, now=EARLY, actor="unicom")


def _sites_and_outage(engine: sa.Engine, folder: Path) -> None:
    row = line_row(10, number=CREDITED, monthly_fee="70", prepaid="false", home_site=CREDIT_SITE)
    import_file(engine, write_csv(folder / "credited.csv", [row]))
    import_sites_rows(
        engine,
        folder,
        [
            site_row(0, operator="telecom"),
            site_row(1, operator="unicom"),
            site_row(2),
            site_row(3, operator="telecom"),
        ],
    )
    with session_scope(engine, write=True) as session:
        line = lines.get_live_or_raise(session, number=CREDITED)
        ledger.charge_lines(
            session,
            area_code="0551",
            which=table_of(Line).c.id == line.id,
            month_start=date(2011, 8, 1),
            stop=date(2011, 9, 1),
            days_in_month=31,
            entry_date=date(2011, 8, 31),
        )
    with session_scope(engine, write=True) as session:
        sites.record_status(
            session,
            site_id=CREDIT_SITE,
            status="off_air",
            since=date(2011, 8, 1),
            today=date(2011, 8, 1),
        )


@pytest.fixture(scope="module")
def world(served: Served, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Tianjin lines for ports, sites of three operators, and complaints of both operators."""
    _tianjin(served.engine)
    _sites_and_outage(served.engine, tmp_path_factory.mktemp("care"))
    with session_scope(served.engine, write=True) as session:
        late = care_uc.open_complaint(
            session,
            ACTOR,
            number=HEFEI_TELECOM,
            kind=ComplaintKind.NO_SIGNAL,
            text="没有信号",
            today=date(2011, 9, 1),
            now=noon(date(2011, 9, 1)),
        )
        theirs = care_uc.open_complaint(
            session,
            ACTOR,
            number=BEIJING_UNICOM,
            kind=ComplaintKind.OTHER,
            text="other",
            today=date(2011, 9, 14),
            now=noon(date(2011, 9, 14)),
        )
    return {"telecom_complaint": late.id, "unicom_complaint": theirs.id}


def _post(http: httpx.Client, path: str, body: object = None, key: str | None = None):
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    return http.post(path, json=body, headers=headers)


def _audit(served: Served, action: str) -> list[dict[str, Any]]:
    with served.client("admin.all") as http:
        entries = http.get("/admin/audit", params={"limit": 500}).json()
    return [e for e in entries if e["action"] == action]


def test_a_port_requested_authorised_and_validated_is_scheduled_and_logged(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        asked = _post(http, "/porting/requests", {"number": TJ_FLOW, "to": "unicom/wcdma"})
        assert asked.status_code == 201, asked.text
        code = asked.json()["auth_code"]
        assert asked.json()["refused"] is None and len(code) == 6 and code.isdigit()
        path = f"/porting/requests/{TJ_FLOW}"
        authorised = _post(http, f"{path}/authorise", {"code": code})
        assert authorised.json()["request"]["state"] == "authorised", authorised.text
        done = _post(http, f"{path}/validate", {"decision": "accept"})
        assert done.status_code == 200, done.text
        assert done.json()["request"]["state"] == "scheduled"
        assert done.json()["request"]["scheduled_for"].endswith("+08:00")  # Beijing time
        scheduled = http.get("/porting/queue", params={"state": "scheduled"}).json()["items"]
        log = http.get(f"/porting/log/{TJ_FLOW}").json()
    assert any(r["number"] == "133 2200 0001" for r in scheduled), scheduled
    steps = [(e["to_state"], e["actor"]) for e in log[-1]["events"]]
    assert ("authorised", "agent.telecom") in steps and ("scheduled", "sunset") in steps
    requested = [e for e in _audit(served, "port.request") if e["target"] == "133 2200 0001"]
    assert requested and requested[0]["user"] == "agent.telecom"
    assert code not in str(requested[0]["after"])  # the one-time code is never kept
    validated = _audit(served, "port.validate")
    assert any(
        e["before"]["state"] == "authorised" and e["after"]["state"] == "scheduled"
        for e in validated
    )


def test_the_route_changes_at_the_slot_and_any_staff_may_look_it_up(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        log = http.get(f"/porting/log/{TJ_FLOW}").json()
    slot = log[-1]["scheduled_for"]
    with served.client("agent.unicom") as http:  # the number database is shared by operators
        before = http.get(f"/routing/{TJ_FLOW}", params={"at": "2011-09-01T12:00:00"})
        after = http.get(f"/routing/{TJ_FLOW}", params={"at": slot})
        zoned = http.get(f"/routing/{TJ_FLOW}", params={"at": "2011-09-01T04:00:00+00:00"})
    assert before.status_code == 200, before.text
    assert (before.json()["operator_code"], before.json()["ported"]) == ("telecom", False)
    assert (after.json()["operator_code"], after.json()["ported"]) == ("unicom", True)
    assert zoned.json()["at"].startswith("2011-09-01T12:00")
    with served.client("subscriber") as http:
        assert http.get(f"/routing/{TJ_FLOW}").status_code == 403
    with served.client() as http:
        assert http.get(f"/routing/{TJ_FLOW}").status_code == 401


def test_a_wrong_code_is_refused_and_the_request_can_be_cancelled(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        code = _post(http, "/porting/requests", {"number": TJ_CANCEL, "to": "unicom/wcdma"}).json()
        wrong = f"{(int(code['auth_code']) + 1) % 1_000_000:06d}"
        refused = _post(http, f"/porting/requests/{TJ_CANCEL}/authorise", {"code": wrong})
        cancelled = _post(http, f"/porting/requests/{TJ_CANCEL}/cancel", {"note": "changed mind"})
        again = _post(http, f"/porting/requests/{TJ_CANCEL}/cancel")
    assert refused.status_code == 409 and refused.json()["code"] == "PORT_CODE_WRONG"
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["request"]["state"] == "cancelled"
    assert again.status_code == 404  # nothing open any more


def test_an_ineligible_port_names_every_reason_and_the_refusal_is_recorded(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        check = http.get(f"/porting/check/{CHONGQING_TELECOM}", params={"to": "unicom"})
        asked = _post(http, "/porting/requests", {"number": CHONGQING_TELECOM, "to": "unicom"})
        log = http.get(f"/porting/log/{CHONGQING_TELECOM}").json()
    assert check.status_code == 200, check.text
    assert check.json()["allowed"] is False
    codes = [r["code"] for r in check.json()["reasons"]]
    assert "PORT_NO_RULES_IN_FORCE" in codes
    body = asked.json()
    assert asked.status_code == 201
    assert body["auth_code"] is None and body["refused"]["code"] in codes
    assert [r["code"] for r in body["reasons"]] == codes
    assert log[-1]["state"] == "rejected" and log[-1]["reason_code"] == codes[0]


def test_a_port_the_donor_is_late_to_validate_is_overdue_for_its_operator_only(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        overdue = [r["number"] for r in http.get("/porting/overdue").json()]
        queue = http.get("/porting/queue", params={"state": "authorised"}).json()["items"]
    with served.client("agent.unicom") as http:
        theirs = http.get("/porting/overdue").json()
        their_queue = http.get("/porting/queue").json()["items"]
    with served.client("regulator") as http:
        everyone = [r["number"] for r in http.get("/porting/overdue").json()]
    assert "133 2200 0003" in overdue and "133 2200 0003" in everyone
    assert [r["overdue"] for r in queue if r["number"] == "133 2200 0003"] == [True]
    assert theirs == [] and their_queue == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/porting/check/{n}?to=unicom", None),
        ("POST", "/porting/requests", {"number": "{n}", "to": "unicom/wcdma"}),
        ("POST", "/porting/requests/{n}/authorise", {"code": "123456"}),
        ("POST", "/porting/requests/{n}/validate", {"decision": "accept"}),
        ("POST", "/porting/requests/{n}/cancel", None),
        ("GET", "/porting/log/{n}", None),
        ("POST", "/complaints", {"number": "{n}", "kind": "other", "text": "hello"}),
        ("GET", "/complaints/{c}", None),
        ("POST", "/complaints/{c}/move", {"status": "investigating"}),
    ],
)
def test_another_operators_number_is_not_found_on_every_porting_and_complaint_endpoint(
    served: Served, world: dict[str, Any], method: str, path: str, body: dict[str, str] | None
) -> None:
    def fill(text: str) -> str:
        return text.replace("{n}", TJ_LATE).replace("{c}", str(world["telecom_complaint"]))

    payload = {k: fill(v) for k, v in body.items()} if body else None
    with served.client("agent.unicom") as http:
        response = http.request(
            method, fill(path), json=payload, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "NOT_FOUND"


def test_staff_lists_of_complaints_hold_their_operator_only(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.unicom") as http:
        theirs = http.get("/complaints", params={"limit": 200}).json()["items"]
        their_late = http.get("/complaints/overdue").json()
        their_report = http.get("/complaints/report").json()
    with served.client("regulator") as http:
        everyone = http.get("/complaints", params={"limit": 200}).json()["items"]
    assert [c["number"] for c in theirs] == [BEIJING_UNICOM]
    assert their_late == [] and {r["area_code"] for r in their_report} == {"010"}
    assert {HEFEI_TELECOM, BEIJING_UNICOM} <= {c["number"] for c in everyone}


def test_a_late_complaint_is_overdue_and_filters_narrow_the_queue(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        late = http.get("/complaints/overdue").json()
        no_signal = http.get("/complaints", params={"kind": "no_signal", "area_code": "0551"})
        report = http.get("/complaints/report").json()
    assert [c["id"] for c in late] == [world["telecom_complaint"]]
    assert late[0]["due_on"] == "2011-09-04" and late[0]["overdue"] is True
    assert {c["kind"] for c in no_signal.json()["items"]} == {"no_signal"}
    row = next(r for r in report if r["area_code"] == "0551" and r["kind"] == "no_signal")
    assert row["month"] == "2011-09" and row["pending"] >= 1


def test_a_charged_without_service_complaint_is_credited_when_the_site_was_off_air(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        opened = http.post(
            "/complaints",
            json={"number": CREDITED, "kind": "charged_without_service", "text": "只收钱不服务"},
        )
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["status"], body["credit"]) == ("resolved", "70.00")
    assert CREDIT_SITE in body["resolution"]
    assert any(e["target"] == f"complaint {body['id']}" for e in _audit(served, "complaint.open"))


def test_resolving_with_a_credit_moves_money_once_per_key(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("agent.telecom") as http:
        opened = http.post(
            "/complaints", json={"number": HEFEI_TELECOM, "kind": "other", "text": "overcharged"}
        ).json()
        before = http.get(f"/lines/{HEFEI_TELECOM}").json()["balance_yuan"]
        path, key = f"/complaints/{opened['id']}/move", uuid.uuid4().hex
        move = {"status": "resolved", "credit_yuan": "5", "note": "goodwill"}
        first = _post(http, path, move, key)
        again = _post(http, path, move, key)
        other = _post(http, path, move)
        no_key = http.post(path, json=move)
        after = http.get(f"/lines/{HEFEI_TELECOM}").json()["balance_yuan"]
    assert first.status_code == 200, first.text
    assert (first.json()["credit"], first.json()["replayed"]) == ("5.00", False)
    assert (again.status_code, again.json()["replayed"]) == (200, True)
    assert other.status_code == 409 and other.json()["code"] == "COMPLAINT_MOVE_REFUSED"
    assert no_key.status_code == 422
    assert float(after) == pytest.approx(float(before) + 5)
    moved = [
        e for e in _audit(served, "complaint.move") if e["target"] == f"complaint {opened['id']}"
    ]
    assert len(moved) == 1
    assert (moved[0]["before"]["status"], moved[0]["after"]["status"]) == ("open", "resolved")


def test_an_engineer_records_a_site_status_and_an_agent_may_not(
    served: Served, world: dict[str, Any]
) -> None:
    change = {"status": "off_air", "since": "2011-09-10"}
    with served.client("agent.telecom") as http:
        refused = http.post(f"/sites/{OUT_SITE}/status", json=change)
    with served.client("engineer.telecom") as http:
        done = http.post(f"/sites/{OUT_SITE}/status", json=change)
        theirs = http.post(f"/sites/{UNICOM_SITE}/status", json=change)
        future = http.post(f"/sites/{OUT_SITE}/status", json={**change, "since": "2011-10-01"})
    assert refused.status_code == 403 and refused.json()["code"] == "PERMISSION_DENIED"
    assert done.status_code == 200, done.text
    assert done.json()["current_status"] == "off_air"
    assert theirs.status_code == 404
    assert future.status_code == 422
    entry = next(e for e in _audit(served, "site.status") if e["target"] == OUT_SITE)
    assert (entry["before"]["status"], entry["after"]["status"]) == ("on_air", "off_air")


def test_staff_see_their_own_and_shared_sites_and_plan_a_region(
    served: Served, world: dict[str, Any]
) -> None:
    with served.client("engineer.telecom") as http:
        mine = [
            s["site_id"] for s in http.get("/sites", params={"area_code": "0551"}).json()["items"]
        ]
        plan = http.get("/sites/plan", params={"area_code": "0551", "budget_yuan": "100"})
        impact = http.get(f"/sites/{CREDIT_SITE}/impact")
        hidden = http.get(f"/sites/{UNICOM_SITE}/impact")
    with served.client("regulator") as http:
        every = [s["site_id"] for s in http.get("/sites").json()["items"]]
    assert SHARED_SITE in mine and UNICOM_SITE not in mine and CREDIT_SITE in mine
    assert UNICOM_SITE in every
    assert plan.status_code == 200, plan.text
    planned = [s["site_id"] for s in plan.json()["sites"]]
    assert UNICOM_SITE not in planned and SHARED_SITE in planned
    assert plan.json()["budget"] == "100.00"
    assert impact.status_code == 200 and impact.json()["live_lines"] == 1
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/routing/not-a-number", None),
        ("GET", "/routing/0551-62000001?at=9999-12-31T23:59:59%2B00:00", None),
        ("GET", "/sites/plan?area_code=x", None),
        ("GET", "/sites?limit=0", None),
        ("GET", "/porting/queue?state=nowhere", None),
        ("GET", "/porting/queue?state=completed", None),
        ("GET", "/porting/check/0551-62000001?to=Unicom!", None),
        ("POST", "/porting/requests/0551-62000001/authorise", {"code": "12"}),
        ("POST", "/porting/requests/0551-62000001/validate", {"decision": "reject"}),
        ("POST", "/complaints", {"number": "0551-62000001", "kind": "other", "text": "a\x00b"}),
        ("POST", "/complaints", {"number": "0551-62000001", "kind": "nonsense", "text": "x"}),
        ("POST", "/complaints", {"number": "0551-62000001", "kind": "other", "text": "   "}),
        ("GET", "/complaints/0", None),
    ],
)
def test_bad_input_is_refused_as_422_never_a_server_error(
    served: Served, world: dict[str, Any], method: str, path: str, body: object
) -> None:
    with served.client("agent.telecom") as http:
        response = http.request(method, path, json=body)
    assert response.status_code == 422, response.text
