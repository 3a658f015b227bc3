"""Where the ``gridcase`` commands write: data on standard output, everything else
(logs, progress, "wrote …" notes) on standard error, so that any command's output can
be piped (``gridcase registry export | jq``)."""

from __future__ import annotations

import sys

from rich.console import Console

from shared.logging import configure_logging
from shared.settings import GridcaseSettings

# Messages for the person at the terminal.
status = Console(stderr=True)


def write_data(text: str) -> None:
    """The command's result, exactly as given, on stdout (a newline added if missing)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def configure_cli_logging() -> None:
    """Log lines from the services' code the commands run go to stderr, never stdout.

    structlog prints to stdout until configured, which put ``service_started`` into
    ``registry export``'s GeoJSON.
    """
    settings = GridcaseSettings()
    configure_logging("gridcase", settings.log_level, json=False)
