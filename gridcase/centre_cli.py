"""``gridcase centre``: the governance centre's situation view (综治中心态势), built from the
published topics from the beginning (``gridcase/centre/``).

``--until-caught-up`` reads what is on the topics now, prints and exits; without it the
view is printed when caught up and again whenever new events have arrived, until
Ctrl-C. ``--json`` prints the view as JSON, ``--unit CODE`` limits it to a unit and
the units under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Annotated

import typer

from gridcase.centre.reader import CentreReader
from gridcase.centre.render import render
from gridcase.centre.situation import Situation
from gridcase.centre.view import build_view
from gridcase.cli_output import status, write_data
from gridcase.devstack.stack import Infrastructure
from shared.events.topics import TopicNames
from shared.settings import GridcaseSettings

StateDir = Annotated[
    Path,
    typer.Option("--state-dir", envvar="GRIDCASE_STATE_DIR", help="where local servers keep data"),
]


def _bootstrap(settings: GridcaseSettings, state_dir: Path) -> str:
    """The configured Kafka, else the local one ``gridcase up`` runs (never started here:
    a reader has nothing to read from a broker it just started)."""
    if settings.kafka_bootstrap_servers:
        return settings.kafka_bootstrap_servers
    local = Infrastructure(state_dir.resolve()).kafka
    if local.running():
        return local.bootstrap
    raise typer.BadParameter(
        "no Kafka: set GRIDCASE_KAFKA_BOOTSTRAP_SERVERS or run `gridcase up`",
        param_hint="GRIDCASE_KAFKA_BOOTSTRAP_SERVERS",
    )


def centre(
    until_caught_up: Annotated[
        bool,
        typer.Option(
            "--until-caught-up", help="read to the current end of the topics, print, exit"
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="the view as JSON")] = False,
    unit: Annotated[
        str | None, typer.Option("--unit", help="a unit code: that unit and the units under it")
    ] = None,
    state_dir: StateDir = Path(".gridcase"),
) -> None:
    """The governance centre's situation view from the event stream alone: open cases by
    unit (rolled up), status and risk; overdue (red and yellow cards); escalations;
    missing screening returns. Reads the masked topics only."""
    settings = GridcaseSettings()
    bootstrap = _bootstrap(settings, state_dir)
    names = TopicNames(settings.topic_prefix)

    def show(situation: Situation) -> None:
        view = build_view(situation, unit)
        if as_json:
            write_data(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
        else:
            write_data(render(view))

    async def main() -> None:
        situation = Situation()
        async with CentreReader(bootstrap, names) as reader:
            status.print(f"reading {', '.join(reader.topics)} from the beginning…")
            await reader.catch_up(situation)
            show(situation)
            if until_caught_up:
                return

            async def changed() -> None:
                show(situation)

            await reader.follow(situation, changed)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
