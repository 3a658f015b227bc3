"""The ``gridcase load`` command: live progress while it runs, a summary at the end."""

from __future__ import annotations

import asyncio
import json
import statistics
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from gridcase.load import LoadResult, Mix, Territory, Workload, run_load
from shared.settings import GridcaseSettings

# Progress and the summary are for the terminal; --out is the data.
console = Console(stderr=True)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def _table(result: LoadResult, in_flight: int, title: str) -> Table:
    latencies = result.latencies()
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("planned", justify="right")
    table.add_column("accepted", justify="right")
    table.add_column("refused", justify="right")
    table.add_column("retried", justify="right")
    table.add_column("flight", justify="right")
    table.add_column("acc/s", justify="right")
    table.add_column("p50ms", justify="right")
    table.add_column("p99ms", justify="right")
    table.add_row(
        str(result.planned),
        str(len(result.accepted)),
        str(sum(result.refused.values())),
        str(result.retried),
        str(in_flight),
        f"{result.accepted_per_s:.0f}",
        f"{(statistics.median(latencies) if latencies else float('nan')) * 1000:.1f}",
        f"{_percentile(latencies, 99) * 1000:.1f}",
    )
    return table


def _event_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (uvicorn[standard] brings it): the generator shares
    the cores with the system it loads, and on uvloop it spends 10-40% less CPU per
    request than on asyncio's own loop (``python -m bench.loadgen_bench``)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def load(
    rate: Annotated[float, typer.Option(help="requests offered per second")] = 50.0,
    duration: Annotated[float, typer.Option(help="seconds to offer them for")] = 30.0,
    intake: Annotated[str, typer.Option(help="intake's base URL")] = "http://127.0.0.1:8001",
    mix: Annotated[str, typer.Option(help="shares of officer, resident, dispute")] = (
        "officer=0.5,resident=0.3,dispute=0.2"
    ),
    seed: Annotated[int, typer.Option(help="the same seed sends the same requests")] = 1,
    out: Annotated[Path | None, typer.Option(help="write every accepted case as JSON")] = None,
    connections: Annotated[int, typer.Option(help="keep-alive connections to intake")] = 64,
    prepare: Annotated[
        bool, typer.Option(help="draw every request before the clock starts (saves CPU)")
    ] = True,
) -> None:
    """Offer a realistic mix of reports and disputes to intake at a steady rate."""
    settings = GridcaseSettings()
    workload = Workload(Territory.demo(), Mix.parse(mix), settings.secret_key, seed)
    title = f"gridcase load: {rate:g}/s for {duration:g} s → {intake}"
    with Live(console=console, refresh_per_second=4) as live:

        def preparing(drawn: int, to_draw: int) -> None:
            live.update(
                f"gridcase load: drawing requests before the clock starts, {drawn}/{to_draw}"
            )

        def progress(result: LoadResult, in_flight: int) -> None:
            live.update(_table(result, in_flight, title))

        with asyncio.Runner(loop_factory=_event_loop()) as runner:
            result = runner.run(
                run_load(
                    intake,
                    workload,
                    rate=rate,
                    duration_s=duration,
                    connections=connections,
                    prepare=prepare,
                    on_prepare=preparing,
                    on_progress=progress,
                )
            )
    by_kind: dict[str, int] = {}
    for accepted in result.accepted:
        by_kind[f"{accepted.kind} {accepted.outcome}"] = (
            by_kind.get(f"{accepted.kind} {accepted.outcome}", 0) + 1
        )
    console.print("accepted by kind: " + ", ".join(f"{k}: {v}" for k, v in sorted(by_kind.items())))
    if result.refused:
        console.print(
            "refused: " + ", ".join(f"{k}: {v}" for k, v in sorted(result.refused.items()))
        )
    if result.gave_up:
        console.print(f"[red]gave up after retries: {result.gave_up}[/red]")
    if out is not None:
        out.write_text(
            json.dumps([asdict(a) for a in result.accepted], default=str, ensure_ascii=False)
        )
        console.print(f"wrote {out}")
