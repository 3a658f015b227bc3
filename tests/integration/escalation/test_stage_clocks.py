"""Every dispute stage's clock opens, moves and stops from the case's events, with its
warning and cards scheduled, moved and cancelled in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.escalation.domain.clocks import BEIJING
from services.escalation.service_layer.cards import RED_CARD, WARNING, YELLOW_CARD
from tests.harness import Stack
from tests.integration.escalation.case_steps import (
    apply,
    assigned,
    clocks,
    jobs,
    start_at,
    step,
    submitted,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)  # a Tuesday


def at(day: int, hour: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=BEIJING)


async def test_a_disputes_stages_open_move_and_stop_from_its_steps(stack: Stack) -> None:
    await start_at(stack, T0)
    await apply(stack, submitted("d1", T0), assigned("d1", T0))
    accept = (await clocks(stack, "d1"))["accept"]
    assert (accept["due_at"], accept["warn_at"]) == (at(2, 18), at(1, 18))
    assert set(await jobs(stack, accept["clock_id"])) == {WARNING, YELLOW_CARD, RED_CARD}

    # 受理: the accept clock stops, the one-month limit starts (MoJ 2002 art. 33).
    await apply(
        stack,
        step("d1", "accepted", at(1, 10), accepted_at=at(1, 10), due_at=at(1, 10, 1, 2027)),
    )
    found = await clocks(stack, "d1")
    assert (found["accept"]["status"], found["accept"]["stop_step"]) == ("stopped", "accepted")
    assert {s for s, _ in (await jobs(stack, accept["clock_id"])).values()} == {"cancelled"}
    month = found["mediate"]
    assert month["status"] == "running" and month["counting"] == "calendar"
    assert month["due_at"] == at(1, 0, 1, 2027)  # 30 calendar days, within the month
    assert (await jobs(stack, month["clock_id"]))[YELLOW_CARD] == ("pending", at(6, 0, 1, 2027))

    # Both parties consented to go past the limit: the due time and the cards move.
    await apply(
        stack,
        step(
            "d1",
            "time-limit-extended",
            at(28, 10),
            due_at=at(20, 0, 1, 2027),
            previous_due_at=at(1, 0, 1, 2027),
        ),
    )
    month = (await clocks(stack, "d1"))["mediate"]
    assert month["due_at"] == at(20, 0, 1, 2027) and month["fixed"]
    assert (await jobs(stack, month["clock_id"]))[YELLOW_CARD] == ("pending", at(25, 0, 1, 2027))
    assert (await jobs(stack, month["clock_id"]))[WARNING] == ("pending", at(15, 0, 1, 2027))

    # The agreement takes effect (art. 29): the month stops, 30 days to apply for
    # judicial confirmation start (People's Mediation Law art. 33).
    await apply(
        stack,
        step(
            "d1",
            "agreement-signed",
            at(5, 10, 1, 2027),
            effective_at=at(5, 10, 1, 2027),
            confirmation_window_ends=at(5, 0, 2, 2027),
        ),
    )
    found = await clocks(stack, "d1")
    assert (found["mediate"]["status"], found["mediate"]["stop_step"]) == (
        "stopped",
        "agreement-signed",
    )
    assert found["confirm"]["due_at"] == at(5, 0, 2, 2027)
    await apply(stack, step("d1", "confirmation-applied", at(8, 10, 1, 2027)))
    assert (await clocks(stack, "d1"))["confirm"]["status"] == "stopped"

    # Two follow-up visits (art. 31): one clock each, the earliest stops when recorded.
    await apply(
        stack,
        step("d1", "follow-up-scheduled", at(9, 10, 1, 2027), due_on="2027-01-15"),
        step("d1", "follow-up-scheduled", at(9, 11, 1, 2027), due_on="2027-02-15"),
    )
    await apply(stack, step("d1", "follow-up-recorded", at(14, 10, 1, 2027)))
    found = await clocks(stack, "d1")
    first, second = found["follow_up@2027-01-15"], found["follow_up@2027-02-15"]
    assert first["status"] == "stopped" and second["status"] == "running"
    assert second["due_at"] == at(15, 18, 2, 2027)
    assert (await jobs(stack, second["clock_id"]))[YELLOW_CARD] == ("pending", at(18, 18, 2, 2027))

    # Archived (art. 27): nothing runs, nothing is left to fire.
    await apply(stack, step("d1", "archived", at(20, 10, 2, 2027)))
    assert {c["status"] for c in (await clocks(stack, "d1")).values()} == {"stopped"}
    pending = await stack.sql(
        "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE state = 'pending' "
        "AND kind LIKE 'escalation.clock.%'"
    )
    assert pending[0]["n"] == 0


async def test_a_min_zhuan_xing_case_runs_on_its_own_shorter_limits(stack: Stack) -> None:
    """Intake's 民转刑 signal (People's Mediation Law art. 25) picks the risk row."""
    await start_at(stack, T0)
    await apply(
        stack,
        submitted("r1", T0, risk=["民转刑", "暴力倾向"]),
        assigned("r1", T0),
        submitted("n1", T0),
        assigned("n1", T0),
    )
    risky, normal = (await clocks(stack, "r1"))["accept"], (await clocks(stack, "n1"))["accept"]
    assert (risky["risk"], risky["limit_key"]) == ("民转刑", "default/any/民转刑/accept")
    assert risky["due_at"] == at(1, 18) and risky["red_at"] == at(3, 18)
    assert normal["limit_key"] == "default/any/normal/accept" and normal["red_at"] == at(4, 18)
    await apply(
        stack, step("r1", "accepted", at(1, 10), accepted_at=at(1, 10), due_at=at(1, 10, 1, 2027))
    )
    assert (await clocks(stack, "r1"))["mediate"]["due_at"] == at(12)  # 10 calendar days


async def test_a_reassignment_moves_the_open_clocks_to_the_new_unit(stack: Stack) -> None:
    await start_at(stack, T0)
    await apply(stack, submitted("m1", T0), assigned("m1", T0))
    await apply(stack, assigned("m1", T0 + timedelta(hours=1), "451102001", trigger="rejected"))
    accept = (await clocks(stack, "m1"))["accept"]
    assert accept["unit_code"] == "451102001"
    assert accept["due_at"] == at(2, 18)  # the first clock stands


async def test_an_escalation_restarts_the_accept_clock_at_the_new_level(stack: Stack) -> None:
    """上报 (DOMAIN.md "Time limits and supervision"): the receiving unit gets its own
    受理 limit from when it received the case; the first clock stops where it ran."""
    await start_at(stack, T0)
    await apply(stack, submitted("m2", T0), assigned("m2", T0))
    moved = T0 + timedelta(days=1, hours=1)
    await apply(stack, assigned("m2", moved, "451102001", trigger="escalation"))
    found = await clocks(stack, "m2")
    first = found["accept"]
    [(key, street)] = [(k, c) for k, c in found.items() if k.startswith("accept@")]
    assert (first["status"], first["unit_code"]) == ("stopped", "451102001001")
    assert key.startswith("accept@escalation:")
    assert (street["status"], street["unit_code"], street["unit_level"]) == (
        "running",
        "451102001",
        "street",
    )
    assert street["started_at"] == moved and street["due_at"] == at(3, 18)


async def test_a_reports_accept_handle_and_verify_clocks_follow_its_steps(stack: Stack) -> None:
    """受理 → 办理 → 反馈 → 验证 (DOMAIN.md "Case work"): a return (回退) opens a second
    handling clock; a handover (转办) a new accept clock; closing stops everything."""
    await start_at(stack, T0)
    await apply(stack, submitted("p1", T0, kind="report"), assigned("p1", T0))
    await apply(stack, step("p1", "report-accepted", at(1, 10), accepted_at=at(1, 10)))
    found = await clocks(stack, "p1")
    assert found["accept"]["status"] == "stopped"
    [handle] = [c for k, c in found.items() if k.startswith("handle")]
    assert handle["status"] == "running"
    assert handle["due_at"] == at(22, 18)  # 15 working days from 1 December 2026

    await apply(stack, step("p1", "report-feedback-given", at(3, 10), given_at=at(3, 10)))
    await apply(
        stack,
        step("p1", "report-returned", at(4, 10), returned_at=at(4, 10), returned_by="go-1"),
    )
    found = await clocks(stack, "p1")
    handles = sorted(
        (c for k, c in found.items() if k.startswith("handle")), key=lambda c: c["started_at"]
    )
    verifies = [c for k, c in found.items() if k.startswith("verify")]
    assert [c["status"] for c in handles] == ["stopped", "running"]
    assert [c["status"] for c in verifies] == ["stopped"]

    await apply(stack, step("p1", "report-handed-over", at(7, 10), from_handler_id="md-1"))
    found = await clocks(stack, "p1")
    accepts = [c for k, c in found.items() if k.startswith("accept")]
    assert sorted(c["status"] for c in accepts) == ["running", "stopped"]
    assert all(c["status"] == "stopped" for k, c in found.items() if k.startswith("handle"))

    await apply(stack, step("p1", "report-closed", at(9, 10), days_taken=8))
    assert {c["status"] for c in (await clocks(stack, "p1")).values()} == {"stopped"}
