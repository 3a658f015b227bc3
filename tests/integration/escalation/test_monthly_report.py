"""The monthly report (月报告, seed 001) end to end on real PostgreSQL and Kafka.

A month is built through the services' APIs and the stream: screening tasks opened by
escalation's scheduler, returns filed from the phone through intake (disputes found,
a nil report 零报告, one missing), the committee's steps published on the case topic as
mediation publishes them, with routing's assignments and the residents' ratings. The
report's arithmetic, its time-limit rates included, is checked against what was done
(DOMAIN.md "Rates, written down"), rebuilt from the topics' beginning to the same
numbers, submitted up the tree, returned with a reason, resubmitted and accepted
(汇总再统一上报), exported (the PDF read back with pdftotext), and a report missing at
the district's deadline is flagged exactly once.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiokafka import AIOKafkaProducer
from openpyxl import load_workbook

from services.escalation.domain.monthly_report import TIME_LIMIT_COUNTS, load_policies
from services.escalation.domain.screening import task_id
from services.escalation.entrypoints.report_rebuild import read_case_record, rebuild_report
from services.escalation.service_layer import report_submissions
from shared.clock import ManualClock
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import (
    MonthlyReportAcceptedV1,
    MonthlyReportMissingV1,
    MonthlyReportReturnedV1,
    MonthlyReportSubmittedV1,
)
from shared.events.intake import CaseRatedV1
from shared.events.mediation import BY_STEP
from shared.events.payload import Payload
from shared.events.routing import CaseAssignedV1
from tests.harness import Stack, eventually, read_topic
from tests.integration.escalation.test_screening import (
    GRIDS,
    PERIOD,
    officer,
    outbox,
    screening_stack,
    sweeper,
)
from tests.integration.intake.helpers import COMMUNITY, STREET, dispute

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = "2026-12"
REPORT = f"/monthly-reports/{COMMUNITY}/{MONTH}"
STREET_REPORT = f"/monthly-reports/{STREET}/{MONTH}"
SAMPLES = Path(__file__).parents[3] / "docs" / "samples"
# The month's time-limit counts build_month makes (see its docstring).
EXPECTED_TIME_LIMITS = {
    "due_to_respond": 3,
    "responded_in_time": 1,
    "due_to_close": 2,
    "resolved": 1,
    "closed_on_time": 1,
    "rated": 2,
    "satisfied": 1,
}
TIME_LIMIT_HEADS = (
    "应响应数",
    "按时响应数",
    "响应率",
    "应结案数",
    "解决数",
    "解决率",
    "按期结案数",
    "按期结案率",
    "参评数",
    "满意数",
    "满意率",
)
TOTAL_TIME_LIMITS = (3, 1, "33.3%", 2, 1, "50.0%", 1, "50.0%", 2, 1, "50.0%")


def _event(model: type[Payload], case_id: str, source: str, **facts: Any) -> CloudEvent:
    data = model.example_data()
    data.update(case_id=case_id, **facts)
    payload = model.model_validate(data)
    return CloudEvent(
        source=source,
        type=payload.event_type,
        partitionkey=case_id,
        data=payload.model_dump(mode="json"),
    )


def _step(case_id: str, name: str, at: datetime, **facts: Any) -> CloudEvent:
    return _event(
        BY_STEP[name],
        case_id,
        "/mediation",
        unit_code=COMMUNITY,
        handler_id="md-1",
        occurred_at=at,
        **facts,
    )


def _assigned(case_id: str, at: datetime) -> CloudEvent:
    """As routing assigns a dispute to the community's committee (the 受理 clock starts:
    1 working day, services/escalation/domain/time_limits.json)."""
    return _event(
        CaseAssignedV1,
        case_id,
        "/routing",
        assignment_id=f"a-{case_id}",
        unit_code=COMMUNITY,
        unit_level="community",
        assigned_at=at,
        trigger="submitted",
    )


def _rated(case_id: str, rating: str, at: datetime) -> CloudEvent:
    return _event(
        CaseRatedV1,
        case_id,
        "/intake",
        rating_id=f"r-{case_id}",
        rating=rating,
        rated_at=at,
        kind="dispute",
        unit_code=COMMUNITY,
    )


async def _publish(stack: Stack, events: list[CloudEvent]) -> None:
    """As mediation's relay does: each event on the case topic, keyed by its case."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(
                stack.topics(topics.CASE), e.to_json_bytes(), key=e.partitionkey.encode()
            )
    finally:
        await producer.stop()


