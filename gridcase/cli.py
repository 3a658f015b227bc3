"""The ``gridcase`` command: local infrastructure, migrations, demo data, the whole system."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Annotated

import typer

from gridcase.auth_cli import audit_app, auth_app
from gridcase.calendar_cli import calendar_app
from gridcase.centre_cli import centre as centre_command
from gridcase.cli_output import configure_cli_logging, status, write_data
from gridcase.devstack.stack import Infrastructure
from gridcase.load_cli import load as load_command
from gridcase.prometheus_server import DEFAULT_PORT as DEFAULT_PROMETHEUS_PORT
from gridcase.registry_cli import registry_app
from gridcase.report_cli import report_app
from shared.settings import Environment, GridcaseSettings

app = typer.Typer(help="GridCase: grid incidents and dispute mediation.", no_args_is_help=True)
infra_app = typer.Typer(
    help="Local PostgreSQL and Kafka (skipped for servers set by GRIDCASE_* variables)."
)
app.add_typer(infra_app, name="infra")
app.add_typer(registry_app, name="registry")
app.add_typer(auth_app, name="auth")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")
app.add_typer(report_app, name="report")
console = status


@app.callback()
def main() -> None:
    """Data on stdout, logs and progress on stderr (every command can be piped)."""
    configure_cli_logging()


StateDir = Annotated[
    Path,
    typer.Option("--state-dir", envvar="GRIDCASE_STATE_DIR", help="where local servers keep data"),
]


def _infra(state_dir: Path) -> Infrastructure:
    return Infrastructure(state_dir.resolve())


@infra_app.command("up")
def infra_up(state_dir: StateDir = Path(".gridcase")) -> None:
    """Start (or find running) PostgreSQL and Kafka; print the variables to use them."""
    env = _infra(state_dir).up()
    write_data("".join(f"export {key}={value}\n" for key, value in env.items()))


@infra_app.command("down")
def infra_down(state_dir: StateDir = Path(".gridcase")) -> None:
    """Stop the local servers; their data stays under the state folder."""
    _infra(state_dir).down()
    console.print("stopped")


@infra_app.command("status")
def infra_status(state_dir: StateDir = Path(".gridcase")) -> None:
    states = _infra(state_dir).status()
    write_data("".join(f"{name}: {state}\n" for name, state in states.items()))


def _settings_with(env: dict[str, str]) -> GridcaseSettings:
    os.environ.update(env)
    return GridcaseSettings()


@app.command()
def migrate(state_dir: StateDir = Path(".gridcase")) -> None:
    """Upgrade every service's schema (starting local servers if needed)."""
    from gridcase.services import migrate_all

    settings = _settings_with(_infra(state_dir).up())
    migrate_all(settings)
    console.print("migrated: intake, routing, mediation, escalation")


async def _prepare(settings: GridcaseSettings) -> None:
    from gridcase.demo import seed_demo_data
    from shared.events.topics import TopicNames
    from shared.messaging.kafka_admin import ensure_topics

    await ensure_topics(
        settings.kafka_servers(),
        TopicNames(settings.topic_prefix).all_with_dead_letters(),
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
    )
    await seed_demo_data(settings)


def _seed_cases(urls: dict[str, str], settings: GridcaseSettings) -> None:
    """The demo cases at every stage (gridcase/demo_cases.py); a failure is reported and
    the system keeps running."""
    from gridcase.demo_cases import seed_demo_cases, summary

    console.print("demo cases: submitting and working them through the APIs…")
    started = time.monotonic()
    try:
        seeded = asyncio.run(seed_demo_cases(urls, settings.secret_key))
    except Exception as exc:
        # A refused step (DemoSeedFailed names it), no answer in time, or a registry
        # that is not the generated district: say so, and keep the system running.
        console.print(f"  [red]demo cases incomplete:[/red] {type(exc).__name__}: {exc}")
        return
    if seeded is None:
        console.print("  the system already has cases; none added")
        return
    took = time.monotonic() - started
    console.print(f"  {len(seeded)} demo cases in {took:.1f} s (README: Demo accounts)")
    for line in summary(seeded):
        console.print(f"  {line}", markup=False, highlight=False)


