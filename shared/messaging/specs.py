"""What a service declares about each of its consumers; the runtime starts them."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.messaging.consumer import BatchHandler, Handler

# For consumers that keep a view or a clock up to date: a fifth of a second later,
# in a fraction of the transactions, under load.
VIEW_GATHER_MS = 200


@dataclass
class ConsumerSpec:
    """One consumer group of a service: its topics and a handler per event type."""

    name: str
    topics: list[str]
    handlers: dict[str, Handler] = field(default_factory=dict)
    # By event type: applies a run of consecutive events that map to it (and a lone
    # event as a batch of one), with fewer statements than one handler call each.
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    # How long the broker may hold a fetch to gather more events (0: answer at once).
    # Views nobody waits on trade that much delay for fewer, larger transactions.
    gather_ms: int = 0
