"""District operators change time limits and import calendar years through the API:
validated field by field, versioned (ETag/If-Match), idempotent, audited; a limit
applies to clocks opened afterwards, a calendar year moves every open deadline."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from services.escalation.domain.clocks import BEIJING
from shared.working_calendar import WorkingCalendar
from tests.harness import Stack
from tests.integration.escalation.case_steps import (
    accept_due_in_rates,
    apply,
    assigned,
    clocks,
    jobs,
    start_at,
    submitted,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)  # a Monday
ACCEPT = "/time-limits/default/any/normal/accept"


def headers(key: str, version: str | None = None) -> dict[str, str]:
    return {"Idempotency-Key": key, **({"If-Match": version} if version else {})}


async def test_a_limit_change_is_validated_versioned_audited_and_applies_to_new_clocks(
    stack: Stack,
) -> None:
    await start_at(stack, T0)
    operator = stack.client("escalation", "district_operator")
    await apply(stack, submitted("old", T0), assigned("old", T0))

    read = await operator.get(ACCEPT)
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert read.json()["due"] == 1

    bad = await operator.put(
        ACCEPT,
        json={"due": 1.5, "yellow": 4, "red": 4, "warn": 100},
        headers={**headers("k-bad", '"1"'), "Accept-Language": "en"},
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert problem["type"].endswith("/time-limit-invalid")
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
        ("#/due", "whole_days"),
        ("#/warn", "range"),
        ("#/red", "red_after_yellow"),
    ]
    zh = await operator.put(
        ACCEPT, json={"due": 1, "yellow": 3, "red": 2}, headers=headers("k-zh", '"1"')
    )
    assert zh.json()["errors"][0]["detail"] == "红牌时限应晚于黄牌时限。"

    missing = await operator.put(
        ACCEPT, json={"due": 2, "yellow": 3, "red": 4}, headers=headers("k0")
    )
    assert missing.status_code == 428
    body = {"due": 2, "yellow": 3, "red": 4, "warn": 1, "note": "区综治中心 2026 年第 3 号"}
    changed = await operator.put(ACCEPT, json=body, headers=headers("k1", '"1"'))
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    again = await operator.put(ACCEPT, json=body, headers=headers("k1", '"1"'))
    assert again.status_code == 200 and again.headers["idempotency-replayed"] == "true"
    stale = await operator.put(ACCEPT, json=body, headers=headers("k2", '"1"'))
    assert stale.status_code == 412 and stale.headers["etag"] == '"2"'

    grid_officer = stack.client("escalation", "grid_officer")
    refused = await grid_officer.put(ACCEPT, json=body, headers=headers("k3", '"2"'))
    assert refused.status_code == 403

    history = (await operator.get(ACCEPT + "/changes")).json()
    assert [(h["version"], h["before"]["due"], h["after"]["due"]) for h in history] == [(2, 1, 2)]
    audited = await stack.sql(
        "SELECT actor, action, object FROM escalation.audit_log WHERE action = 'time_limit.change'"
    )
    assert [tuple(r) for r in audited] == [
        ("op-district", "time_limit.change", "default/any/normal/accept")
    ]

    # The running clock keeps its limit; a clock opened now takes the new one.
    await apply(stack, submitted("new", T0), assigned("new", T0))
    old, new = (await clocks(stack, "old"))["accept"], (await clocks(stack, "new"))["accept"]
    assert (old["limit_version"], old["due_at"]) == (1, datetime(2026, 11, 24, 18, tzinfo=BEIJING))
    assert (new["limit_version"], new["due_at"]) == (2, datetime(2026, 11, 25, 18, tzinfo=BEIJING))

    created = await operator.put(
        "/time-limits/劳资纠纷(欠薪)/street/normal/handle",
        json={"due": 5, "yellow": 7, "red": 10},
        headers=headers("k4"),
    )
    assert created.status_code == 201 and created.headers["etag"] == '"1"'


async def test_importing_a_year_moves_open_deadlines_and_their_cards(stack: Stack) -> None:
    """A holiday added moves an open deadline; a 调休 Saturday counts as a working day."""
    await start_at(stack, T0)
    operator = stack.client("escalation", "district_operator")
    await apply(stack, submitted("c1", T0), assigned("c1", T0))
    accept = (await clocks(stack, "c1"))["accept"]
    assert accept["due_at"] == datetime(2026, 11, 24, 18, tzinfo=BEIJING)  # Tuesday
    assert await accept_due_in_rates(stack, "c1") == accept["due_at"]
    assert accept["red_at"] == datetime(2026, 11, 26, 18, tzinfo=BEIJING)  # Thursday

    year = (await operator.get("/calendar/2026")).json()
    assert year["provisional"] is False
    assert (await operator.get("/calendar/2027")).json()["provisional"] is True
    year["holidays"].append("2026-11-24")  # a holiday added on the due day
    year["makeup_workdays"].append("2026-11-28")  # and a Saturday worked
    payload = {k: year[k] for k in ("year", "source", "provisional", "holidays", "makeup_workdays")}
    put = await operator.put("/calendar/2026", json=payload, headers=headers("cal-1", '"1"'))
    assert put.status_code == 200, put.text
    assert put.json()["clocks_moved"] == 1 and put.headers["etag"] == '"2"'

    moved = (await clocks(stack, "c1"))["accept"]
    assert moved["due_at"] == datetime(2026, 11, 25, 18, tzinfo=BEIJING)
    assert moved["red_at"] == datetime(2026, 11, 27, 18, tzinfo=BEIJING)
    # The rates judge 响应率 by the moved limit, not the one the case started with.
    assert await accept_due_in_rates(stack, "c1") == moved["due_at"]
    assert (await jobs(stack, moved["clock_id"]))["escalation.clock.red_card"] == (
        "pending",
        moved["red_at"],
    )
    # A 调休 Saturday counts: a clock opened on Friday 27 is due that Saturday.
    friday = datetime(2026, 11, 27, 9, tzinfo=BEIJING)
    await apply(stack, submitted("c2", friday), assigned("c2", friday))
    assert (await clocks(stack, "c2"))["accept"]["due_at"] == datetime(
        2026, 11, 28, 18, tzinfo=BEIJING
    )

    stale = await operator.put("/calendar/2026", json=payload, headers=headers("cal-2", '"1"'))
    assert stale.status_code == 412
    wrong = await operator.put(
        "/calendar/2026",
        json={**payload, "makeup_workdays": ["2026-11-30"]},  # a Monday
        headers=headers("cal-3", '"2"'),
    )
    assert wrong.status_code == 422
    assert [e["pointer"] for e in wrong.json()["errors"]] == ["#/makeup_workdays/0"]


async def test_the_calendar_seed_is_the_shipped_files(stack: Stack) -> None:
    rows = await stack.sql("SELECT year, provisional FROM escalation.calendar_years ORDER BY year")
    shipped = WorkingCalendar.load()
    assert [(r["year"], r["provisional"]) for r in rows] == [
        (y, shipped.year(y).provisional)  # type: ignore[union-attr]
        for y in shipped.years
    ]
    assert json.loads(json.dumps([r["year"] for r in rows])) == [2025, 2026, 2027]
