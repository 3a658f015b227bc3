"""The launcher's Prometheus: Debian's ``prometheus`` binary run as a child of
``gridcase up`` (not the distribution's systemd service), with a configuration
generated for the processes the launcher started, its data under the state folder, and
the project's alert rules loaded from ``deploy/prometheus/rules/``."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

RULES_DIR = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "rules"
DEFAULT_PORT = 9090
# Finer than compose's 10 s: a local system is small, and tests wait on first scrapes.
SCRAPE_INTERVAL = "5s"
EVALUATION_INTERVAL = "5s"


@dataclass(frozen=True)
class ScrapeTarget:
    """One process's /metrics: a service process, or one uvicorn worker of a service."""

    service: str
    address: str  # host:port


def rule_files(rules_dir: Path = RULES_DIR) -> list[Path]:
    return sorted(rules_dir.glob("*.yml"))


def prometheus_config(
    targets: list[ScrapeTarget], rules: list[Path], self_address: str
) -> dict[str, Any]:
    """The scrape configuration: job ``gridcase`` (label ``service`` per target, the
    services' own labels kept with ``honor_labels``) and job ``prometheus`` (itself)."""
    return {
        "global": {
            "scrape_interval": SCRAPE_INTERVAL,
            "evaluation_interval": EVALUATION_INTERVAL,
        },
        "rule_files": [str(r) for r in rules],
        "scrape_configs": [
            {
                "job_name": "gridcase",
                "metrics_path": "/metrics",
                "honor_labels": True,
                "static_configs": [
                    {"targets": [t.address], "labels": {"service": t.service}} for t in targets
                ],
            },
            {"job_name": "prometheus", "static_configs": [{"targets": [self_address]}]},
        ],
    }


def find_binary() -> str | None:
    return shutil.which("prometheus")


class PrometheusProcess:
    """Prometheus as a child in its own process group; ``stop`` leaves nothing behind."""

    def __init__(
        self,
        binary: str,
        state_dir: Path,
        host: str,
        port: int,
        targets: list[ScrapeTarget],
        rules: list[Path] | None = None,
    ):
        self.binary = binary
        self.dir = state_dir / "prometheus"
        self.log_path = state_dir / "logs" / "prometheus.log"
        self.host = host
        self.port = port
        self.targets = targets
        self.rules = rule_files() if rules is None else rules
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.dir / "prometheus.yml"

    def write_config(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        config = prometheus_config(self.targets, self.rules, f"{self.host}:{self.port}")
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return self.config_path

    def command(self) -> list[str]:
        return [
            self.binary,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            "--storage.tsdb.retention.time=15d",
            f"--web.listen-address={self.host}:{self.port}",
            "--log.level=warn",
        ]

    def start(self) -> str:
        self.write_config()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self.url

    def wait_ready(self, timeout_s: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    return False
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.url + "/-/ready").status_code == 200:
                        return True
                time.sleep(0.3)
        return False

    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
