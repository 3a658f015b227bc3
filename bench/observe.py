"""What a running system looks like from outside, sampled over time: outbox backlog per
service, consumer lag per group, CPU and memory per process."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import psutil
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.db.engine import plain_url

SCHEMAS = ("intake", "routing", "mediation", "escalation")


@dataclass
class Sample:
    t: float  # seconds since sampling began
    backlog: dict[str, int]
    lag: dict[str, int]
    cpu_percent: dict[str, float]
    rss_mb: dict[str, float]


@dataclass
class Observer:
    """Samples every ``interval_s`` until stopped. ``processes`` maps a name to a pid;
    PostgreSQL's name collects the postmaster and all its backends."""

    database_url: str
    bootstrap: str
    group_prefix: str
    processes: dict[str, int]
    interval_s: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    # psutil measures CPU between two calls on the same Process object: keep them.
    _known: dict[int, psutil.Process] = field(default_factory=dict)

    async def __aenter__(self) -> Observer:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def _process(self, pid: int) -> psutil.Process:
        if pid not in self._known:
            self._known[pid] = psutil.Process(pid)
            self._known[pid].cpu_percent(None)  # the first reading only starts the clock
        return self._known[pid]

    def _procs(self) -> dict[str, list[psutil.Process]]:
        found: dict[str, list[psutil.Process]] = {}
        for name, pid in self.processes.items():
            with contextlib.suppress(psutil.Error):
                root = self._process(pid)
                found[name] = [root, *(self._process(c.pid) for c in root.children(recursive=True))]
        return found

    async def _run(self) -> None:
        conn = await asyncpg.connect(plain_url(self.database_url))
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        offsets = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await admin.start()
        await offsets.start()
        started = time.monotonic()
        self._procs()
        try:
            while True:
                await asyncio.sleep(self.interval_s)
                backlog = {}
                for schema in SCHEMAS:
                    backlog[schema] = int(
                        await conn.fetchval(
                            f'SELECT count(*) FROM "{schema}".outbox WHERE sent_at IS NULL'  # noqa: S608
                        )
                    )
                lag = await self._lag(admin, offsets)
                cpu: dict[str, float] = {}
                rss: dict[str, float] = {}
                for name, group in self._procs().items():
                    total_cpu = 0.0
                    total_rss = 0.0
                    for proc in group:
                        with contextlib.suppress(psutil.Error):
                            total_cpu += proc.cpu_percent(None)
                            total_rss += proc.memory_info().rss / 2**20
                    cpu[name], rss[name] = total_cpu, total_rss
                self.samples.append(Sample(time.monotonic() - started, backlog, lag, cpu, rss))
        finally:
            await conn.close()
            await offsets.stop()
            await admin.close()

    async def _lag(self, admin: AIOKafkaAdminClient, offsets: AIOKafkaConsumer) -> dict[str, int]:
        lag: dict[str, int] = {}
        try:
            groups = [g[0] for g in await admin.list_consumer_groups()]
        except Exception:
            return lag
        for group in groups:
            if not group.startswith(self.group_prefix):
                continue
            committed = await admin.list_consumer_group_offsets(group)
            partitions = [TopicPartition(tp.topic, tp.partition) for tp in committed]
            if not partitions:
                continue
            ends = await offsets.end_offsets(partitions)
            lag[group.removeprefix(self.group_prefix)] = sum(
                max(0, ends[tp] - committed[tp].offset) for tp in partitions
            )
        return lag


def peak(samples: list[Sample], attribute: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for sample in samples:
        values: dict[str, Any] = getattr(sample, attribute)
        for name, value in values.items():
            out[name] = max(out.get(name, 0.0), float(value))
    return out


def mean(samples: list[Sample], attribute: str) -> dict[str, float]:
    sums: dict[str, float] = {}
    for sample in samples:
        for name, value in getattr(sample, attribute).items():
            sums[name] = sums.get(name, 0.0) + float(value)
    return {name: total / len(samples) for name, total in sums.items()} if samples else {}
