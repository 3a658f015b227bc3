"""Demo data for ``gridcase up``: the demo registry, loaded only into an empty registry."""

from __future__ import annotations

from sqlalchemy import func, select

from services.routing.adapters.demo import seed_demo
from services.routing.adapters.tables import units
from shared.db.engine import create_engine
from shared.settings import GridcaseSettings


async def seed_demo_data(settings: GridcaseSettings) -> bool:
    """Seed the routing registry if it is empty; True if it seeded."""
    engine = create_engine(settings.database_url_for("routing"), pool_size=1)
    try:
        async with engine.begin() as conn:
            count = (await conn.execute(select(func.count()).select_from(units))).scalar_one()
            if count:
                return False
            await seed_demo(conn)
            return True
    finally:
        await engine.dispose()