def _pdftotext(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


async def build_month(stack: Stack) -> tuple[ManualClock, list[str]]:
    """December: grid 1 finds two disputes (12 and 120 people), grid 2 files a nil
    report, grid 3 finds one, grid 4 files nothing. Routing assigns the three to the
    community's committee on the 10th (受理 within 1 working day); the committee
    accepts grid 1's first that day (in time) and its second on the 15th (late), never
    grid 3's; it closes the first on the 20th (success, in its month) and the second on
    the 28th (failure, after the month's limit of the 24th). The parties rate the first
    满意 and the second 不满意. Answers the clock and the case ids found (grid 1's
    first)."""
    clock = await screening_stack(stack)
    clock.set(datetime(2026, 12, 1, 0, 0, 5, tzinfo=SHANGHAI))
    await sweeper(stack).run_due()
    await eventually(lambda: stack.sql("SELECT 1 FROM intake.screening_tasks HAVING count(*) = 4"))
    intake = stack.client("intake")
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI))
    returns = [
        (1, {"disputes": [dispute(), dispute(people_involved=120, title="征地补偿群体纠纷")]}),
        (2, {"nil_report": True, "note": "本月未发现矛盾纠纷"}),
        (3, {"disputes": [dispute(category="婚姻家庭邻里", people_involved=2)]}),
    ]
    found: list[str] = []
    for grid, body in returns:
        answer = await intake.post(
            f"/mobile/v1/screening/{task_id(PERIOD, GRIDS[grid - 1])}/return",
            json=body,
            headers=officer(stack, grid) | {"Idempotency-Key": f"ret-{grid}"},
        )
        assert answer.status_code == 201, answer.text
        found += [c["case_id"] for c in answer.json()["cases"]]
    assert len(found) == 3
    await eventually(lambda: stack.sql("SELECT 1 FROM escalation.report_cases HAVING count(*) = 3"))
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.report_returns HAVING count(*) = 3")
    )
    assigned = datetime(2026, 12, 10, 9, 5, tzinfo=SHANGHAI)
    in_time = datetime(2026, 12, 10, 16, 0, tzinfo=SHANGHAI)
    late = datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)
    month_due = datetime(2026, 12, 24, 18, 0, tzinfo=SHANGHAI)  # mediation names it
    steps = [_assigned(case_id, assigned) for case_id in found]
    for case_id, at in ((found[0], in_time), (found[1], late)):
        steps.append(_step(case_id, "accepted", at, accepted_at=at, due_at=month_due))
    steps.append(_step(found[0], "closed", late.replace(day=20), result="success"))
    steps.append(_step(found[1], "closed", late.replace(day=28), result="failure"))
    rated = datetime(2026, 12, 29, 15, 0, tzinfo=SHANGHAI)
    steps += [_rated(found[0], "satisfied", rated), _rated(found[1], "not_satisfied", rated)]
    await _publish(stack, steps)
    await eventually(
        lambda: stack.sql(
            "SELECT 1 FROM escalation.report_counts HAVING sum(mediated) = 2 AND sum(accepted) = 2"
        )
    )
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.rate_facts HAVING count(rating) = 2")
    )
    await eventually(
        lambda: stack.sql(
            "SELECT 1 FROM escalation.rate_facts"
            " HAVING count(accept_due_at) = 3 AND count(closed_at) = 2 AND count(area_code) = 3"
        )
    )
    return clock, found


async def counts(stack: Stack) -> list[tuple[Any, ...]]:
    rows = await stack.sql(
        "SELECT * FROM escalation.report_counts ORDER BY area_code, month, category, level"
    )
    returns = await stack.sql("SELECT * FROM escalation.report_returns ORDER BY task_id")
    cases = await stack.sql("SELECT * FROM escalation.report_cases ORDER BY case_id")
    # The rates' facts behind the time-limit columns.
    facts = await stack.sql("SELECT * FROM escalation.rate_facts ORDER BY case_id")
    assert facts  # the month's disputes are there to compare
    return [tuple(r) for r in [*rows, *returns, *cases, *facts]]


async def rebuild_from_the_beginning(stack: Stack) -> None:
    """What ``gridcase report rebuild`` does, with escalation's consumers running: the
    report tables and the rates' facts emptied, the case and cycle topics folded again
    from offset 0, here in batches of two records (the phases must hold across
    batches)."""
    kafka = stack.settings.kafka_servers()
    on_topic = [
        e
        for e in (
            read_case_record(r.value)
            for r in await read_topic(kafka, stack.topics(topics.CASE), at_least=1)
        )
        if e is not None
    ]
    runtime = stack.runtime("escalation")
    rebuilt = await rebuild_report(runtime.uow, kafka, stack.topics, batch=2, rate_facts=True)
    assert (rebuilt.case_events, rebuilt.returns, rebuilt.unreadable) == (len(on_topic), 3, 0)


