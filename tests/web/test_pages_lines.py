"""The agent's pages over real HTTP: signing in with CSRF, the line page, refusals in words."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from tests.web.served import (
    BEIJING_UNICOM,
    CHONGQING_TELECOM,
    CHONGQING_TELECOM_2,
    HEFEI_TELECOM,
    PASSWORD,
    Served,
)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(served: Served, user: str) -> httpx.Client:
    browser = httpx.Client(base_url=served.url, timeout=30)
    token = _csrf(browser.get("/app/login").text)
    response = browser.post(
        "/app/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/app/lines"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/app/lines"
    return browser


@pytest.fixture
def agent(served: Served) -> Iterator[httpx.Client]:
    browser = sign_in(served, "agent.telecom")
    try:
        yield browser
    finally:
        browser.close()


def test_a_visitor_is_sent_to_sign_in_and_back(served: Served) -> None:
    with httpx.Client(base_url=served.url) as browser:
        response = browser.get(f"/app/lines/{CHONGQING_TELECOM}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/login?next=/app/lines/{CHONGQING_TELECOM}"


def test_a_wrong_password_says_so_on_the_page(served: Served) -> None:
    with httpx.Client(base_url=served.url) as browser:
        token = _csrf(browser.get("/app/login").text)
        response = browser.post(
            "/app/login",
            data={"username": "agent.telecom", "password": "nope nope nope", "csrf_token": token},
            headers={"Accept-Language": "en"},
        )
    assert response.status_code == 401
    assert "The user name or the password is wrong" in response.text


def test_signing_in_without_the_forms_csrf_token_is_refused(served: Served) -> None:
    with httpx.Client(base_url=served.url) as browser:
        browser.get("/app/login")
        response = browser.post(
            "/app/login",
            data={"username": "agent.telecom", "password": PASSWORD, "csrf_token": "forged"},
        )
    assert response.status_code == 403
    assert "CSRF_FAILED" in response.text


def test_looking_up_a_number_as_typed_opens_its_page(agent: httpx.Client) -> None:
    response = agent.get("/app/lines", params={"number": "023 6000 0001"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/lines/{CHONGQING_TELECOM}"


def test_the_line_page_shows_phase_balance_and_plan_in_chinese(agent: httpx.Client) -> None:
    page = agent.get(f"/app/lines/{CHONGQING_TELECOM}").text
    assert 'data-phase="topups_refused"' in page and "停止充值" in page
    assert "重庆" in page and "30.00" in page


def test_a_refused_top_up_is_explained_on_the_page_and_nothing_moves(
    agent: httpx.Client,
) -> None:
    page = agent.get(f"/app/lines/{CHONGQING_TELECOM_2}", headers={"Accept-Language": "en"})
    response = agent.post(
        f"/app/lines/{CHONGQING_TELECOM_2}/top-up",
        data={"amount": "50", "key": uuid.uuid4().hex, "csrf_token": _csrf(page.text)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "TOPUP_REFUSED_PHASE" in response.text and "2011-06-01" in response.text
    assert "8.00 yuan" in response.text


def test_a_top_up_without_the_csrf_token_is_refused(agent: httpx.Client) -> None:
    response = agent.post(
        f"/app/lines/{HEFEI_TELECOM}/top-up", data={"amount": "5", "key": uuid.uuid4().hex}
    )
    assert response.status_code == 403
    assert "CSRF_FAILED" in response.text


def test_the_offers_section_lists_the_eligible_offer_with_a_migrate_form(
    agent: httpx.Client,
) -> None:
    part = agent.get(f"/app/lines/{CHONGQING_TELECOM}/offers", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text  # htmx gets the section alone
    assert 'data-offer="chongqing-2009-tianyi"' in part.text
    assert 'name="offer_id" value="chongqing-2009-tianyi"' in part.text
    porting = agent.get(f"/app/lines/{CHONGQING_TELECOM}/porting").text
    assert 'data-to="unicom"' in porting and "<html" in porting


def test_another_operators_line_page_is_not_found(agent: httpx.Client) -> None:
    for path in ("", "/offers", "/porting"):
        response = agent.get(f"/app/lines/{BEIJING_UNICOM}{path}")
        assert response.status_code == 404, path
        assert "NOT_FOUND" in response.text


def test_signing_out_ends_the_session(served: Served) -> None:
    browser = sign_in(served, "agent.telecom")
    token = _csrf(browser.get("/app/lines").text)
    assert browser.post("/app/logout", data={"csrf_token": token}).status_code == 303
    assert browser.get(f"/app/lines/{HEFEI_TELECOM}").status_code == 303
    browser.close()
