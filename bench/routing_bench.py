"""Routing bench: point → grid lookups/s and routing decisions/s at 100, 10,000 and
100,000 grids, all in one run, with the cost ratios against the smallest tree.

The trees are synthetic: square grids of about 100 m in a lattice, 100 grids to a
community, 10 communities to a street, one district, a grid officer per grid, three
mediators, a police officer and a legal adviser per community and operators at the
street and district centres. Points are uniform over the district, so some fall
outside every grid near the edge only when the lattice is not square.

A decision here is what the routing handler computes in memory: locate the point,
match the policy, rank the people serving the chain of units. The handler's database
work (reading the staff of the chain, storing the decision) is the same at every tree
size and is measured by bench/latency.py end to end.

    .venv/bin/python bench/routing_bench.py [--lookups 20000] [--decisions 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.routing.domain.policy import DEFAULT_RULES, CaseFacts, parse_rules
from services.routing.domain.registry import OrgUnit, chain_of
from services.routing.domain.routing import decide, locate
from services.routing.domain.spatial import AreaIndex
from services.routing.domain.staff import StaffMember

SIZES = (100, 10_000, 100_000)
CELL = 0.001  # degrees, about 100 m
DISTRICT = "451102"


def _square(x: float, y: float, w: float, h: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


def build_tree(n_grids: int) -> tuple[dict[str, OrgUnit], list[StaffMember], float]:
    """A district of ``n_grids`` grids; returns units, staff and the side in degrees."""
    side_blocks = math.ceil(math.sqrt(n_grids / 100))  # communities per side
    side = side_blocks * 10 * CELL
    units: dict[str, OrgUnit] = {
        DISTRICT: OrgUnit(DISTRICT, "区", "district", None, None, _square(0, 0, side, side))
    }
    staff = [StaffMember(f"op-{DISTRICT}", "区中心", "centre_operator", DISTRICT, capacity=10**6)]
    made = 0
    for b in range(side_blocks * side_blocks):
        if made >= n_grids:
            break
        street = f"{DISTRICT}{b // 10 + 1:03d}"
        if street not in units:
            units[street] = OrgUnit(street, "街道", "street", DISTRICT, None, None)
            staff.append(StaffMember(f"op-{street}", "街道中心", "centre_operator", street))
        community = f"{street}{b % 10 + 1:03d}"
        bx, by = (b % side_blocks) * 10 * CELL, (b // side_blocks) * 10 * CELL
        units[community] = OrgUnit(
            community, "社区", "community", street, "urban", _square(bx, by, 10 * CELL, 10 * CELL)
        )
        for role, count in (("mediator", 3), ("community_police", 1), ("legal_adviser", 1)):
            for k in range(count):
                staff.append(StaffMember(f"{role}-{community}-{k}", "人", role, community))
        for g in range(min(100, n_grids - made)):
            grid = f"{community}{g + 1:03d}"
            x, y = bx + (g % 10) * CELL, by + (g // 10) * CELL
            units[grid] = OrgUnit(
                grid, "网格", "grid", community, "urban", _square(x, y, CELL, CELL)
            )
            staff.append(StaffMember(f"go-{grid}", "网格员", "grid_officer", grid))
            made += 1
    return units, staff, side


def _rate(work: Callable[[], None], count: int, rounds: int) -> float:
    """Median operations per second over ``rounds`` runs of ``count`` operations."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def bench_size(n_grids: int, lookups: int, decisions: int, rounds: int) -> dict[str, float]:
    rng = random.Random(n_grids)
    units, staff, side = build_tree(n_grids)
    started = time.perf_counter()
    index = AreaIndex((u.code, u.level, u.boundary) for u in units.values() if u.boundary)
    build_s = time.perf_counter() - started
    by_unit: dict[str, list[StaffMember]] = {}
    for m in staff:
        by_unit.setdefault(m.unit_code, []).append(m)
    policy = parse_rules(DEFAULT_RULES, 1)
    now = datetime.now(UTC)
    points = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(max(lookups, decisions))]
    cases = [
        CaseFacts("report", "市容环境"),
        CaseFacts("dispute", "婚姻家庭邻里"),
        CaseFacts("dispute", "债权债务", ("威胁",)),
        CaseFacts("dispute", "劳资纠纷", (), 120),
    ]

    def do_lookups() -> None:
        for lng, lat in points[:lookups]:
            index.grid_at(lng, lat)

    def do_decisions() -> None:
        for i, point in enumerate(points[:decisions]):
            case = cases[i % len(cases)]
            location = locate(index, units, point=point, grid_code=None, district=DISTRICT)
            assert location is not None
            match = policy.match(case)
            assert match is not None
            chain = chain_of(location.unit_code, units)
            people = [m for code in chain for m in by_unit.get(code, ())]
            decide(case, location, match, policy, units, people, at=now)

    hits = sum(index.grid_at(*p) is not None for p in points[:1000])
    return {
        "grids": float(sum(1 for u in units.values() if u.level == "grid")),
        "build_s": build_s,
        "lookups_per_s": _rate(do_lookups, lookups, rounds),
        "decisions_per_s": _rate(do_decisions, decisions, rounds),
        "hit_share": hits / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--decisions", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = [bench_size(n, args.lookups, args.decisions, args.rounds) for n in SIZES]
    base = results[0]
    print(f"# Routing bench ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, median of {args.rounds})")
    print()
    print(
        "| grids | index build (s) | lookups/s | decisions/s | "
        "lookup cost × | decision cost × | log n × |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        lookup_cost = base["lookups_per_s"] / r["lookups_per_s"]
        decision_cost = base["decisions_per_s"] / r["decisions_per_s"]
        log_ratio = math.log(r["grids"]) / math.log(base["grids"])
        print(
            f"| {r['grids']:,.0f} | {r['build_s']:.2f} | {r['lookups_per_s']:,.0f} | "
            f"{r['decisions_per_s']:,.0f} | {lookup_cost:.2f} | {decision_cost:.2f} | "
            f"{log_ratio:.2f} |"
        )
    print()
    print(
        "Cost × is the time per operation relative to the 100-grid tree; log n × is "
        "log(n)/log(100), the growth a logarithmic cost would allow. Linear growth "
        "would be 100× and 1000×."
    )
    worst = max(
        max(
            base["lookups_per_s"] / r["lookups_per_s"],
            base["decisions_per_s"] / r["decisions_per_s"],
        )
        / (math.log(r["grids"]) / math.log(base["grids"]))
        for r in results[1:]
    )
    verdict = "within" if worst <= 1.0 else "above"
    print(f"Largest cost ratio over log ratio: {worst:.2f} ({verdict} logarithmic growth).")


if __name__ == "__main__":
    main()