@app.command()
def up(
    state_dir: StateDir = Path(".gridcase"),
    demo: Annotated[
        bool,
        typer.Option(
            help="load the demo district if the registry is empty, and demo cases at every "
            "stage if there are no cases"
        ),
    ] = True,
    prometheus: Annotated[
        bool,
        typer.Option(help="run Prometheus (if installed) scraping every process, rules loaded"),
    ] = True,
    prometheus_port: Annotated[
        int,
        typer.Option(envvar="GRIDCASE_PROMETHEUS_PORT", help="Prometheus port (another if taken)"),
    ] = DEFAULT_PROMETHEUS_PORT,
) -> None:
    """Run the whole system locally: infrastructure, migrations, demo data, four services,
    and Prometheus."""
    from gridcase.devstack.ports import free_port
    from gridcase.launcher import ServiceProcesses, wait_ready
    from gridcase.prometheus_server import PrometheusProcess, find_binary
    from gridcase.services import migrate_all

    state_dir = state_dir.resolve()
    console.print("[bold]GridCase[/bold]: starting PostgreSQL and Kafka…")
    infra = _infra(state_dir)
    infra_env = infra.up()
    settings = _settings_with(infra_env)
    console.print("migrating schemas…")
    migrate_all(settings)
    if demo:
        asyncio.run(_prepare(settings))
    env = {**os.environ, **infra_env}
    children = ServiceProcesses(env, settings, state_dir / "logs")
    monitor: PrometheusProcess | None = None
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        urls = children.start()
        ready = wait_ready(urls)
        for name, url in urls.items():
            mark = "[green]ready[/green]" if ready[name] else "[red]not ready[/red]"
            console.print(f"  {name:<11} {url}  (docs {url}/docs)  {mark}")
        if demo and all(ready.values()) and settings.environment == Environment.DEVELOPMENT:
            _seed_cases(urls, settings)
        binary = find_binary() if prometheus else None
        if binary:
            monitor = PrometheusProcess(
                binary,
                state_dir,
                settings.host,
                free_port(prometheus_port, settings.host),
                children.targets,
            )
            monitor.start()
            mark = "[green]ready[/green]" if monitor.wait_ready() else "[red]not ready[/red]"
            console.print(
                f"  {'prometheus':<11} {monitor.url}  ({len(children.targets)} service "
                f"processes, {len(monitor.rules)} rule files)  {mark}"
            )
        elif prometheus:
            console.print(
                "  prometheus  not installed (bash scripts/install-system-packages.sh); skipped"
            )
        console.print(f"\n[bold]Dashboard:[/bold] {urls['mediation']}/")
        console.print(f"logs: {state_dir / 'logs'}   Ctrl-C stops everything.")
        while not stopping:
            dead = children.exited()
            if monitor is not None and monitor.exited():
                dead.append("prometheus")
            if dead:
                console.print(f"[red]exited:[/red] {', '.join(dead)}; see the logs; stopping")
                break
            time.sleep(0.5)
    finally:
        if monitor is not None:
            monitor.stop()
        console.print("stopping services…")
        children.stop()
        console.print("stopping infrastructure…")
        infra.down()
        console.print("stopped.")


app.command(name="load")(load_command)
app.command(name="centre")(centre_command)


@app.command()
def logs(
    case: Annotated[str | None, typer.Option("--case", help="a case id")] = None,
    correlation: Annotated[
        str | None, typer.Option("--correlation", help="a correlation (or request) id")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the JSON lines as written")] = False,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Every log line about one case (or one correlation id) in all four services' logs,
    oldest first."""
    import json

    from gridcase.case_logs import case_lines, render

    if not case and not correlation:
        raise typer.BadParameter("give --case or --correlation")
    found = case_lines(state_dir / "logs", case_id=case, correlation_id=correlation)
    for line in found:
        text = json.dumps(line.record, ensure_ascii=False) if as_json else render(line)
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    if not found:
        console.print(f"no log line about it in {state_dir / 'logs'}", style="yellow")
        raise typer.Exit(1)


@app.command()
def asyncapi(
    out: Annotated[
        str, typer.Option(help="where to write it; - for standard output")
    ] = "deploy/asyncapi.json",
) -> None:
    """Write the AsyncAPI 3.0 document of every published event (generated from the models)."""
    import json

    from shared.events.catalog import asyncapi_document

    document = json.dumps(asyncapi_document(), indent=2, ensure_ascii=False) + "\n"
    if out == "-":
        write_data(document)
        return
    Path(out).write_text(document)
    console.print(f"wrote {out}")


if __name__ == "__main__":
    app()
