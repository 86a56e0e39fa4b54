"""The porting, complaints and base-station pages over real HTTP, signed in with a browser
session: the queues with their late rows highlighted, the actions as form posts with the CSRF
token, refusals shown in words, Chinese by default and English on request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from tests.factories import ACTOR, import_sites_rows, noon, site_row
from tests.web.served import HEFEI_TELECOM, PASSWORD, Served

from sunset.care.vocabulary import ComplaintKind
from sunset.db import session_scope
from sunset.lines.service import NewLine
from sunset.porting import service as porting
from sunset.porting.eligibility import Destination
from sunset.usecases import care as care_uc
from sunset.usecases import operations

LATE = "133 2200 0011"  # authorised on 2011-09-10 and never validated: overdue
FRESH = "133 2200 0012"  # authorised on the served day: not overdue
ASKING = "133 2200 0013"  # no request yet: asked for from the page
EARLY = datetime(2011, 9, 10, 10, 0)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _activate(session: Any, number: str, ref: str) -> None:
    operations.activate(
        session,
        ACTOR,
        new=NewLine(
            number=number,
            operator="telecom",
            network="cdma",
            area_code="022",
            customer_ref=ref,
            real_name=True,
            monthly_fee_fen=3000,
            prepaid=True,
        ),
        today=date(2010, 6, 1),
        now=noon(date(2010, 6, 1)),
    )


def _authorised(session: Any, number: str, ref: str, at: datetime) -> None:
    _activate(session, number, ref)
    asked = porting.request(
        session, number=number, destination=Destination("unicom/wcdma"), now=at, actor="customer"
    )
    assert asked.auth_code is not None
    porting.authorise(session, number=number, code=asked.auth_code, now=at, actor="unicom")


@pytest.fixture(scope="module")
def world(served: Served, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Two authorised ports (one late), a late complaint, and sites of two operators."""
    with session_scope(served.engine, write=True) as session:
        _authorised(session, LATE, "P1", EARLY)
        _authorised(session, FRESH, "P2", datetime(2011, 9, 15, 0, 5))
        _activate(session, ASKING, "P3")
        late = care_uc.open_complaint(
            session,
            ACTOR,
            number=HEFEI_TELECOM,
            kind=ComplaintKind.NO_SIGNAL,
            text="没有信号",
            today=date(2011, 9, 1),
            now=noon(date(2011, 9, 1)),
        )
    import_sites_rows(
        served.engine,
        tmp_path_factory.mktemp("sites"),
        [site_row(0, operator="telecom"), site_row(1, operator="unicom")],
    )
    return {"late_complaint": late.id}


