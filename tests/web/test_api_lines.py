"""The lines API over real HTTP: look-ups, refusals with their codes, money once per key,
operator isolation, and the audit log."""

from __future__ import annotations

import uuid

import pytest
from tests.web.served import (
    BEIJING_UNICOM,
    CHONGQING_TELECOM,
    CHONGQING_TELECOM_2,
    HEFEI_TELECOM,
    HEFEI_TELECOM_2,
    HEFEI_TELECOM_LEAVING,
    PASSWORD,
    Served,
)


def _top_up(served: Served, user: str | None, number: str, yuan: str, key: str | None = None):
    with served.client(user) as http:
        return http.post(
            f"/lines/{number}/top-up",
            json={"amount_yuan": yuan},
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )


def test_token_from_the_oauth2_password_form(served: Served) -> None:
    response = httpx_post_form(served, "agent.telecom", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) > 20


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(served: Served) -> None:
    for name, password in (("agent.telecom", "wrong password!"), ("nobody.here", PASSWORD)):
        response = httpx_post_form(served, name, password)
        assert response.status_code == 401
        assert response.json()["message"] == "the user name or the password is wrong"


def httpx_post_form(served: Served, name: str, password: str):
    with served.client() as http:
        return http.post("/auth/token", data={"username": name, "password": password})


def test_agent_reads_own_line_with_phase_and_money_as_yuan_strings(served: Served) -> None:
    with served.client("agent.telecom") as http:
        body = http.get(f"/lines/{CHONGQING_TELECOM}").json()
    assert body["number"] == CHONGQING_TELECOM
    assert body["phase"] == "topups_refused"
    assert body["city"] == "Chongqing" and body["city_zh"] == "重庆"
    assert isinstance(body["balance_yuan"], str) and body["balance_yuan"].count(".") == 1


def test_top_up_refused_by_the_phase_is_409_with_code_and_nothing_moves(served: Served) -> None:
    response = _top_up(served, "agent.telecom", CHONGQING_TELECOM, "50")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "TOPUP_REFUSED_PHASE"
    assert "2011-06-01" in body["message"]
    with served.client("agent.telecom") as http:
        assert http.get(f"/lines/{CHONGQING_TELECOM}").json()["balance_yuan"] == "30.00"


def test_top_up_with_the_same_idempotency_key_is_applied_once(served: Served) -> None:
    with served.client("agent.telecom") as http:
        before = http.get(f"/lines/{HEFEI_TELECOM_2}").json()["balance_yuan"]
    key = uuid.uuid4().hex
    first = _top_up(served, "agent.telecom", HEFEI_TELECOM_2, "20.50", key)
    again = _top_up(served, "agent.telecom", HEFEI_TELECOM_2, "20.50", key)
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True
    assert float(again.json()["balance_yuan"]) == pytest.approx(float(before) + 20.50)


def test_a_retried_termination_is_answered_as_done_and_stays_hidden_from_other_operators(
    served: Served,
) -> None:
    key = uuid.uuid4().hex
    with served.client("agent.telecom") as http:
        first = http.post(
            f"/lines/{HEFEI_TELECOM_LEAVING}/terminate", headers={"Idempotency-Key": key}
        )
        again = http.post(
            f"/lines/{HEFEI_TELECOM_LEAVING}/terminate", headers={"Idempotency-Key": key}
        )
    with served.client("agent.unicom") as http:
        foreign = http.post(
            f"/lines/{HEFEI_TELECOM_LEAVING}/terminate", headers={"Idempotency-Key": key}
        )

    assert first.status_code == again.status_code == 200, again.text
    assert "5.67 yuan to refund" in first.json()["message"]  # 15.00 less 1-14 September
    assert again.json()["replayed"] is True and again.json()["status"] == "terminated"
    assert "already terminated" in again.json()["message"]
    assert foreign.status_code == 404 and foreign.json()["code"] == "NOT_FOUND"


