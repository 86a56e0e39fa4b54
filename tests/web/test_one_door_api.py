"""The API and the pages through the one door (#17), over real HTTP on both engines: bad input
named before the database, money above an agent's limit held for a supervisor, a closed number
explained, nothing of another operator's operation learned."""

from __future__ import annotations

import uuid

from tests.web.served import (
    BEIJING_UNICOM,
    HEFEI_TELECOM,
    HEFEI_TELECOM_2,
    HEFEI_TELECOM_LEAVING,
    Served,
)
from tests.web.test_pages_lines import _csrf, sign_in

NEW_LINE = {
    "number": "0551-62999999",
    "operator": "telecom",
    "network": "phs",
    "area_code": "0551",
    "customer_id": "N1",
}


def test_a_line_to_open_is_refused_by_field_before_the_database(served: Served) -> None:
    with served.client("admin.all") as http:
        operator = http.post("/lines", json={**NEW_LINE, "operator": "zzz"})
        shanghai = http.post("/lines", json={**NEW_LINE, "area_code": "021"})
        mobile = http.post("/lines", json={**NEW_LINE, "number": "13312345678"})
        verified = http.get("/lines/0551-62999999")
    assert (operator.status_code, operator.json()["field"]) == (422, "operator")
    assert operator.json()["message"].startswith("operator: unknown operator")
    assert (shanghai.status_code, shanghai.json()["field"]) == (422, "number")
    assert (mobile.status_code, mobile.json()["field"]) == (422, "number")
    assert verified.status_code == 404  # nothing stored


def test_a_top_up_above_an_agents_limit_waits_for_a_supervisor(served: Served) -> None:
    key = {"Idempotency-Key": f"big-{uuid.uuid4()}"}
    with served.client("agent.telecom") as http:
        held = http.post(
            f"/lines/{HEFEI_TELECOM}/top-up", json={"amount_yuan": "1500"}, headers=key
        )
        again = http.post(
            f"/lines/{HEFEI_TELECOM}/top-up", json={"amount_yuan": "1500"}, headers=key
        )
        mine = http.post(f"/admin/approvals/{held.json()['approval']}/approve", json={})
    assert held.status_code == 202 and held.json()["balance_yuan"] == "12.50"
    assert again.json()["approval"] == held.json()["approval"]
    assert mine.status_code == 403  # an agent approves nothing
    with served.client("supervisor.telecom") as http:
        waiting = http.get("/admin/approvals").json()
        done = http.post(f"/admin/approvals/{held.json()['approval']}/approve", json={})
        line = http.get(f"/lines/{HEFEI_TELECOM}").json()
    assert held.json()["approval"] in [a["id"] for a in waiting]
    assert done.status_code == 200 and done.json()["state"] == "approved", done.text
    assert line["balance_yuan"] == "1512.50"


def test_a_key_another_operator_used_tells_nothing_of_their_operation(served: Served) -> None:
    key = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
    with served.client("agent.unicom") as http:
        theirs = http.post(
            f"/lines/{BEIJING_UNICOM}/top-up", json={"amount_yuan": "66.60"}, headers=key
        )
    with served.client("agent.telecom") as http:
        mine = http.post(f"/lines/{HEFEI_TELECOM_2}/top-up", json={"amount_yuan": "1"}, headers=key)
    assert theirs.status_code == 200 and mine.status_code == 200, mine.text
    assert "66" not in mine.text and not mine.json()["replayed"]


def test_a_terminated_number_is_explained_gone_with_its_refund(served: Served) -> None:
    with served.client("agent.telecom") as http:
        ended = http.post(
            f"/lines/{HEFEI_TELECOM_LEAVING}/terminate", headers={"Idempotency-Key": "end-door"}
        )
        later = http.post(
            f"/lines/{HEFEI_TELECOM_LEAVING}/top-up",
            json={"amount_yuan": "10"},
            headers={"Idempotency-Key": "late"},
        )
    with served.client("agent.unicom") as http:
        stranger = http.get(f"/lines/{HEFEI_TELECOM_LEAVING}")
    assert ended.status_code == 200, ended.text
    assert later.status_code == 410, later.text
    body = later.json()
    assert body["code"] == "LINE_TERMINATED"
    assert body["details"]["closed_on"] == "2011-09-15"
    assert body["details"]["refund_yuan"] is not None
    assert stranger.status_code == 404 and "details" not in stranger.json()


def test_the_top_up_form_with_a_long_key_says_why_instead_of_a_500(served: Served) -> None:
    browser = sign_in(served, "agent.telecom")
    try:
        page = browser.get(f"/app/lines/{HEFEI_TELECOM}")
        response = browser.post(
            f"/app/lines/{HEFEI_TELECOM}/top-up",
            data={"amount": "5", "key": "k" * 200, "csrf_token": _csrf(page.text)},
            headers={"Accept-Language": "en"},
        )
    finally:
        browser.close()
    assert response.status_code == 422, response.status_code
    assert "idempotency key" in response.text
