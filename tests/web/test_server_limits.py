"""The web server holds up (#17): sign-in refused for a while after failures, per user name and
per client address, on the API and the form alike; a body over the limit refused before anything
reads it; X-Forwarded-For from a client that is no configured proxy changes nothing.

Real HTTP against a served database of each engine. Each test connects from a loopback address
of its own (127.0.0.x), so that the failures one test counts against its address are not another's.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.web.served import PASSWORD, Served
from tests.web.world import CHONGQING_NOTICE, publish_world

from sunset.access.models import LoginFailure

WINDOW_S = 900  # how long a failed sign-in counts (SUNSET_LOGIN_WINDOW_SECONDS as shipped)
LIMIT_BYTES = 1_048_576  # the default SUNSET_WEB_MAX_BODY_BYTES
# 21 places (one character each: 京 Beijing, 沪 Shanghai, ...), one for each comment's author
# and text, so that no two comments are the same author or text.
PLACES = list("京沪津渝合巢沈连佛中广深杭宁苏汉长成西郑济")


@pytest.fixture(scope="module")
def guarded(served: Served) -> Served:
    """The served test world as it ships (default limits, no proxy), its notices published."""
    publish_world(served.engine)
    return served


def client_from(served: Served, address: str) -> httpx.Client:
    """Return an HTTP client whose connections come from ``address`` (a loopback address)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=served.url, transport=transport, timeout=30)


def sign_in(http: httpx.Client, name: str, password: str) -> httpx.Response:
    """Ask the API for a bearer token."""
    return http.post("/auth/token", data={"username": name, "password": password})


