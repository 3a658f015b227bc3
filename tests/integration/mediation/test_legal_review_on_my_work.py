"""A draft agreement waits on the community legal adviser's "my work" until a legal
adviser reviews it (一社区一法律顾问, practice; ``Dispute.review_agreement``), due by
the mediation time limit before which the parties sign (MoJ 2002 art. 33)."""

from __future__ import annotations

import re

import pytest

from tests.harness import Stack
from tests.integration.mediation.casework import (
    Desk,
    acceptance,
    agreement,
    session,
    submit_dispute,
)

pytestmark = pytest.mark.integration


async def _review_item(stack: Stack, desk: Desk, case_id: str) -> str | None:
    token = desk.headers["Authorization"].removeprefix("Bearer ")
    page = await stack.client("mediation").get(
        "/my-work", headers={"Cookie": f"gc_access={token}; gc_lang=zh_CN"}
    )
    assert page.status_code == 200, page.text
    found = re.search(
        rf'<li class="work-item" id="work-{case_id}-review">.*?</li>', page.text, re.S
    )
    return found.group(0) if found else None


async def test_a_draft_agreement_waits_for_the_legal_advisers_review_until_reviewed(
    system: Stack,
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    adviser = Desk(system, "law-1", "legal_adviser")
    await mediator.step(case_id, "acceptance", acceptance(), expect=201)
    await mediator.step(case_id, "sessions", session(host=mediator_id, outcome="agreed"))
    assert await _review_item(system, adviser, case_id) is None  # nothing drafted yet

    await mediator.step(case_id, "agreement", agreement())
    item = await _review_item(system, adviser, case_id)
    assert item is not None
    assert '<span class="action">待审查协议</span>' in item
    assert "期限 <time" in item  # by the mediation time limit
    # The mediator's own list does not carry the adviser's review.
    assert await _review_item(system, mediator, case_id) is None

    await adviser.fresh(case_id)
    await adviser.step(case_id, "agreement/review", {"opinion": "条款合法可行。", "approves": True})
    assert await _review_item(system, adviser, case_id) is None
