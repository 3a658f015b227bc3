"""``gridcase calendar``: the working calendar escalation counts deadlines with.

``import FILE`` replaces one year (the JSON of a yearly file: ``year``, ``holidays``,
``makeup_workdays``, ``provisional``, ``source``) through escalation's own handler: the
same checks, the same transaction that moves every open working-day deadline the year
changes, and an audit record. ``show`` prints the years on record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from gridcase.cli_output import status, write_data
from gridcase.one_off import run_one_off
from services.escalation.adapters import queries
from services.escalation.bootstrap import build_runtime
from services.escalation.service_layer import calendar as handlers
from shared.runtime import ServiceRuntime
from shared.working_calendar import CalendarInvalid, read_year

calendar_app = typer.Typer(
    help="The working calendar (holidays and 调休 make-up days) per year.", no_args_is_help=True
)

StateDir = Annotated[
    Path,
    typer.Option("--state-dir", envvar="GRIDCASE_STATE_DIR", help="where local servers keep data"),
]


@calendar_app.command("import")
def import_year(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a year's .json")],
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Replace one year; every open working-day deadline it changes moves."""
    try:
        year = read_year(json.loads(file.read_text(encoding="utf-8")))
    except (CalendarInvalid, json.JSONDecodeError) as exc:
        problems = exc.problems if isinstance(exc, CalendarInvalid) else [("", str(exc), "")]
        for where, en, zh in problems:
            status.print(f"{where or '(file)'}: {zh} {en}", style="red")
        status.print("nothing was changed 未做任何修改", style="red")
        raise typer.Exit(1) from exc

    async def work(runtime: ServiceRuntime[None]) -> handlers.Imported:
        async with runtime.uow() as uow:
            return await handlers.import_year_now(
                uow, year, actor_id=os.environ.get("USER", "cli"), actor_role="admin"
            )

    imported = run_one_off(state_dir, build_runtime, work)
    status.print(
        f"{imported.year}: version {imported.version}"
        f"{' (provisional 暂定)' if imported.provisional else ''}, "
        f"{imported.clocks_moved} open deadline(s) moved"
    )


@calendar_app.command("show")
def show(state_dir: StateDir = Path(".gridcase")) -> None:
    """The years on record, as JSON."""

    async def work(runtime: ServiceRuntime[None]) -> list[dict[str, Any]]:
        async with runtime.uow() as uow:
            views = await queries.calendar_years_view(uow.connection)
        return [{**v.year.as_data(), "version": v.version} for v in views]

    write_data(
        json.dumps(run_one_off(state_dir, build_runtime, work), ensure_ascii=False, indent=2) + "\n"
    )
