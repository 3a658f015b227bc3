"""Each uvicorn worker of a multi-process service gets a ``/metrics`` port of its own.

uvicorn's workers share one listening socket, so a scrape of the service port reaches
whichever worker accepts it and sees that worker's counters only. We chose a port per
process over prometheus_client's multiprocess mode: that mode writes every increment to
a memory-mapped file (on intake's hot path), needs its folder wiped at each start and a
merge policy for every gauge, and drops the per-process CPU and memory metrics. Here
Prometheus scrapes each worker as its own target and the rules and panels sum by
service, as they would across machines.

The launcher runs ``gridcase.worker_metrics:app_factory`` with
``GRIDCASE_WORKER_SERVICE=<name>`` and ``GRIDCASE_WORKER_METRICS_PORTS=<p1>,<p2>,…``
(one port per worker); after start-up each worker claims the first port it can bind.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http.health import refresh_dependency_gauges

SERVICE_ENV = "GRIDCASE_WORKER_SERVICE"
PORTS_ENV = "GRIDCASE_WORKER_METRICS_PORTS"
FACTORY = "gridcase.worker_metrics:app_factory"


def parse_ports(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip()]


async def claim_port(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any],
    host: str,
    ports: list[int],
) -> tuple[asyncio.Server, int]:
    """Listen on the first of ``ports`` that no sibling worker holds yet."""
    for port in ports:
        try:
            # reuse_port stays off, so two workers can never hold the same port.
            server = await asyncio.start_server(handler, host, port)
        except OSError:
            continue
        return server, port
    raise RuntimeError(f"every metrics port is taken: {ports}")


def metrics_handler(
    app: FastAPI,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
    """A minimal HTTP/1.0 answer: ``GET /metrics`` only, then close."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            parts = head.split(b"\r\n", 1)[0].split(b" ")
            if len(parts) >= 2 and parts[0] == b"GET" and parts[1].split(b"?")[0] == b"/metrics":
                runtime = app.state.runtime
                await refresh_dependency_gauges(
                    {"database": runtime.database_ready, "kafka": runtime.kafka_ready},
                    runtime.name,
                )
                body = generate_latest()
                status, kind = b"200 OK", CONTENT_TYPE_LATEST.encode()
            else:
                body, status, kind = b"not found\n", b"404 Not Found", b"text/plain"
            writer.write(
                b"HTTP/1.0 "
                + status
                + b"\r\nContent-Type: "
                + kind
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return handle


def with_worker_metrics(app: FastAPI, host: str, ports: list[int]) -> FastAPI:
    """Wrap the app's lifespan: once the service has started, listen for scrapes."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with inner(a) as state:
            server, port = await claim_port(metrics_handler(a), host, ports)
            a.state.metrics_port = port
            try:
                yield state
            finally:
                server.close()
                await server.wait_closed()

    app.router.lifespan_context = lifespan
    return app


def app_factory() -> FastAPI:
    from shared.settings import GridcaseSettings

    service = os.environ[SERVICE_ENV]
    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    app: FastAPI = bootstrap.app_factory()
    ports = parse_ports(os.environ.get(PORTS_ENV, ""))
    if ports:
        with_worker_metrics(app, GridcaseSettings().host, ports)
    return app
