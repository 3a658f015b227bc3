"""Topic registry: one topic per aggregate stream, keyed by the aggregate id.

Names are fixed contracts (see the AsyncAPI document in ``deploy/asyncapi.yaml``);
``TopicNames`` only adds the optional per-deployment prefix that tests use to keep
runs apart.
"""

from __future__ import annotations

from dataclasses import dataclass

CASE = "gridcase.case.v1"
"""Everything that happens to one case, keyed by case id, in order."""

REGISTRY = "gridcase.registry.v1"
"""Organisation tree, grids and staff changes, keyed by unit code or staff id."""

CYCLE = "gridcase.cycle.v1"
"""Time limits, supervision and the monthly screening/meeting/report cycle."""

CASE_RESTRICTED = "gridcase.case.restricted.v1"
"""Dispute parties' full personal data (ID numbers, phones, addresses), keyed by case
id. Not public: production must limit it (and its ``.dlq``) with Kafka ACLs to the
intake service (write) and the consumers entitled to personal data (read)."""

DEAD_LETTER_SUFFIX = ".dlq"

ALL = (CASE, REGISTRY, CYCLE, CASE_RESTRICTED)


def dead_letter(topic: str) -> str:
    """Where a consumer parks a message of ``topic`` that failed repeatedly."""
    return topic + DEAD_LETTER_SUFFIX


@dataclass(frozen=True)
class TopicNames:
    prefix: str = ""

    def __call__(self, base: str) -> str:
        return f"{self.prefix}{base}"

    def all_with_dead_letters(self) -> list[str]:
        names = [self(t) for t in ALL]
        return names + [dead_letter(n) for n in names]
