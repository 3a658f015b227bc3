"""Every ``gridcase`` command that writes data to standard output can be piped: stdout
carries the data alone and parses as its format; logs and progress go to stderr.

Each command runs as a real process against the test server (a fresh database with
the small demo registry), as someone would run ``gridcase registry export | jq``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from tests.harness import Stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


async def _gridcase(stack: Stack, *args: str) -> tuple[str, str]:
    """Run ``gridcase ARGS`` against the stack's database; (stdout, stderr)."""
    env = {
        **os.environ,
        "GRIDCASE_DATABASE_URL": stack.database_url,
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_bootstrap_servers or "",
        "GRIDCASE_ENVIRONMENT": "test",
        "GRIDCASE_SECRET_KEY": stack.settings.secret_key,
        # The JSON log format is the services' default: the one most likely to leak.
        "GRIDCASE_LOG_JSON": "true",
    }
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "gridcase.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


async def test_registry_export_geojson_stdout_is_only_the_feature_collection(
    stack: Stack,
) -> None:
    out, err = await _gridcase(stack, "registry", "export")
    document = json.loads(out)
    assert document["type"] == "FeatureCollection"
    assert {f["properties"]["code"] for f in document["features"]} >= {"451102", "451102001"}
    assert "service_started" in err  # the log line is still written, to stderr


async def test_registry_export_csv_and_staff_stdout_parse_whole(stack: Stack) -> None:
    out, _ = await _gridcase(stack, "registry", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["code"].isdigit() for r in rows)
    out, _ = await _gridcase(stack, "registry", "export", "--staff")
    staff = json.loads(out)
    assert {s["staff_id"] for s in staff} >= {"go-002", "op-street"}
    out, _ = await _gridcase(stack, "registry", "export", "--staff", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["staff_id"] for r in rows} >= {"go-002", "op-street"}


async def test_auth_token_stdout_is_only_the_token(stack: Stack) -> None:
    out, _ = await _gridcase(stack, "auth", "token", "go-002", "grid_officer", "--unit", "451102")
    claims = jwt.decode(out.strip(), stack.settings.secret_key, algorithms=["HS256"])
    assert claims["sub"] == "go-002"
    assert out.endswith("\n") and out.count("\n") == 1


async def test_auth_create_api_key_stdout_is_only_the_key_and_it_works(stack: Stack) -> None:
    out, _ = await _gridcase(
        stack, "auth", "create-api-key", "hotline", "--scope", "reports:submit"
    )
    assert out.count("\n") == 1
    await stack.start("routing", consumers=False, relay=False)
    response = await stack.client("routing").post("/auth/token", json={"api_key": out.strip()})
    assert response.status_code == 200, response.text


async def test_registry_coverage_and_audit_verify_stdout_are_their_reports_alone(
    stack: Stack,
) -> None:
    out, _ = await _gridcase(stack, "registry", "coverage")
    names = [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names[:5] == [
        "grids_without_officer",
        "communities_without_police",
        "urban_communities_without_full_time_police",
        "communities_without_legal_adviser",
        "small_committees",
    ]
    out, _ = await _gridcase(stack, "audit", "verify")
    schemas = [line.split()[0] for line in out.splitlines()]
    assert schemas == ["intake", "routing", "mediation", "escalation"]


async def test_infra_up_stdout_is_only_export_lines(stack: Stack) -> None:
    out, _ = await _gridcase(stack, "infra", "up")
    lines = out.splitlines()
    assert lines and all(line.startswith("export GRIDCASE_") for line in lines), out


async def test_asyncapi_to_stdout_is_the_document(stack: Stack) -> None:
    out, _ = await _gridcase(stack, "asyncapi", "--out", "-")
    document = json.loads(out)
    assert document["asyncapi"].startswith("3.")
