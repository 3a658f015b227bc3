"""Duplicate reports: what counts as one, and the cells two possible duplicates share.

A report of the same category within the radius and window of an open case is linked
to it instead of opening another (practice: configurable per district).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from services.intake.domain.commands import SubmitReport
from services.intake.domain.coordinates import distance_m


@dataclass(frozen=True)
class DuplicatePolicy:
    radius_m: float = 100.0
    window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class OpenCase:
    case_id: str
    case_number: str
    distance_m: float


@dataclass(frozen=True)
class Candidate:
    """An open report a new one may duplicate: stored, or accepted earlier in a batch."""

    case_id: str
    case_number: str
    category: str
    lng: float
    lat: float


def searches_duplicates(cmd: SubmitReport, policy: DuplicatePolicy) -> bool:
    return cmd.kind == "report" and cmd.location.point is not None and policy.radius_m > 0


def nearest(
    cmd: SubmitReport, candidates: Sequence[Candidate], policy: DuplicatePolicy
) -> OpenCase | None:
    """The nearest candidate of the same category within the radius."""
    point = cmd.location.point
    if point is None:
        return None
    best: OpenCase | None = None
    for c in candidates:
        if c.category != cmd.category:
            continue
        d = distance_m((point.lng, point.lat), (c.lng, c.lat))
        if d <= policy.radius_m and (best is None or d < best.distance_m):
            best = OpenCase(c.case_id, c.case_number, round(d, 1))
    return best


def _cell_key(category: str, x: int, y: int) -> int:
    digest = hashlib.blake2b(f"{category}|{x}|{y}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def duplicate_cells(cmds: Sequence[SubmitReport], policy: DuplicatePolicy) -> list[int]:
    """The lock keys a transaction takes before it searches these reports' duplicates.

    The map is cut into squares of a side twice the duplicate radius (in degrees of
    latitude); a report locks, for its category, every square its search box touches.
    Two reports within the radius of each other lock a common square (the one holding
    either point lies in the other's box), so whichever transaction searches second
    waits for the first to commit, then sees its case: across processes and between
    the group commit and the one-request path alike. Reports further apart rarely meet
    (at most six squares each; a hash collision only makes one wait). Sorted, so that
    transactions taking several keys always take them in one order and never deadlock.
    """
    dlat = policy.radius_m / 111_000
    side = 2 * dlat
    keys: set[int] = set()
    for cmd in cmds:
        point = cmd.location.point
        if point is None or not searches_duplicates(cmd, policy):
            continue
        dlng = dlat / max(math.cos(math.radians(point.lat)), 0.01)
        xs = range(math.floor((point.lng - dlng) / side), math.floor((point.lng + dlng) / side) + 1)
        ys = range(math.floor((point.lat - dlat) / side), math.floor((point.lat + dlat) / side) + 1)
        keys.update(_cell_key(cmd.category, x, y) for x in xs for y in ys)
    return sorted(keys)
