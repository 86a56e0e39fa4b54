"""Operator isolation through every endpoint that names a number: an agent of one operator is
answered 404, exactly as for a number that does not exist, wherever another operator's line is
named. The endpoints are read from /openapi.json, so a new one is covered without editing this."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from hypothesis import find
from hypothesis.strategies import from_regex
from tests.web.served import BEIJING_UNICOM, Served


def _value(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A small valid value for a JSON schema (enough to get past validation)."""
    if "$ref" in schema:
        return _value(_ref(spec, schema["$ref"]), spec)
    if "anyOf" in schema:
        return _value(next(s for s in schema["anyOf"] if s.get("type") != "null"), spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {
            k: _value(v, spec) for k, v in schema.get("properties", {}).items() if k in required
        }
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if schema.get("format") == "date":
        return "2011-09-15"
    if schema.get("format") == "date-time":
        return "2011-09-15T10:00:00"
    if "pattern" in schema:
        return find(from_regex(schema["pattern"], fullmatch=True), lambda _: True)
    return "x"


def _ref(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


# The number database answers any staff account for any number: every operator's switches must
# route calls to numbers of the others. It shows the route (operator, network, routing number),
# nothing of the line or its customer.
SHARED_ACROSS_OPERATORS = ("/routing/",)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, methods in spec["paths"].items():
        if "{number}" in path and not path.startswith(SHARED_ACROSS_OPERATORS):
            found += [(method.upper(), path, op) for method, op in methods.items()]
    return found


def _request(
    http: httpx.Client, spec: dict[str, Any], method: str, path: str, op: dict[str, Any]
) -> httpx.Response:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    params = {
        p["name"]: _value(p["schema"], spec)
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    body = op.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        payload = _value(body["application/json"]["schema"], spec)
        return http.request(method, path, params=params, json=payload, headers=headers)
    if "application/x-www-form-urlencoded" in body:
        form = _value(body["application/x-www-form-urlencoded"]["schema"], spec)
        return http.request(method, path, params=params, data=form, headers=headers)
    return http.request(method, path, params=params, headers=headers)


def test_every_number_endpoint_hides_another_operators_line(served: Served) -> None:
    with served.client() as anonymous:
        spec = anonymous.get("/openapi.json").json()
    operations = _operations(spec)
    assert len(operations) >= 9, [f"{m} {p}" for m, p, _ in operations]
    leaks = []
    with served.client("agent.telecom") as http:
        for method, path, op in operations:
            response = _request(http, spec, method, path.replace("{number}", BEIJING_UNICOM), op)
            if response.status_code != 404 or response.json().get("code") != "NOT_FOUND":
                leaks.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("user", ["agent.unicom", "regulator"])
def test_the_lines_own_operator_and_the_regulator_do_see_it(served: Served, user: str) -> None:
    with served.client(user) as http:
        assert http.get(f"/lines/{BEIJING_UNICOM}").status_code == 200