async def test_a_month_built_through_the_api_adds_up_rebuilds_the_same_and_goes_up_the_tree(
    stack: Stack,
) -> None:
    clock, found = await build_month(stack)
    community = stack.client("escalation", "community_operator")
    street = stack.client("escalation", "street_operator")
    # On the 10th grid 3's 受理 limit (the 11th) has not passed and it is not answered
    # yet: in neither number of 响应率 (domain/rates.py), not counted as late.
    early = (await community.get(REPORT)).json()["time_limit_totals"]
    assert (early["due_to_respond"], early["responded_in_time"]) == (2, 1)
    clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=SHANGHAI))  # every December limit passed

    # The arithmetic (DOMAIN.md "Rates, written down": 调处率 = mediated / screened,
    # 成功率 = succeeded / accepted for mediation; bands <50, 50–100, 100–500, >500).
    answer = await community.get(REPORT)
    assert answer.status_code == 200, answer.text
    month = answer.json()["totals"]["month"]
    assert {k: month[k] for k in ("screened", "accepted", "mediated", "succeeded")} == {
        "screened": 3,
        "accepted": 2,
        "mediated": 2,
        "succeeded": 1,
    }
    assert month["mediation_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert month["success_rate"] == 0.5
    assert (month["lt50"], month["b50_100"], month["b100_500"], month["gt500"]) == (2, 0, 1, 0)
    assert month["major"] == 1  # 120 people ≥ the district's 50 (monthly_report.json)
    assert (month["returns"], month["nil_reports"]) == (3, 1)
    assert answer.json()["totals"]["previous"]["screened"] == 0
    by_category = {
        r["category"]: r["month"]["screened"] for r in answer.json()["rows"] if r["category"]
    }
    assert by_category == {"劳资纠纷(欠薪)": 2, "婚姻家庭邻里": 1}

    # The time-limit rates of the month (domain/rates.py), counts beside each rate, at
    # each dispute's area × type and the level of the unit whose limit it was (here the
    # community's committee): 响应率 = 受理 by the limit / due (grid 1's first in time,
    # its second late, grid 3's never: 1 / 3); 解决率 = resolved / due to close (the
    # month of mediation, due on the 24th for both accepted: 1 / 2); 按期结案率 = closed
    # by the limit / due to close (1 / 2); 满意率 = 满意 / rated (1 / 2).
    limits = answer.json()["time_limit_totals"]
    assert {k: limits[k] for k in TIME_LIMIT_COUNTS} == EXPECTED_TIME_LIMITS
    assert (limits["response_rate"], limits["resolution_rate"]) == (
        pytest.approx(1 / 3, abs=1e-4),
        0.5,
    )
    assert (limits["on_time_closure_rate"], limits["satisfaction_rate"]) == (0.5, 0.5)
    by_row = {
        (r["area_code"], r["category"], r["level"]): {
            k: v for k, v in r["time_limits"].items() if k in TIME_LIMIT_COUNTS and v
        }
        for r in answer.json()["rows"]
    }
    assert {key: counts for key, counts in by_row.items() if counts} == {
        (GRIDS[0], "劳资纠纷(欠薪)", "community"): {
            "due_to_respond": 2,
            "responded_in_time": 1,
            "due_to_close": 2,
            "resolved": 1,
            "closed_on_time": 1,
            "rated": 2,
            "satisfied": 1,
        },
        # Grid 3's dispute was never accepted: a row of its own at the committee's level.
        (GRIDS[2], "婚姻家庭邻里", "community"): {"due_to_respond": 1},
    }
    grid_3 = next(
        r for r in answer.json()["rows"] if r["area_code"] == GRIDS[2] and r["level"] == "community"
    )
    assert grid_3["time_limits"]["response_rate"] == 0.0
    assert grid_3["time_limits"]["resolution_rate"] is None  # nothing due: no rate, not 100 %

    # Rebuild: empty the read model, replay the topics from the beginning: same numbers,
    # and the same rows, time-limit rates included.
    before = await counts(stack)
    await rebuild_from_the_beginning(stack)
    assert await counts(stack) == before
    rebuilt = await community.get(REPORT)
    assert rebuilt.json() == answer.json()

    # Up the tree: submit, returned with a reason, resubmitted, accepted.
    clock.set(datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI))
    key = {"Idempotency-Key": "submit-1"}
    submitted = await community.post(REPORT + "/submit", headers=key)
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["status"], submitted.json()["version"]) == ("submitted", 1)
    assert submitted.json()["late"] is False
    again = await community.post(REPORT + "/submit", headers=key)
    assert again.headers["Idempotency-Replayed"] == "true" and again.json() == submitted.json()
    twice = await community.post(REPORT + "/submit", headers={"Idempotency-Key": "submit-x"})
    assert twice.status_code == 428, twice.text  # it exists: If-Match required
    own_accept = await community.post(
        REPORT + "/accept", headers={"Idempotency-Key": "a-0", "If-Match": '"1"'}
    )
    assert own_accept.status_code == 403, own_accept.text  # only the level above

    no_reason = await street.post(
        REPORT + "/return", json={}, headers={"Idempotency-Key": "r-0", "If-Match": '"1"'}
    )
    assert no_reason.status_code == 422
    assert [e["pointer"] for e in no_reason.json()["errors"]] == ["#/reason"]
    assert "退回原因" in no_reason.text
    reason = "成功数与台账不符，请核对后重报。"
    returned = await street.post(
        REPORT + "/return",
        json={"reason": reason},
        headers={"Idempotency-Key": "r-1", "If-Match": '"1"'},
    )
    assert returned.status_code == 200, returned.text
    assert returned.json() | {} == returned.json() and returned.json()["status"] == "returned"
    stale = await community.post(
        REPORT + "/submit", headers={"Idempotency-Key": "submit-2", "If-Match": '"1"'}
    )
    assert stale.status_code == 412, stale.text
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI))
    resubmitted = await community.post(
        REPORT + "/submit", headers={"Idempotency-Key": "submit-3", "If-Match": '"2"'}
    )
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["version"] == 3 and resubmitted.json()["late"] is True
    accepted = await street.post(
        REPORT + "/accept", headers={"Idempotency-Key": "a-1", "If-Match": '"3"'}
    )
    assert accepted.status_code == 200, accepted.text
    not_again = await street.post(
        REPORT + "/accept", headers={"Idempotency-Key": "a-2", "If-Match": '"4"'}
    )
    assert not_again.status_code == 409, not_again.text

    # The street's report aggregates what it accepted (汇总再统一上报), the time-limit
    # rates as the community submitted them.
    street_report = (await street.get(STREET_REPORT)).json()
    street_limits = street_report["time_limit_totals"]
    assert {k: street_limits[k] for k in TIME_LIMIT_COUNTS} == EXPECTED_TIME_LIMITS
    assert [(r["area_code"], r["source"]) for r in street_report["rows"]] == [
        (COMMUNITY, "accepted")
    ] * len(street_report["rows"])
    assert street_report["totals"]["month"]["screened"] == 3
    assert street_report["children"] == [
        {
            "unit_code": COMMUNITY,
            "name": "东融社区",
            "status": "accepted",
            "late": True,
            "missing_flagged": False,
        }
    ]
    published = {
        t: await outbox(stack, "escalation", t.event_type)
        for t in (MonthlyReportSubmittedV1, MonthlyReportReturnedV1, MonthlyReportAcceptedV1)
    }
    assert [len(v) for v in published.values()] == [2, 1, 1]
    assert published[MonthlyReportReturnedV1][0]["reason"] == reason
    assert published[MonthlyReportSubmittedV1][0]["totals"]["screened"] == 3
    # The time-limit rates ride along (GridCase issue 14 item 8, issue 15 item 3), as
    # counts: 成功率 = 1 mediated successfully / 2 accepted for mediation.
    carried = published[MonthlyReportSubmittedV1][0]["time_limit_rates"]
    rates = ("response", "resolution", "satisfaction", "on_time_closure", "mediation_success")
    assert set(carried) == set(rates)
    assert carried["mediation_success"] == {"numerator": 1, "denominator": 2}
    # The report's rows add up to the same counts as domain/rates.py's own tally.
    assert {
        k: carried[k] for k in ("response", "resolution", "satisfaction", "on_time_closure")
    } == {
        "response": {"numerator": 1, "denominator": 3},
        "resolution": {"numerator": 1, "denominator": 2},
        "satisfaction": {"numerator": 1, "denominator": 2},
        "on_time_closure": {"numerator": 1, "denominator": 2},
    }
    assert {e["key"] for v in published.values() for e in v} == {f"{COMMUNITY}:{MONTH}"}

    # Exports: the official layout in xlsx, CSV, and a PDF pdftotext reads back.
    xlsx = await street.get(STREET_REPORT + "/export.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.cell(1, 1).value == "矛盾纠纷排查化解基本情况统计表（12月）"
    assert sheet.cell(4, 4).value == "排查数"
    total_row = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"]
    assert total_row and total_row[0][3:7] == (3, 2, 2, 1)
    heads = [cell.value for cell in sheet[4]]
    group = heads.index("应响应数")
    assert heads[group:] == list(TIME_LIMIT_HEADS)  # after every existing column
    assert total_row[0][group:] == TOTAL_TIME_LIMITS
    text = (await street.get(STREET_REPORT + "/export.csv")).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[2] == ["统计期间", "2026年12月"]
    csv_total = next(line for line in lines if line and line[0] == "合计")
    assert csv_total[3:7] == ["3", "2", "2", "1"]
    assert csv_total[group:] == [str(v) for v in TOTAL_TIME_LIMITS]
    pdf = await street.get(STREET_REPORT + "/export.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    raw = await asyncio.to_thread(_pdftotext, pdf.content)
    read_back = "".join(raw.split())
    assert "矛盾纠纷排查化解基本情况统计表（12月）" in read_back
    assert "城东街道（451102001）" in read_back
    assert "近几月趋势" in read_back
    # The rate columns are filled: the group's table, its heads and the total's rates.
    assert "时限三率及按期结案率（12月到期）" in read_back
    assert all(head in read_back for head in TIME_LIMIT_HEADS)
    assert "33.3%" in read_back and "合计—街道/乡镇3221" in read_back
    assert "31" + "33.3%" + "21" + "50.0%" + "1" + "50.0%" + "21" + "50.0%" in read_back
    # The notes: one sentence a line, none starting with a stray "。".
    assert "数据均来自事件流。" in read_back
    assert not [line for line in raw.splitlines() if line.strip().startswith("。")]
    if os.environ.get("GRIDCASE_WRITE_SAMPLES"):  # the README's committed sample
        SAMPLES.mkdir(parents=True, exist_ok=True)
        for fmt, body in (("xlsx", xlsx.content), ("csv", text.encode()), ("pdf", pdf.content)):
            (SAMPLES / f"monthly-report-{STREET}-{MONTH}.{fmt}").write_bytes(body)
    outsider = await stack.client("escalation").get(
        STREET_REPORT, headers=stack.headers("street_operator", "op-x", ("451102002",))
    )
    assert outsider.status_code == 403
    bad = await street.get("/monthly-reports/4511/2026-13")
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.json()["errors"]] == ["#/path/unit_code", "#/path/month"]
    assert found


async def test_a_report_missing_at_the_deadline_is_flagged_exactly_once(stack: Stack) -> None:
    """At the community deadline (the 3rd of the following month, 18:00, data) every
    community without a submitted report is flagged once, across sweepers and restarts."""
    clock = await screening_stack(stack)
    runtime = stack.runtime("escalation")
    clock.set(datetime(2027, 1, 3, 18, 0, 5, tzinfo=SHANGHAI))
    first, second = sweeper(stack), sweeper(stack)
    await asyncio.gather(first.run_due(), second.run_due())
    async with runtime.uow() as uow:  # a restart makes sure of the series again
        await report_submissions.ensure_deadlines(uow, load_policies(), clock.now())
        await uow.commit()
    await sweeper(stack).run_due()

    async def december_flagged() -> list[dict[str, Any]] | None:
        # The service's own loop may hold the January occurrence (SKIP LOCKED) while the
        # test's sweepers pass it by: wait for whoever fired it to commit.
        flags = await outbox(stack, "escalation", MonthlyReportMissingV1.event_type)
        return flags if any(m["month"] == MONTH for m in flags) else None

    flagged = await eventually(december_flagged)
    keys = [(m["unit_code"], m["month"]) for m in flagged]
    assert len(keys) == len(set(keys))  # once each, across sweepers and restarts
    # November's (due in December, while the service was "down") were flagged too.
    assert ("451102001", "2026-11") in keys
    missing = [m for m in flagged if m["month"] == MONTH]
    assert [(m["unit_code"], m["month"], m["level"], m["status"]) for m in missing] == [
        (COMMUNITY, MONTH, "community", "not_submitted")
    ]
    assert datetime.fromisoformat(missing[0]["deadline"]) == datetime(
        2027, 1, 3, 18, 0, tzinfo=SHANGHAI
    )
    street = await stack.client("escalation", "street_operator").get(STREET_REPORT)
    assert street.json()["children"][0]["missing_flagged"] is True
    # The series moved on to next month's deadline.
    pending = await stack.sql(
        "SELECT scheduled_for FROM escalation.scheduled_jobs WHERE kind = $1 AND state = 'pending'"
        " AND series_key = $2",
        report_submissions.DEADLINE,
        "report:451102:community",
    )
    assert [r["scheduled_for"] for r in pending] == [datetime(2027, 2, 3, 18, 0, tzinfo=SHANGHAI)]
