"""``gridcase auth …`` (accounts, API keys, development tokens) and ``gridcase audit verify``."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from gridcase.cli_output import status, write_data
from gridcase.one_off import run_one_off
from gridcase.registry_cli import StateDir
from services.routing.bootstrap import build_runtime
from services.routing.service_layer import identity
from services.routing.state import RoutingRuntime
from shared.auth.tokens import mint_token
from shared.settings import Environment, GridcaseSettings

auth_app = typer.Typer(help="Staff accounts, API keys, development tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The services' audit logs.", no_args_is_help=True)
console = status


@auth_app.command("create-account")
def create_account(
    username: str,
    staff_id: Annotated[str | None, typer.Option(help="the staff registry member")] = None,
    admin: Annotated[bool, typer.Option(help="an administrator without a staff row")] = False,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)] = "",
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """Add an account (or reset its password and unlock it)."""

    async def work(runtime: RoutingRuntime) -> None:
        async with runtime.uow() as uow:
            await identity.create_account(
                uow, username, password, staff_id=staff_id, is_admin=admin
            )

    run_one_off(state_dir, build_runtime, work)
    console.print(f"account [bold]{username}[/bold] ready")


@auth_app.command("create-api-key")
def create_api_key(
    client: str,
    scope: Annotated[list[str], typer.Option(help="open311:submit, reports:submit, cases:read")],
    unit: Annotated[
        list[str] | None, typer.Option(help="unit codes bounding what it reads")
    ] = None,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """A key for a machine client; printed once, exchanged at routing's POST /auth/token."""

    async def work(runtime: RoutingRuntime) -> str:
        async with runtime.uow() as uow:
            key = await identity.create_api_key(uow, client, scope, unit or [])
        return key

    write_data(run_one_off(state_dir, build_runtime, work))


@auth_app.command("revoke-api-key")
def revoke_api_key(key_id: str, state_dir: StateDir = Path(".gridcase")) -> None:
    async def work(runtime: RoutingRuntime) -> bool:
        async with runtime.uow() as uow:
            done = await identity.revoke_api_key(uow, key_id)
        return done

    console.print(
        "revoked" if run_one_off(state_dir, build_runtime, work) else "no such active key"
    )


@auth_app.command("token")
def token(
    staff_id: str,
    role: str,
    unit: Annotated[list[str] | None, typer.Option(help="unit codes")] = None,
    hours: float = 12.0,
) -> None:
    """Mint an access token without signing in (development and tests only)."""
    settings = GridcaseSettings()
    if settings.environment not in (Environment.DEVELOPMENT, Environment.TEST):
        raise typer.BadParameter("tokens are minted only in development; sign in instead")
    write_data(
        mint_token(settings.secret_key, staff_id, role, unit or [], ttl=timedelta(hours=hours))
    )


@audit_app.command("verify")
def verify(state_dir: StateDir = Path(".gridcase")) -> None:
    """Walk every service's audit chain; exit 1 if a row was edited or deleted."""
    import os

    from gridcase.devstack.stack import Infrastructure
    from gridcase.services import verify_audit

    os.environ.update(Infrastructure(state_dir.resolve()).up())
    reports = asyncio.run(verify_audit(GridcaseSettings()))
    broken = False
    lines: list[str] = []
    for report in reports:
        state = "intact" if report.intact else "BROKEN"
        lines.append(f"{report.schema:<11} {report.rows:>8} rows  {state}")
        lines.extend(f"  {problem}" for problem in report.problems)
        broken = broken or not report.intact
    write_data("\n".join(lines))
    raise typer.Exit(1 if broken else 0)