def form_sign_in(http: httpx.Client, name: str, password: str) -> httpx.Response:
    """Sign in through the dashboard's form, as a browser does (English pages)."""
    page = http.get("/app/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the sign-in page has no CSRF field"
    form = {"username": name, "password": password, "csrf_token": found.group(1)}
    return http.post("/app/login", data=form, headers={"Accept-Language": "en"})


def assert_throttled(response: httpx.Response) -> int:
    """Assert an API refusal for too many failures; return its Retry-After in seconds."""
    assert response.status_code == 429, response.text
    assert response.json()["refused"] is True
    assert response.json()["code"] == "LOGIN_THROTTLED"
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= WINDOW_S
    return wait


def let_time_pass(served: Served, *, address: str, seconds: int) -> None:
    """Move the failed sign-ins made from ``address`` that far into the past, as if ``seconds``
    had gone by (a test cannot wait out a window of minutes, nor rely on how fast it runs)."""
    with Session(served.engine) as session, session.begin():
        for failure in session.scalars(select(LoginFailure).where(LoginFailure.address == address)):
            failure.at -= timedelta(seconds=seconds)


# --- sign-in -------------------------------------------------------------------------------------


def test_after_five_wrong_passwords_even_the_right_one_is_refused_until_the_window_has_passed(
    guarded: Served,
) -> None:
    with client_from(guarded, "127.0.0.11") as http:
        answers = [sign_in(http, "engineer.telecom", f"guess number {i}") for i in range(60)]
        right = sign_in(http, "engineer.telecom", PASSWORD)
        wait = assert_throttled(right)
        let_time_pass(guarded, address="127.0.0.11", seconds=wait - 60)
        a_minute_early = sign_in(http, "engineer.telecom", PASSWORD)
        let_time_pass(guarded, address="127.0.0.11", seconds=60)
        later = sign_in(http, "engineer.telecom", PASSWORD)
    assert [a.status_code for a in answers[:5]] == [401] * 5
    for answer in answers[5:]:
        assert_throttled(answer)
    assert "with this user name" in right.json()["message"]
    assert_throttled(a_minute_early)
    assert later.status_code == 200, later.text
    assert later.json()["access_token"]


def test_a_success_forgets_the_names_failures(guarded: Served) -> None:
    with client_from(guarded, "127.0.0.12") as http:
        first = [sign_in(http, "planner.telecom", "not my password") for _ in range(4)]
        signed_in = sign_in(http, "planner.telecom", PASSWORD)
        again = [sign_in(http, "planner.telecom", "not my password") for _ in range(4)]
        still = sign_in(http, "planner.telecom", PASSWORD)
    assert [r.status_code for r in first] == [401] * 4 and signed_in.status_code == 200
    assert [r.status_code for r in again] == [401] * 4 and still.status_code == 200


def test_the_form_and_the_api_count_failures_together_and_the_form_says_when_to_retry(
    guarded: Served,
) -> None:
    with client_from(guarded, "127.0.0.13") as http:
        by_api = [sign_in(http, "admin.telecom", "wrong wrong wrong") for _ in range(3)]
        by_form = [form_sign_in(http, "admin.telecom", "wrong wrong wrong") for _ in range(2)]
        page = form_sign_in(http, "admin.telecom", PASSWORD)
        api = sign_in(http, "admin.telecom", PASSWORD)
    assert [r.status_code for r in by_api + by_form] == [401] * 5
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= WINDOW_S
    assert "Too many failed sign-ins: try again in" in page.text
    assert "sunset_session" not in page.cookies
    assert_throttled(api)


def test_an_address_is_refused_after_twenty_failures_whatever_the_names(guarded: Served) -> None:
    with client_from(guarded, "127.0.0.14") as http:
        # Unknown names count as known ones do: refusals tell nothing about which exist.
        guesses = [sign_in(http, f"nobody.{i}", PASSWORD) for i in range(20)]
        here = sign_in(http, "regulator", PASSWORD)
    with client_from(guarded, "127.0.0.15") as http:
        elsewhere = sign_in(http, "regulator", PASSWORD)
    assert [r.status_code for r in guesses] == [401] * 20
    assert_throttled(here)
    assert "from this address" in here.json()["message"]
    assert elsewhere.status_code == 200, elsewhere.text


# --- request bodies ------------------------------------------------------------------------------


def _new_line(number: str, padding: int) -> bytes:
    """A valid request to open a line, padded with spaces (still valid JSON) to be large."""
    body = (
        f'{{"number": "{number}", "operator": "telecom", "area_code": "0551", '
        f'"customer_id": "C-{number[-4:]}"}}'
    )
    return body.encode() + b" " * padding


def _streamed(body: bytes) -> Iterator[bytes]:
    """The body in 64 KiB pieces, sent chunked (no Content-Length)."""
    for start in range(0, len(body), 65_536):
        yield body[start : start + 65_536]


@pytest.mark.parametrize("sent", ["with_content_length", "chunked"])
def test_a_body_over_the_limit_is_refused_and_nothing_is_stored(guarded: Served, sent: str) -> None:
    number = "0551-62000071" if sent == "chunked" else "0551-62000072"
    body = _new_line(number, padding=2 * LIMIT_BYTES)
    with guarded.client("agent.telecom") as http:
        headers = {"Content-Type": "application/json"}
        content = _streamed(body) if sent == "chunked" else body
        response = http.post("/lines", content=content, headers=headers)
        looked_up = http.get(f"/lines/{number}")
    assert response.status_code == 413, response.text
    assert response.json() == {
        "refused": True,
        "code": "BODY_TOO_LARGE",
        "message": "the request body is larger than the 1,048,576 bytes this server accepts",
    }
    assert looked_up.status_code == 404


def _raw_post(served: Served, path: str, head: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """POST ``body`` chunked with exactly these headers (some no HTTP client would send
    together); return the answer's status and body."""
    url = httpx.URL(served.url)
    lines = [f"POST {path} HTTP/1.1", f"Host: {url.host}:{url.port}"]
    lines += [f"{name}: {value}" for name, value in head.items()]
    with socket.create_connection((url.host, url.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for chunk in _streamed(body):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")
        answer = sock.makefile("rb")
        status = int(answer.readline().split()[1])
        length = 0
        while line := answer.readline().strip():
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, answer.read(length)


def test_a_chunked_body_that_also_declares_a_small_length_is_counted_all_the_same(
    guarded: Served,
) -> None:
    # Transfer-Encoding frames the body when both are given: the small length is not its size.
    number = "0551-62000074"
    head = {
        "Authorization": f"Bearer {guarded.token('agent.telecom')}",
        "Content-Type": "application/json",
        "Content-Length": "100",
        "Transfer-Encoding": "chunked",
    }
    status, body = _raw_post(guarded, "/lines", head, _new_line(number, padding=2 * LIMIT_BYTES))
    with guarded.client("agent.telecom") as http:
        looked_up = http.get(f"/lines/{number}")
    assert status == 413, body
    assert b'"BODY_TOO_LARGE"' in body
    assert looked_up.status_code == 404


def test_a_chunked_body_within_the_limit_is_read_as_any_other(guarded: Served) -> None:
    number = "0551-62000073"
    with guarded.client("agent.telecom") as http:
        body = _new_line(number, padding=LIMIT_BYTES // 2)
        headers = {"Content-Type": "application/json"}
        response = http.post("/lines", content=_streamed(body), headers=headers)
        looked_up = http.get(f"/lines/{number}")
    assert response.status_code == 201, response.text
    assert looked_up.status_code == 200


# --- forwarded addresses -------------------------------------------------------------------------


def _notice_id(served: Served) -> int:
    with served.client() as http:
        notices = http.get("/notices", params={"area_code": "023"}).json()
    return next(n["id"] for n in notices if n["phase"] == CHONGQING_NOTICE)


def post_comments(served: Served, http: httpx.Client, forwarded_for: list[str]) -> list[str]:
    """Post one comment (each its own author and text) per X-Forwarded-For value; return the
    outcomes."""
    notice = _notice_id(served)
    outcomes = []
    for place, claimed in zip(PLACES, forwarded_for, strict=False):
        comment = {"author": f"{place}用户", "text": f"{place}的信号已经没了，请问什么时候能迁移"}
        response = http.post(
            f"/notices/{notice}/comments", json=comment, headers={"X-Forwarded-For": claimed}
        )
        assert response.status_code == 201, response.text
        outcomes.append(response.json()["outcome"] + ":" + str(response.json()["rule"]))
    return outcomes


def addresses_stored(served: Served) -> set[str]:
    """Return the client addresses the comments were stored with."""
    with served.engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT DISTINCT ip FROM comments")).scalars())


def test_x_forwarded_for_from_a_client_that_is_no_proxy_changes_no_address(
    guarded: Served,
) -> None:
    claimed = [f"203.0.113.{i}" for i in range(21)]
    with client_from(guarded, "127.0.0.1") as http:
        outcomes = post_comments(guarded, http, claimed)
    assert outcomes[:20] == ["accepted:None"] * 20
    assert outcomes[20] == "refused:rate_address"
    assert addresses_stored(guarded) == {"127.0.0.1"}


def test_a_name_no_account_can_have_is_a_wrong_name_not_a_server_error(guarded: Served) -> None:
    with client_from(guarded, "127.0.0.16") as http:
        answers = [sign_in(http, name, PASSWORD) for name in ("a\x00b", "x" * 5000)]
    assert [r.status_code for r in answers] == [401, 401]
