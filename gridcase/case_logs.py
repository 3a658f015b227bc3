"""``gridcase logs --case``: every log line about one case, from all four services.

``gridcase up`` writes each service's JSON log lines to ``<state dir>/logs/<service>.log``.
A line is about a case when it names it (``case_id``, or ``case_ids`` on the one line a
batch writes) or carries a correlation id of a line that names it: the request that
submitted the case, the events it caused in the other services, and their handlers'
warnings share that correlation id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIPPED_LOGS = {"prometheus.log"}


@dataclass(frozen=True)
class LogLine:
    file: str
    record: dict[str, Any]

    @property
    def timestamp(self) -> str:
        return str(self.record.get("timestamp", ""))

    def names_case(self, case_id: str) -> bool:
        return self.record.get("case_id") == case_id or case_id in _strings(
            self.record.get("case_ids")
        )

    def correlations(self) -> set[str]:
        found = set(_strings(self.record.get("correlation_ids")))
        if isinstance(self.record.get("correlation_id"), str):
            found.add(self.record["correlation_id"])
        return found


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def read_lines(log_dir: Path) -> Iterator[LogLine]:
    """The JSON lines of every service log (uvicorn's plain lines are skipped)."""
    for path in sorted(log_dir.glob("*.log")):
        if path.name in SKIPPED_LOGS:
            continue
        with path.open(encoding="utf-8", errors="replace") as lines:
            for raw in lines:
                if not raw.startswith("{"):
                    continue
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield LogLine(path.name, record)


def case_lines(
    log_dir: Path, case_id: str | None = None, correlation_id: str | None = None
) -> list[LogLine]:
    """Lines naming ``case_id`` or sharing a correlation id with one that does (and
    lines carrying ``correlation_id``), oldest first."""
    lines = list(read_lines(log_dir))
    correlations = {correlation_id} if correlation_id else set()
    if case_id:
        for line in lines:
            if line.names_case(case_id):
                correlations |= line.correlations()
    chosen = [
        line
        for line in lines
        if (case_id and line.names_case(case_id)) or (line.correlations() & correlations)
    ]
    return sorted(chosen, key=lambda line: line.timestamp)


def render(line: LogLine) -> str:
    """``time service level event key=value …`` for a person reading a terminal."""
    record = dict(line.record)
    head = [
        str(record.pop("timestamp", "")),
        str(record.pop("service", line.file.removesuffix(".log"))),
        str(record.pop("level", "")),
        str(record.pop("event", "")),
    ]
    rest = [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(record.items())]
    return " ".join(head + rest)
