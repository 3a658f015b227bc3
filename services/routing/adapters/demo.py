"""A tiny registry for fast end-to-end tests: one district, one street, one community,
a 2×2 block of grids, a grid officer per grid and a centre operator at street and
district. Written straight into the tables (no events) because tests seed it before
any service starts; ``gridcase registry demo`` loads the full demo district instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.routing.adapters.tables import registry_version, staff, units

DISTRICT = "451102"  # 八步区 (GB/T 2260)
STREET = "451102001"
COMMUNITY = "451102001001"
ORIGIN = (111.560, 24.410)  # south-west corner of the demo community
CELL = 0.005  # degrees, about 500 m


def _square(x: float, y: float, size: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def demo_units() -> list[dict[str, Any]]:
    x0, y0 = ORIGIN
    rows: list[dict[str, Any]] = [
        {
            "code": DISTRICT,
            "name": "八步区",
            "level": "district",
            "parent_code": None,
            "area_type": None,
            "boundary": _square(x0 - 0.1, y0 - 0.1, 0.2 + 2 * CELL),
        },
        {
            "code": STREET,
            "name": "城东街道",
            "level": "street",
            "parent_code": DISTRICT,
            "area_type": None,
            "boundary": _square(x0 - 0.01, y0 - 0.01, 0.02 + 2 * CELL),
        },
        {
            "code": COMMUNITY,
            "name": "东融社区",
            "level": "community",
            "parent_code": STREET,
            "area_type": "urban",
            "boundary": _square(x0, y0, 2 * CELL),
        },
    ]
    for i in range(2):
        for j in range(2):
            seq = i * 2 + j + 1
            rows.append(
                {
                    "code": f"{COMMUNITY}{seq:03d}",
                    "name": f"东融社区第{seq}网格",
                    "level": "grid",
                    "parent_code": COMMUNITY,
                    "area_type": "urban",
                    "boundary": _square(x0 + j * CELL, y0 + i * CELL, CELL),
                }
            )
    return rows


def demo_staff() -> list[dict[str, Any]]:
    names = ["李明", "王芳", "张伟", "刘洋"]
    rows = [
        {
            "staff_id": f"go-{seq:03d}",
            "name": names[seq - 1],
            "role": "grid_officer",
            "unit_code": f"{COMMUNITY}{seq:03d}",
            "capacity": 1000,
        }
        for seq in range(1, 5)
    ]
    rows.append(
        {
            "staff_id": "op-street",
            "name": "陈静",
            "role": "centre_operator",
            "unit_code": STREET,
            "capacity": 1000,
        }
    )
    rows.append(
        {
            "staff_id": "op-district",
            "name": "赵强",
            "role": "centre_operator",
            "unit_code": DISTRICT,
            "capacity": 100000,
        }
    )
    return rows


async def seed_demo(conn: AsyncConnection) -> None:
    await conn.execute(delete(staff))
    await conn.execute(delete(units))
    await conn.execute(insert(units), demo_units())
    await conn.execute(insert(staff), demo_staff())
    # Running routing processes rebuild their spatial index when this number moves.
    await conn.execute(update(registry_version).values(version=registry_version.c.version + 1))
