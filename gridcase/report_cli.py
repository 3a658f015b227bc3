"""``gridcase report``: the monthly report's maintenance.

``rebuild`` empties the report tables (with ``--rates`` the rates' facts behind the
time-limit columns too) and folds the case and cycle topics into them again from
offset 0 (``services/escalation/entrypoints/report_rebuild.py``): after a
fix to the fold, or to check that the tables agree with the stream. Escalation may keep
running: its consumers' report folds wait while the rebuild runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridcase.cli_output import status, write_data
from gridcase.one_off import run_one_off
from services.escalation.bootstrap import build_runtime
from services.escalation.entrypoints.report_rebuild import (
    REBUILD_BATCH,
    RebuildCounts,
    rebuild_report,
)
from shared.runtime import ServiceRuntime

report_app = typer.Typer(help="The monthly report (月报告).", no_args_is_help=True)

StateDir = Annotated[
    Path,
    typer.Option("--state-dir", envvar="GRIDCASE_STATE_DIR", help="where local servers keep data"),
]


@report_app.command("rebuild")
def rebuild(
    batch: Annotated[
        int, typer.Option(min=1, help="records folded per transaction")
    ] = REBUILD_BATCH,
    rates: Annotated[
        bool,
        typer.Option(
            "--rates", help="also the rates' facts behind the time-limit columns (slower)"
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="what was read and folded, as JSON")
    ] = False,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Rebuild the monthly report's tables from the case and cycle topics."""

    async def work(runtime: ServiceRuntime[None]) -> RebuildCounts:
        status.print("rebuilding the monthly report from the case and cycle topics…")
        return await rebuild_report(
            runtime.uow,
            runtime.settings.kafka_servers(),
            runtime.topics,
            batch=batch,
            rate_facts=rates,
        )

    counts = run_one_off(state_dir, build_runtime, work)
    if as_json:
        write_data(json.dumps(counts.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        write_data(
            f"read {counts.records} records in {counts.seconds:.1f} s"
            f" ({counts.records_per_s:,.0f}/s): folded {counts.case_events} case events"
            f" and {counts.returns} screening returns; {counts.unreadable} unreadable\n"
        )
