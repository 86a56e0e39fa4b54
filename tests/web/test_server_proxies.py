"""Behind a configured proxy (#17): its X-Forwarded-For gives the client's address to the comment
limit and the sign-in throttle, no one else's does; and failed sign-ins are counted by every
worker process of `sunset serve --workers 2`, not by each on its own.

The proxy is played by a client connecting from 127.0.0.2, the one address the server is told
to believe (`--forwarded-allow-ips 127.0.0.2`); the others connect from other loopback addresses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import RunCli
from tests.web.conftest import ENGINES, serving
from tests.web.served import PASSWORD, Served
from tests.web.test_server_limits import (
    addresses_stored,
    assert_throttled,
    client_from,
    post_comments,
    sign_in,
)
from tests.web.world import publish_world

PROXY = "127.0.0.2"


@pytest.fixture(scope="module", params=ENGINES)
def proxied(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Two worker processes believing X-Forwarded-For from 127.0.0.2 only."""
    options = ("--forwarded-allow-ips", PROXY, "--workers", "2")
    for served in serving(request, tmp_path_factory, options=options):
        publish_world(served.engine)
        yield served


def test_the_configured_proxy_is_believed_and_no_other_client(proxied: Served) -> None:
    clients = [f"203.0.113.{i}" for i in range(21)]
    with client_from(proxied, PROXY) as proxy:
        through_proxy = post_comments(proxied, proxy, clients)
    with client_from(proxied, "127.0.0.1") as direct:
        post_comments(proxied, direct, ["198.51.100.7"])
    # 21 posts from 21 clients: none is over the limit of 20 an hour from one address.
    assert through_proxy == ["accepted:None"] * 21
    assert addresses_stored(proxied) == {*clients, "127.0.0.1"}


def test_through_the_proxy_each_client_is_throttled_by_its_own_address(proxied: Served) -> None:
    with client_from(proxied, PROXY) as proxy:
        forwarded = {"X-Forwarded-For": "198.51.100.1"}
        guesses = [
            proxy.post(
                "/auth/token",
                data={"username": f"nobody.{i}", "password": PASSWORD},
                headers=forwarded,
            )
            for i in range(20)
        ]
        same_client = proxy.post(
            "/auth/token", data={"username": "regulator", "password": PASSWORD}, headers=forwarded
        )
        other_client = proxy.post(
            "/auth/token",
            data={"username": "regulator", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.2"},
        )
    assert [r.status_code for r in guesses] == [401] * 20
    assert_throttled(same_client)
    assert other_client.status_code == 200, other_client.text


def test_failures_are_counted_by_every_worker_process(proxied: Served) -> None:
    # Each attempt on a new connection: the kernel spreads them over the two workers.
    answers = []
    for _ in range(5):
        with client_from(proxied, "127.0.0.21") as http:
            answers.append(sign_in(http, "agent.unicom", "a wrong password"))
    with client_from(proxied, "127.0.0.21") as http:
        right = sign_in(http, "agent.unicom", PASSWORD)
    assert [r.status_code for r in answers] == [401] * 5
    assert_throttled(right)


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_a_proxy_that_is_no_address_is_refused_by_name_before_serving(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    by_option = cli("serve", "--forwarded-allow-ips", "10.0.0.1,proxy.example")
    monkeypatch.setenv("SUNSET_FORWARDED_ALLOW_IPS", "10.0.0.0/8,nonsense")
    by_setting = cli("serve")

    assert by_option.exit_code == 2, by_option
    assert "--forwarded-allow-ips" in by_option.stderr
    assert "'proxy.example' is not an IP address or network" in by_option.stderr
    assert by_setting.exit_code == 2, by_setting
    assert "SUNSET_FORWARDED_ALLOW_IPS" in by_setting.stderr
    assert "'nonsense' is not an IP address or network" in by_setting.stderr
    assert "serving" not in by_option.stdout + by_setting.stdout