def test_top_up_without_idempotency_key_is_refused_as_bad_input(served: Served) -> None:
    with served.client("agent.telecom") as http:
        response = http.post(f"/lines/{HEFEI_TELECOM}/top-up", json={"amount_yuan": "5"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/lines/{n}"),
        ("GET", "/lines/{n}/ledger"),
        ("GET", "/lines/{n}/offers"),
        ("GET", "/lines/{n}/porting-check"),
        ("POST", "/lines/{n}/top-up"),
        ("POST", "/lines/{n}/suspend"),
        ("POST", "/lines/{n}/resume"),
        ("POST", "/lines/{n}/terminate"),
        ("POST", "/lines/{n}/migrate"),
    ],
)
def test_another_operators_line_is_not_found_through_every_endpoint(
    served: Served, method: str, path: str
) -> None:
    bodies = {
        "top-up": {"amount_yuan": "5"},
        "suspend": {"reason": "customer"},
        "migrate": {"offer_id": "beijing-unicom-upgrade", "plan_yuan": "46"},
    }
    body = next((b for k, b in bodies.items() if path.endswith(k)), None)
    with served.client("agent.telecom") as http:
        response = http.request(
            method,
            path.format(n=BEIJING_UNICOM),
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "NOT_FOUND"
    with served.client("agent.unicom") as http:
        assert http.get(f"/lines/{BEIJING_UNICOM}").status_code == 200


def test_search_shows_staff_only_their_operator_and_the_regulator_everyone(served: Served) -> None:
    with served.client("agent.telecom") as http:
        mine = {
            line["operator"] for line in http.get("/lines", params={"limit": 200}).json()["items"]
        }
        other = http.get("/lines", params={"operator": "unicom"}).json()["items"]
    with served.client("regulator") as http:
        everyone = {
            line["operator"] for line in http.get("/lines", params={"limit": 200}).json()["items"]
        }
    assert mine == {"telecom"} and other == []
    assert {"telecom", "unicom"} <= everyone


def test_unauthenticated_writes_and_reads_are_refused(served: Served) -> None:
    response = _top_up(served, None, HEFEI_TELECOM, "5")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    with served.client() as http:
        assert http.get(f"/lines/{HEFEI_TELECOM}").status_code == 401
    with served.client() as bad:
        bad.headers["Authorization"] = "Bearer not-a-token"
        assert bad.get("/auth/me").status_code == 401


def test_regulator_may_read_but_not_write(served: Served) -> None:
    with served.client("regulator") as http:
        assert http.get(f"/lines/{BEIJING_UNICOM}").status_code == 200
    response = _top_up(served, "regulator", HEFEI_TELECOM, "5")
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"


def test_every_write_is_in_the_audit_log_with_before_and_after(served: Served) -> None:
    assert _top_up(served, "agent.telecom", HEFEI_TELECOM, "7").status_code == 200
    with served.client("admin.all") as http:
        entries = http.get("/admin/audit").json()
    mine = [e for e in entries if e["action"] == "line.top_up" and e["target"] == HEFEI_TELECOM]
    assert mine, entries
    last = mine[0]
    assert last["user"] == "agent.telecom" and last["operator"] == "telecom"
    assert float(last["after"]["balance_yuan"]) == pytest.approx(
        float(last["before"]["balance_yuan"]) + 7
    )
    with served.client("agent.telecom") as http:
        assert http.get("/admin/audit").status_code == 403


def test_a_migration_through_the_api_is_listed_for_its_operator_only(served: Served) -> None:
    key = uuid.uuid4().hex
    body = {"offer_id": "chongqing-2009-tianyi", "plan_yuan": "35", "new_number": "133 0000 0002"}
    with served.client("agent.telecom") as http:
        migrate = f"/lines/{CHONGQING_TELECOM_2}/migrate"
        done = http.post(migrate, json=body, headers={"Idempotency-Key": key})
        assert done.status_code == 200, done.text
        assert done.json()["new_number"] == "133 0000 0002"
        again = http.post(migrate, json=body, headers={"Idempotency-Key": key})
        # A retry finds the old number no longer live, and is answered with what it did.
        assert again.status_code == 200, again.text
        assert again.json()["replayed"] is True
        assert again.json()["new_number"] == "133 0000 0002"
        listed = http.get("/migrations", params={"offer_id": "chongqing-2009-tianyi"}).json()
    assert [(m["old_number"], m["new_number"]) for m in listed].count(
        (CHONGQING_TELECOM_2, "133 0000 0002")
    ) == 1
    assert listed[0]["target"] == "telecom/cdma2000" and listed[0]["monthly_fee_yuan"] == "35.00"
    with served.client("agent.unicom") as http:
        assert http.get("/migrations").json() == []
