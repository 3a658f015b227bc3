"""A single-node Apache Kafka (KRaft) broker from jars fetched by Maven.

``deploy/kafka/pom.xml`` names ``org.apache.kafka:kafka_2.13`` and an slf4j binding;
``mvn dependency:copy-dependencies`` copies them (and everything they need) into a
cache shared by every state folder on the machine. The storage is formatted once with
``kafka.tools.StorageTool``; the broker runs as a detached ``java`` process listening
on loopback, logging to a file, with single-node settings for internal topics.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gridcase.devstack.ports import free_port, wait_for_port

REPO_ROOT = Path(__file__).resolve().parents[2]
POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    assert match, "deploy/kafka/pom.xml must set kafka.version"
    return match.group(1)


def jar_cache() -> Path:
    base = Path(os.environ.get("GRIDCASE_CACHE_DIR", Path.home() / ".cache" / "gridcase"))
    return base / f"kafka-{kafka_version()}" / "lib"


def ensure_jars(quiet: bool = True) -> Path:
    """Fetch the broker jars once (Maven's own ~/.m2 cache makes a re-fetch cheap)."""
    lib = jar_cache()
    marker = lib / ".complete"
    if marker.exists():
        return lib
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch the Kafka jars: apt-get install maven")
    lib.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn",
        "-B",
        "-Dstyle.color=never",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
        "-DincludeScope=runtime",
    ]
    if quiet:
        cmd.insert(2, "-q")
    subprocess.run(cmd, check=True)
    if not any(lib.glob("kafka_2.13-*.jar")):
        raise RuntimeError(f"Maven finished but no kafka_2.13 jar is in {lib}")
    marker.write_text(kafka_version())
    return lib


_LOG4J = """\
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File={log}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.storage=WARN
log4j.logger.kafka.log=WARN
"""


def random_cluster_id(draw: Callable[[], uuid.UUID] = uuid.uuid4) -> str:
    """A KRaft cluster id, as ``kafka-storage random-uuid`` makes them: URL-safe base64
    of a random UUID, never starting with ``-`` (StorageTool would read it as an option;
    Kafka's own ``Uuid.randomUuid`` draws again for the same reason)."""
    while True:
        candidate = base64.urlsafe_b64encode(draw().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


@dataclass
class LocalKafka:
    root: Path  # <state>/kafka

    @property
    def _meta_path(self) -> Path:
        return self.root / "gridcase.json"

    def _meta(self) -> dict[str, object]:
        if self._meta_path.exists():
            return dict(json.loads(self._meta_path.read_text()))
        return {}

    def _save_meta(self, **updates: object) -> None:
        meta = self._meta()
        meta.update(updates)
        self._meta_path.write_text(json.dumps(meta))

    @property
    def port(self) -> int | None:
        port = self._meta().get("port")
        return int(port) if isinstance(port, int) else None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.root / "kafka.log"

    def pid(self) -> int | None:
        pid = self._meta().get("pid")
        if not isinstance(pid, int):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def running(self) -> bool:
        return (
            self.pid() is not None
            and self.port is not None
            and wait_for_port(self.port, timeout_s=0.5)
        )

    def _write_config(self, port: int, controller_port: int) -> Path:
        data = self.root / "data"
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": "6",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "log.retention.hours": "168",
            "log.segment.bytes": "104857600",
        }
        path = self.root / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.root / "log4j.properties").write_text(_LOG4J.format(log=self.log_file))
        return path

    def _java(self, lib: Path, main: str, *args: str, heap: str = "512m") -> list[str]:
        return [
            "java",
            f"-Xmx{heap}",
            f"-Xms{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.root / 'log4j.properties'}",
            "-cp",
            f"{lib}/*",
            main,
            *args,
        ]

    def start(self, timeout_s: float = 90.0) -> str:
        if self.running():
            return self.bootstrap
        lib = ensure_jars()
        self.root.mkdir(parents=True, exist_ok=True)
        meta = self._meta()
        prev_port, prev_controller = meta.get("port"), meta.get("controller_port")
        port = free_port(prev_port if isinstance(prev_port, int) else 9092)
        controller_port = free_port(prev_controller if isinstance(prev_controller, int) else None)
        if controller_port == port:
            controller_port = free_port()
        config = self._write_config(port, controller_port)
        cluster_id = meta.get("cluster_id")
        if not (self.root / "data" / "meta.properties").exists():
            cluster_id = random_cluster_id()
            subprocess.run(
                self._java(
                    lib,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    str(cluster_id),
                    "-c",
                    str(config),
                    heap="256m",
                ),
                check=True,
                capture_output=True,
            )
        with open(self.root / "kafka.stdout", "ab") as out:
            proc = subprocess.Popen(
                self._java(lib, "kafka.Kafka", str(config)),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the CLI, is not hit by its Ctrl-C
            )
        self._save_meta(
            port=port, controller_port=controller_port, pid=proc.pid, cluster_id=cluster_id
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"Kafka exited with {proc.returncode}; see {self.log_file}")
            if wait_for_port(port, timeout_s=0.5) and self._broker_started():
                return self.bootstrap
            time.sleep(0.2)
        raise RuntimeError(f"Kafka did not start within {timeout_s}s; see {self.log_file}")

    def _broker_started(self) -> bool:
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return False
        return text.rfind("Kafka Server started") > text.rfind("Kafka Server shutting down")

    def stop(self, timeout_s: float = 30.0, sig: int = signal.SIGTERM) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            _reap(pid)
        self._save_meta(pid=None)

    def kill(self) -> None:
        """kill -9: for fault-injection tests."""
        self.stop(timeout_s=5, sig=signal.SIGKILL)


def _reap(pid: int) -> None:
    """Collect the broker's exit status if we are its parent (tests start it in-process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
