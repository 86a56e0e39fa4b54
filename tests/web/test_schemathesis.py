"""schemathesis against /openapi.json of a running server: no 5xx anywhere, and every answer
(status, content type, headers, body) is one the schema declares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.web.served import Served

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)


def test_every_endpoint_answers_as_its_schema_says_and_never_5xx(
    served: Served, tmp_path: Path
) -> None:
    # An admin of every operator reaches every endpoint; refusals must match the schema too.
    token = served.token("admin.all")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{served.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        "25",
        "--seed",
        "7",
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
