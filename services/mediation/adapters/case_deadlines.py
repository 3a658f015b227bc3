"""Each case's deadline and card kept on its row of the view, so that the case list
filters on them with an index: the list's deadline buckets and card filter over a
million cases are then ranges on ``cases``, not joins through every file and clock.

The deadline is the one "my work" shows (``entrypoints/web/my_work.py``): what the
file waits for next is due at the file's own time, else at that of escalation's clock
timing the step (a case nobody has opened waits to be accepted); a yellow or red card
on that clock makes the step overdue, so the deadline is then no later than the card.
A case waiting for nothing has none. The card is the worst any clock of the case got
(``domain/clocks.py``). Written in the transactions that change a file, a clock or a
case's row, so the view never disagrees with them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.tables import SCHEMA
from services.mediation.domain.agenda import ACCEPT
from services.mediation.domain.clocks import RED, STAGE_ACTIONS, YELLOW

# Which stage's clock times which step: constants of the code, written into the SQL.
_TIMING = ", ".join(
    f"('{stage}', '{action}')" for stage, actions in STAGE_ACTIONS.items() for action in actions
)

REFRESH = text(f"""
WITH locked AS (
  SELECT case_id FROM {SCHEMA}.cases WHERE case_id = ANY(CAST(:ids AS text[]))
  ORDER BY case_id FOR UPDATE
), found AS (
  SELECT l.case_id,
    CASE WHEN f.case_id IS NULL OR f.next_action IS NOT NULL THEN
      CASE WHEN t.card IS NOT NULL
        THEN least(coalesce(f.next_action_due, t.due_at), t.card_at)
        ELSE coalesce(f.next_action_due, t.due_at) END
    END AS deadline_at,
    (SELECT k.card FROM {SCHEMA}.case_clocks k
      WHERE k.case_id = l.case_id AND k.card IS NOT NULL
      ORDER BY k.card = '{RED}' DESC LIMIT 1) AS card
  FROM locked l
  LEFT JOIN {SCHEMA}.case_files f ON f.case_id = l.case_id
  LEFT JOIN LATERAL (
    SELECT k.due_at, k.card, k.card_at FROM {SCHEMA}.case_clocks k
    WHERE k.case_id = l.case_id
      AND (k.stage, coalesce(f.next_action, '{ACCEPT}')) IN (VALUES {_TIMING})
    ORDER BY CASE k.card WHEN '{RED}' THEN 2 WHEN '{YELLOW}' THEN 1 ELSE 0 END DESC,
      k.due_at DESC
    LIMIT 1
  ) t ON true
)
UPDATE {SCHEMA}.cases c SET deadline_at = found.deadline_at, card = found.card
FROM found
WHERE c.case_id = found.case_id
  AND (c.deadline_at IS DISTINCT FROM found.deadline_at OR c.card IS DISTINCT FROM found.card)
""")  # noqa: S608 - names and the timing rule are constants; the ids are a bound parameter


async def refresh(conn: AsyncConnection, case_ids: Iterable[str]) -> None:
    """Recompute the deadline and card of these cases (rows locked in id order, as the
    case view's consumer locks them, so concurrent writers wait rather than deadlock)."""
    ids = sorted(set(case_ids))
    if ids:
        await conn.execute(REFRESH, {"ids": ids})
