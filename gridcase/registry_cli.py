"""``gridcase registry``: import and export the organisation tree and staff, the demo
district, and the coverage report.

Commands work on the database directly through the routing service's own handlers
(the same validation, the same all-or-nothing transaction, the same outbox events as
the admin HTTP API); a running routing service relays the events and every routing
process picks up the new tree at its next decision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gridcase.cli_output import status, write_data
from gridcase.one_off import run_one_off
from services.routing.adapters.registry_files import (
    read_staff,
    read_units,
    staff_to_csv,
    staff_to_records,
    units_to_csv,
    units_to_geojson,
)
from services.routing.adapters.repository import RoutingRepository
from services.routing.bootstrap import build_runtime
from services.routing.domain.registry import Issue, RegistryRejected
from services.routing.domain.tree_validation import DEFAULT_TOLERANCE
from services.routing.service_layer import registry as handlers
from services.routing.state import RoutingRuntime

registry_app = typer.Typer(
    help="Organisation tree, grids and staff: import, export, demo district, coverage.",
    no_args_is_help=True,
)
console = status

StateDir = Annotated[
    Path,
    typer.Option("--state-dir", envvar="GRIDCASE_STATE_DIR", help="where local servers keep data"),
]


def _print_issues(issues: list[Issue]) -> None:
    table = Table(title=f"{len(issues)} problem(s); nothing was changed 未做任何修改")
    for column in ("where", "problem", "code", "detail"):
        table.add_column(column)
    for i in issues:
        table.add_row(i.where, i.problem, i.code or "", f"{i.zh}\n{i.en}")
    console.print(table)


def _format(path: Path, given: str | None) -> str:
    return given or ("csv" if path.suffix.lower() == ".csv" else "geojson")


@registry_app.command("import")
def import_units(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".geojson/.json/.csv")],
    fmt: Annotated[str | None, typer.Option("--format", help="geojson or csv")] = None,
    replace: Annotated[bool, typer.Option(help="the file is the whole tree")] = False,
    tolerance: Annotated[float, typer.Option(help="overlap/gap share allowed")] = DEFAULT_TOLERANCE,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Import units from a GeoJSON FeatureCollection or CSV; all-or-nothing."""
    drafts, parse_issues = read_units(file.read_bytes(), _format(file, fmt))

    async def work(runtime: RoutingRuntime) -> handlers.ChangeReport:
        async with runtime.uow() as uow:
            return await handlers.import_units(
                uow, drafts, replace=replace, tolerance=tolerance, parse_issues=parse_issues
            )

    try:
        report = run_one_off(state_dir, build_runtime, work)
    except RegistryRejected as exc:
        _print_issues(exc.issues)
        raise typer.Exit(1) from exc
    console.print(
        f"units: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged"
    )


@registry_app.command("import-staff")
def import_staff(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".json or .csv")],
    replace: Annotated[bool, typer.Option(help="the file is the whole staff list")] = False,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Import staff from JSON (a list of records) or CSV; all-or-nothing."""
    fmt = "csv" if file.suffix.lower() == ".csv" else "json"
    members, parse_issues = read_staff(file.read_bytes(), fmt)

    async def work(runtime: RoutingRuntime) -> handlers.ChangeReport:
        async with runtime.uow() as uow:
            return await handlers.import_staff(
                uow, members, replace=replace, parse_issues=parse_issues
            )

    try:
        report = run_one_off(state_dir, build_runtime, work)
    except RegistryRejected as exc:
        _print_issues(exc.issues)
        raise typer.Exit(1) from exc
    console.print(
        f"staff: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged"
    )


@registry_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="geojson or csv")] = "geojson",
    staff: Annotated[bool, typer.Option("--staff", help="export staff instead of units")] = False,
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Export the tree (GeoJSON or CSV) or the staff list (JSON or CSV)."""

    async def work(runtime: RoutingRuntime) -> str:
        async with runtime.uow() as uow:
            repo = RoutingRepository(uow.connection)
            if staff:
                members = (await repo.all_staff()).values()
                if fmt == "csv":
                    return staff_to_csv(members)
                return json.dumps(staff_to_records(members), ensure_ascii=False, indent=1)
            units = (await repo.all_units()).values()
            if fmt == "csv":
                return units_to_csv(units)
            return json.dumps(units_to_geojson(units), ensure_ascii=False)

    text = run_one_off(state_dir, build_runtime, work)
    if out is None:
        write_data(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


@registry_app.command("demo")
def demo(
    out: Annotated[
        Path | None, typer.Option(help="write units.geojson and staff.json here instead")
    ] = None,
    seed: Annotated[int, typer.Option(help="same seed, same district")] = 451102,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Generate the demo district (八步区: 6 streets, 30 communities, ~300 grids, staff)
    and import it, or write it to files."""
    from gridcase.demo_district import generate  # Faker: a development tool

    district = generate(seed)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "units.geojson").write_text(
            json.dumps(district.units, ensure_ascii=False), encoding="utf-8"
        )
        (out / "staff.json").write_text(
            json.dumps(district.staff, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        console.print(f"wrote {out / 'units.geojson'} and {out / 'staff.json'}")
        return

    from gridcase.demo import load_demo_district

    async def work(runtime: RoutingRuntime) -> Any:
        return await load_demo_district(runtime, district)

    try:
        units, members = run_one_off(state_dir, build_runtime, work)
    except RegistryRejected as exc:
        _print_issues(exc.issues)
        raise typer.Exit(1) from exc
    console.print(
        f"demo district: {len(units.created)} units created, {len(units.updated)} updated; "
        f"{len(members.created)} staff created, {len(members.updated)} updated"
    )


@registry_app.command("coverage")
def coverage(state_dir: StateDir = Path(".gridcase")) -> None:
    """Grids without an officer, communities without police or a legal adviser, and
    mediation committees with fewer than three members."""

    async def work(runtime: RoutingRuntime) -> Any:
        async with runtime.uow() as uow:
            return await handlers.coverage_report(uow)

    report = run_one_off(state_dir, build_runtime, work)
    lines: list[str] = []
    for name in (
        "grids_without_officer",
        "communities_without_police",
        "urban_communities_without_full_time_police",
        "communities_without_legal_adviser",
        "small_committees",
    ):
        entries = getattr(report, name)
        lines.append(f"{name}: {len(entries)}")
        lines.extend(f"  {entry}" for entry in entries[:20])
    if report.complete:
        lines.append("coverage complete")
    write_data("\n".join(lines))