@contextmanager
def _signed_in(served: Served, user: str, lang: str = "zh") -> Iterator[httpx.Client]:
    """A browser-like client signed in through the form: visitor CSRF cookie, then a session."""
    with httpx.Client(base_url=served.url, timeout=30, cookies={"sunset_lang": lang}) as http:
        form = http.get("/app/login")
        token = CSRF.search(form.text)
        assert token is not None
        done = http.post(
            "/app/login",
            data={"username": user, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert done.status_code == 303, done.text
        yield http


@pytest.fixture
def agent(served: Served, world: dict[str, int]) -> Iterator[httpx.Client]:
    with _signed_in(served, "agent.telecom") as http:
        yield http


def _post_form(http: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Post a form of ``page`` as a browser does: with the CSRF token the page carries."""
    shown = http.get(page)
    token = CSRF.search(shown.text)
    assert token is not None, (shown.status_code, shown.text[:2000])
    return http.post(action, data={**data, "csrf_token": token.group(1)})


def _row(html: str, attribute: str, value: str) -> str:
    found = re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}"[^>]*>.*?</tr>', html, re.S)
    assert found is not None, f"no row {attribute}={value}"
    return found.group(0)


@pytest.mark.parametrize("page", ["/app/porting", "/app/complaints", "/app/sites"])
def test_a_visitor_is_sent_to_sign_in_first(served: Served, page: str) -> None:
    with served.client() as http:
        response = http.get(page)
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/login?next={page}"


def test_the_porting_queue_shows_open_requests_and_highlights_the_late_one(
    served: Served, agent: httpx.Client
) -> None:
    page = agent.get("/app/porting")
    assert page.status_code == 200
    assert "携号转网队列" in page.text
    late, fresh = _row(page.text, "data-number", LATE), _row(page.text, "data-number", FRESH)
    assert 'class="overdue"' in late and "已超时" in late
    assert "overdue" not in fresh
    assert "/validate" in late and "/cancel" in late
    with _signed_in(served, "agent.unicom") as other:
        assert LATE not in other.get("/app/porting").text


def test_validating_from_the_queue_schedules_the_port_and_a_second_try_is_refused_in_words(
    agent: httpx.Client,
) -> None:
    done = _post_form(agent, "/app/porting", f"/app/porting/{FRESH}/validate", {})
    assert done.status_code == 200, done.text
    assert "the port takes effect at" in done.text
    assert 'data-state="scheduled"' in _row(done.text, "data-number", FRESH)
    again = _post_form(agent, "/app/porting", f"/app/porting/{FRESH}/validate", {})
    assert again.status_code == 409
    assert "PORT_NOT_IN_STATE" in again.text and "this step needs it authorised" in again.text


def test_a_port_request_from_the_page_shows_the_reasons_it_is_refused(agent: httpx.Client) -> None:
    done = _post_form(
        agent, "/app/porting", "/app/porting/request", {"number": HEFEI_TELECOM, "to": "unicom"}
    )
    assert done.status_code == 409
    assert 'class="refusal"' in done.text and "PORT_NO_RULES_IN_FORCE" in done.text


def test_a_port_requested_from_the_page_shows_its_code_once_and_joins_the_queue(
    agent: httpx.Client,
) -> None:
    done = _post_form(
        agent, "/app/porting", "/app/porting/request", {"number": ASKING, "to": "unicom/wcdma"}
    )
    assert done.status_code == 200, done.text
    code = re.search(r'data-testid="auth-code">[^<]*<b>(\d{6})</b>', done.text)
    assert code is not None
    assert 'data-state="requested"' in _row(done.text, "data-number", ASKING)
    assert 'data-testid="auth-code"' not in agent.get("/app/porting").text  # shown once


def test_the_regulator_reads_the_queue_without_actions(
    served: Served, world: dict[str, int]
) -> None:
    with _signed_in(served, "regulator") as http:
        page = http.get("/app/porting").text
    row = _row(page, "data-number", LATE)
    assert "/validate" not in row and "/cancel" not in row and 'id="port-request"' not in page


def test_a_form_post_without_its_csrf_token_is_refused(agent: httpx.Client) -> None:
    response = agent.post(f"/app/porting/{LATE}/cancel", data={})
    assert response.status_code == 403
    row = _row(agent.get("/app/porting").text, "data-number", LATE)
    assert 'data-state="authorised"' in row  # not cancelled


def test_the_complaints_queue_shows_deadlines_and_a_move_with_a_credit(
    agent: httpx.Client, world: dict[str, int]
) -> None:
    page = agent.get("/app/complaints")
    row = _row(page.text, "data-complaint", str(world["late_complaint"]))
    assert 'class="overdue"' in row and "2011-09-04" in row and "没有信号" in row
    opened = _post_form(
        agent,
        "/app/complaints",
        "/app/complaints",
        {"number": HEFEI_TELECOM, "kind": "other", "text": "多扣了月租"},
    )
    assert opened.status_code == 200 and 'class="outcome"' in opened.text
    newest = max(int(i) for i in re.findall(r'data-complaint="(\d+)"', opened.text))
    move = {"status": "resolved", "credit": "3.50", "key": "k-1", "note": "refunded"}
    moved = _post_form(agent, "/app/complaints", f"/app/complaints/{newest}/move", move)
    assert moved.status_code == 200
    assert "3.50" in _row(moved.text, "data-complaint", str(newest))
    refused = _post_form(
        agent, "/app/complaints", f"/app/complaints/{newest}/move", {**move, "key": "k-2"}
    )
    assert refused.status_code == 409
    assert "COMPLAINT_MOVE_REFUSED" in refused.text and "it is closed" in refused.text


def test_the_pages_speak_english_when_asked(served: Served, world: dict[str, int]) -> None:
    with _signed_in(served, "agent.telecom", lang="en") as http:
        page = http.get("/app/complaints").text
    assert "Open a complaint" in page and "Overdue" in page and "受理投诉" not in page


def test_an_engineer_sees_the_region_and_its_plan_and_records_a_status(
    served: Served, world: dict[str, int]
) -> None:
    with _signed_in(served, "engineer.telecom") as http:
        page = http.get("/app/sites", params={"area_code": "0551"})
        done = _post_form(
            http,
            "/app/sites?area_code=0551",
            "/app/sites/S0551-0/status",
            {"status": "faulty", "since": "2011-09-14", "area_code": "0551"},
        )
        impact = http.get("/app/sites/S0551-0/impact")
    assert page.status_code == 200 and "关停计划" in page.text
    assert 'data-site="S0551-0"' in page.text and "S0551-1" not in page.text
    assert done.status_code == 200 and 'class="outcome"' in done.text
    assert 'class="site-faulty"' in _row(done.text, "data-site", "S0551-0")
    assert impact.status_code == 200 and "S0551-0" in impact.text


def test_an_agent_may_not_change_a_site_and_is_told_why(agent: httpx.Client) -> None:
    refused = _post_form(
        agent,
        "/app/sites",
        "/app/sites/S0551-0/status",
        {"status": "off_air", "since": "2011-09-14"},
    )
    assert refused.status_code == 403
    assert "PERMISSION_DENIED" in refused.text and "may not do this" in refused.text
