"""``gridcase up``: infrastructure, migrations, demo data, then the four services as
separate uvicorn processes. Ctrl-C (or SIGTERM) stops them all; no process is left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gridcase import worker_metrics
from gridcase.devstack.ports import free_port
from gridcase.prometheus_server import ScrapeTarget
from gridcase.services import SERVICES
from shared.settings import GridcaseSettings


def service_command(factory: str, host: str, port: int, workers: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        # The client address is decided by GridCase from GRIDCASE_TRUSTED_PROXIES
        # (shared.http.client_address); uvicorn's own handling would believe any
        # X-Forwarded-For sent from 127.0.0.1.
        "--no-proxy-headers",
        "--log-level",
        "warning",
        # Open live streams (the dashboard's /live) would hold a stop until SIGKILL;
        # after this many seconds uvicorn ends them and the service shuts down cleanly.
        "--timeout-graceful-shutdown",
        "3",
        *(["--workers", str(workers)] if workers > 1 else []),
    ]


def wait_ready(urls: dict[str, str], timeout_s: float = 60.0) -> dict[str, bool]:
    ready = dict.fromkeys(urls, False)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline and not all(ready.values()):
            for name, url in urls.items():
                if ready[name]:
                    continue
                with contextlib.suppress(httpx.HTTPError):
                    ready[name] = client.get(url + "/readyz").status_code == 200
            time.sleep(0.3)
    return ready


class ServiceProcesses:
    """The four children. Each runs in its own process group, so a stop reaches uvicorn
    workers too and nothing is orphaned."""

    def __init__(self, env: dict[str, str], settings: GridcaseSettings, log_dir: Path):
        self.env = env
        self.settings = settings
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.targets: list[ScrapeTarget] = []

    def start(self, names: list[str] | None = None) -> dict[str, str]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        urls = {}
        for service in SERVICES:
            if names and service.name not in names:
                continue
            port = self.settings.port_for(service.name)
            workers = self.settings.intake_workers if service.name == "intake" else 1
            factory, env = service.factory, self.env
            host = self.settings.host
            if workers > 1:
                # Workers share the service port; each also claims a /metrics port of
                # its own, so Prometheus sees every worker (gridcase/worker_metrics.py).
                ports = _distinct_free_ports(workers, host)
                factory = worker_metrics.FACTORY
                env = {
                    **self.env,
                    worker_metrics.SERVICE_ENV: service.name,
                    worker_metrics.PORTS_ENV: ",".join(map(str, ports)),
                }
                self.targets += [ScrapeTarget(service.name, f"{host}:{p}") for p in ports]
            else:
                self.targets.append(ScrapeTarget(service.name, f"{host}:{port}"))
            log = open(self.log_dir / f"{service.name}.log", "ab")  # noqa: SIM115 - child owns it
            self.procs[service.name] = subprocess.Popen(
                service_command(factory, host, port, workers),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            urls[service.name] = f"http://{self.settings.host}:{port}"
        return urls

    def stop(self, timeout_s: float = 15.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        self.targets = []

    def exited(self) -> list[str]:
        return [name for name, p in self.procs.items() if p.poll() is not None]


def _distinct_free_ports(count: int, host: str) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(host=host)
        if port not in ports:
            ports.append(port)
    return ports
