"""The README's first command: `gridcase up` runs everything, Ctrl-C leaves nothing behind.

Starts its own PostgreSQL and Kafka in a temporary state folder (as on a fresh
machine), four uvicorn processes on free ports, Prometheus, and the demo data: the
district, its accounts and the demo cases at every stage (gridcase/demo_cases.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridcase.demo import DEMO_PASSWORD
from gridcase.demo_cases import CASES, STAGES
from gridcase.demo_district import DISTRICT_CODE
from gridcase.devstack.kafka import LocalKafka
from gridcase.devstack.ports import free_port
from gridcase.devstack.postgres import EmbeddedPostgres

DEMO_DISTRICT_OPERATOR = f"op-{DISTRICT_CODE}-1"

pytestmark = pytest.mark.integration


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _demo_files(client: httpx.Client, mediation: str) -> list[dict[str, Any]]:
    """Every case's file as mediation serves it, with the case's title and kind."""
    files = []
    for case in client.get(f"{mediation}/cases", params={"limit": 100}).json():
        answer = client.get(f"{mediation}/cases/{case['case_id']}/file")
        assert answer.status_code == 200, answer.text
        files.append({**answer.json(), "title": case["title"], "kind": case["kind"]})
    return files


def _assert_every_stage(files: list[dict[str, Any]]) -> None:
    """Each demo case stands at its stage, read from its file, not from the seeder."""
    by_title = {f["title"]: f for f in files}
    for spec in CASES:
        file = by_title[spec.title]
        state, _ = STAGES[(spec.kind, spec.stage)]
        assert (file["kind"], file["state"]) == (spec.kind, state), (spec, file["state"])
        sections = file["file"] or {}
        if spec.stage == "confirmed":
            assert sections["confirmation_decision"]["result"] == "confirmed"
        if spec.stage == "followed_up":
            assert sections["follow_ups"][0]["performance"] == "performed"
        if spec.kind == "report" and spec.stage != "new":
            returns = 1 if spec.stage == "returned" else 0
            handovers = 1 if spec.stage == "handed_over" else 0
            assert (sections["ledger"]["returns"], sections["ledger"]["handovers"]) == (
                returns,
                handovers,
            )
    states = {(f["kind"], f["state"]) for f in files}
    assert states >= {(kind, state) for (kind, _), (state, _) in STAGES.items()}


def test_gridcase_up_serves_the_dashboard_routes_a_report_and_stops_cleanly() -> None:
    state = Path(tempfile.mkdtemp(prefix="gridcase-up-"))
    ports = {name: free_port() for name in ("intake", "routing", "mediation", "escalation")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCASE_")}
    env.update({f"GRIDCASE_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env["GRIDCASE_STATE_DIR"] = str(state)
    prometheus_port = free_port()
    env["GRIDCASE_PROMETHEUS_PORT"] = str(prometheus_port)
    prometheus = f"http://127.0.0.1:{prometheus_port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridcase.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    live: httpx.Client | None = None
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Dashboard:" in line:
                break
        text = "".join(output)
        assert f"{len(CASES)} demo cases in" in text, text
        dashboard = f"http://127.0.0.1:{ports['mediation']}/"
        assert dashboard in text, text
        assert text.count("ready") >= 5, text
        assert f"prometheus  {prometheus}" in text, text

        with httpx.Client(timeout=10) as client:
            page = client.get(dashboard, follow_redirects=True)
            assert page.status_code == 200
            assert str(page.url).startswith(f"{dashboard}login"), page.url
            assert '<html lang="zh-CN">' in page.text
            signed_in_page = client.post(
                f"{dashboard}login",
                data={"username": DEMO_DISTRICT_OPERATOR, "password": DEMO_PASSWORD},
                follow_redirects=True,
            )
            assert "区综治中心操作员" in signed_in_page.text, signed_in_page.text[:500]
            # A browser's live stream stays open while the system stops (below).
            live = httpx.Client(timeout=10, cookies=client.cookies)
            stream = live.send(live.build_request("GET", f"{dashboard}live"), stream=True)
            assert stream.headers["content-type"].startswith("text/event-stream")
            client.cookies.clear()
            assert client.get(f"http://127.0.0.1:{ports['mediation']}/cases").status_code == 401
            signed_in = client.post(
                f"http://127.0.0.1:{ports['routing']}/auth/login",
                json={"username": DEMO_DISTRICT_OPERATOR, "password": DEMO_PASSWORD},
            )
            assert signed_in.status_code == 200, signed_in.text
            client.headers["Authorization"] = "Bearer " + signed_in.json()["access_token"]
            mediation = f"http://127.0.0.1:{ports['mediation']}"
            _assert_every_stage(_demo_files(client, mediation))
            accepted = client.post(
                f"http://127.0.0.1:{ports['intake']}/reports",
                json={
                    "category": "市容环境",
                    "title": "路面破损",
                    "description": "人行道砖块松动",
                    "location": {"lng": 111.5625, "lat": 24.4125},
                },
            )
            assert accepted.status_code == 201, accepted.text
            case_id = accepted.json()["case_id"]
            status = None
            for _ in range(150):
                r = client.get(f"http://127.0.0.1:{ports['mediation']}/cases/{case_id}")
                status = r.json().get("status") if r.status_code == 200 else None
                if status == "assigned":
                    break
                time.sleep(0.2)
            assert status == "assigned"
            listed = client.get(f"http://127.0.0.1:{ports['mediation']}/cases").json()
            assert case_id in [c["case_id"] for c in listed]

            # Prometheus scrapes the four services and itself, with the rules loaded.
            for _ in range(60):
                targets = client.get(f"{prometheus}/api/v1/targets").json()["data"]
                up = [t for t in targets["activeTargets"] if t["health"] == "up"]
                if len(up) == 5:
                    break
                time.sleep(0.5)
            assert len(up) == 5, targets
            rules = client.get(f"{prometheus}/api/v1/rules").json()["data"]["groups"]
            assert {g["name"] for g in rules} == {"gridcase-operations", "gridcase-business"}

        kafka_pid = LocalKafka(state / "kafka").pid()
        postgres_pid = EmbeddedPostgres(state / "postgres").pid()
        assert _alive(kafka_pid) and _alive(postgres_pid)
    finally:
        proc.send_signal(signal.SIGINT)
        started_stopping = time.monotonic()
        rest, _ = proc.communicate(timeout=90)
        stopping_took = time.monotonic() - started_stopping
        output.append(rest or "")
        if live is not None:
            live.close()
    assert proc.returncode == 0, "".join(output)
    assert "stopped." in "".join(output)
    print(f"gridcase up stopped in {stopping_took:.1f} s with a live stream open")
    for port in [*ports.values(), prometheus_port]:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert not _alive(kafka_pid), "Kafka left running"
    assert not _alive(postgres_pid), "PostgreSQL left running"
