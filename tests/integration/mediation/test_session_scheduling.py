"""Scheduling a mediation session (约定调解时间、地点) through mediation's HTTP API, and
"my work" listing it: under today with its time, gone once the session is recorded.
Refusals are problems field by field, in Chinese and English (MoJ 2002 art. 33: the
session falls within the time limit; it is not in the past).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from services.mediation.domain.agenda import LOCAL_TIME
from tests.harness import Stack
from tests.integration.mediation.casework import Desk, acceptance, session, submit_dispute

pytestmark = pytest.mark.integration


async def _later_today(minutes: int = 5) -> datetime:
    """A start a few minutes ahead that is still today in China (waits out midnight)."""
    while True:
        now = datetime.now(UTC)
        start = (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        if start.astimezone(LOCAL_TIME).date() == now.astimezone(LOCAL_TIME).date():
            return start
        await asyncio.sleep(30)


async def _my_work(stack: Stack, desk: Desk) -> str:
    """The "my work" page as the desk's person sees it, signed in by the session cookie."""
    token = desk.headers["Authorization"].removeprefix("Bearer ")
    page = await stack.client("mediation").get(
        "/my-work", headers={"Cookie": f"gc_access={token}; gc_lang=zh_CN"}
    )
    assert page.status_code == 200, page.text
    return page.text


def _bucket(html: str, code: str) -> str:
    found = re.search(rf'<section class="bucket bucket-{code}".*?</section>', html, re.S)
    assert found is not None, code
    return found.group(0)


def _item(html: str, case_id: str) -> str | None:
    found = re.search(rf'<li class="work-item" id="work-{case_id}">.*?</li>', html, re.S)
    return found.group(0) if found else None


def _refusal(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert isinstance(error, dict)
    return error


async def test_a_scheduled_session_is_on_my_work_today_until_it_is_recorded(
    system: Stack,
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    desk = Desk(system, mediator_id, "mediator")
    await desk.step(case_id, "acceptance", acceptance(), expect=201)
    # Before: the case waits for mediation within the month, not for a session.
    assert _item(_bucket(await _my_work(system, desk), "today"), case_id) is None

    start = await _later_today()
    scheduled = await desk.step(
        case_id,
        "sessions/schedule",
        {"starts_at": start.isoformat(), "place": "东融社区调解室，联系13812345678"},
    )
    assert scheduled.json()["step"] == "session-scheduled"
    local = start.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
    assert scheduled.json()["what"] == f"约定调解：{local}"

    item = _item(_bucket(await _my_work(system, desk), "today"), case_id)
    assert item is not None
    assert '<span class="action">调解会</span>' in item
    assert f'开始时间 <time datetime="{start.isoformat()}">{local}</time>' in item

    # The event carries the start, never the place (free text stays in the file).
    rows = await system.sql(
        "SELECT envelope FROM mediation.outbox WHERE key = $1 ORDER BY id", case_id
    )
    events = [orjson.loads(r["envelope"]) for r in rows]
    [event] = [e for e in events if e["type"].endswith("mediation-session-scheduled.v1")]
    assert datetime.fromisoformat(event["data"]["starts_at"]) == start
    assert event["data"]["rescheduled"] is False
    assert "调解室" not in orjson.dumps(event).decode()
    # The timeline keeps the place sealed, and masks the number for a reader above.
    timeline = (
        await system.client("mediation", "street_operator").get(f"/cases/{case_id}/timeline")
    ).json()
    [entry] = [e for e in timeline if e["step"] == "session-scheduled"]
    assert entry["why"] == "地点：东融社区调解室，联系138****5678"
    stored = await system.sql(
        "SELECT why FROM mediation.case_timeline WHERE case_id = $1 AND step = $2",
        case_id,
        "session-scheduled",
    )
    assert "调解室" not in stored[0]["why"]

    # Rescheduling replaces it; the timeline shows both.
    moved = start + timedelta(minutes=1)
    await desk.step(
        case_id, "sessions/schedule", {"starts_at": moved.isoformat(), "place": "村委会"}
    )
    file = (await desk.read(case_id, full=True)).json()["file"]
    assert file["scheduled_session"]["place"] == "村委会"
    assert datetime.fromisoformat(file["scheduled_session"]["starts_at"]) == moved
    steps = [
        e["step"]
        for e in (
            await system.client("mediation", "street_operator").get(f"/cases/{case_id}/timeline")
        ).json()
    ]
    assert steps.count("session-scheduled") == 2

    # Recorded: the session is gone from today; the case waits for mediation again.
    await desk.step(case_id, "sessions", session(host=mediator_id))
    html = await _my_work(system, desk)
    assert _item(_bucket(html, "today"), case_id) is None
    later = _item(html, case_id)
    assert later is not None and "调解会" not in later
    file = (await desk.read(case_id)).json()["file"]
    assert file["scheduled_session"] is None


async def test_refusals_name_their_field_in_chinese_and_english_moj_2002_art_33(
    system: Stack,
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    desk = Desk(system, mediator_id, "mediator")
    accepted = await desk.step(case_id, "acceptance", acceptance(), expect=201)
    due = datetime.fromisoformat(accepted.json()["due_at"])
    now = datetime.now(UTC)

    past = await desk.step(
        case_id,
        "sessions/schedule",
        {"starts_at": (now - timedelta(hours=1)).isoformat(), "place": "调解室"},
        expect=None,
    )
    assert _refusal(past) == {
        "pointer": "#/starts_at",
        "code": "past",
        "detail": "调解时间不能早于当前时间。",
    }
    assert past.json()["rule"] == "past"

    late_body = {"starts_at": (due + timedelta(days=1)).isoformat(), "place": "调解室"}
    late = await desk.step(case_id, "sessions/schedule", late_body, expect=None)
    error = _refusal(late)
    assert (error["pointer"], error["code"]) == ("#/starts_at", "after-time-limit")
    assert "第三十三条" in error["detail"]
    english = await desk.client.post(
        f"/cases/{case_id}/sessions/schedule",
        json=late_body,
        headers={
            **desk.headers,
            "Idempotency-Key": "late-en",
            "If-Match": desk.etags[case_id],
            "Accept-Language": "en",
        },
    )
    assert "MoJ 2002 art. 33" in _refusal(english)["detail"]

    blank = await desk.step(
        case_id,
        "sessions/schedule",
        {"starts_at": (now + timedelta(days=1)).isoformat(), "place": "   "},
        expect=None,
    )
    assert _refusal(blank) == {
        "pointer": "#/place",
        "code": "place",
        "detail": "请填写调解地点。",
    }
    naive = await desk.step(
        case_id,
        "sessions/schedule",
        {"starts_at": "2026-12-31T10:00", "place": "调解室"},
        expect=None,
    )
    assert _refusal(naive)["pointer"] == "#/starts_at"

    # Nothing was scheduled; the file is where it was.
    read = (await desk.read(case_id)).json()
    assert read["file"]["scheduled_session"] is None and read["version"] == 1

    # A legal adviser advises; scheduling is for the people who work the case.
    adviser = Desk(system, "law-1", "legal_adviser")
    refused = await adviser.step(
        case_id,
        "sessions/schedule",
        {"starts_at": (now + timedelta(days=1)).isoformat(), "place": "调解室"},
        if_match='"1"',
        expect=None,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "role"
