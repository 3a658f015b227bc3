"""The printed documents served over HTTP, end to end: a dispute worked through intake,
routing and mediation on real PostgreSQL and Kafka to a signed agreement and an archived
file, its PDFs read back with pdftotext and compared with what was recorded.

Printing shows the parties' full details (People's Mediation Law art. 29), so it follows
the full view's rules: those who contact the parties only, audited in the read's
transaction; a refused mediator (arts. 19, 23) does not find the case.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.harness import Stack
from tests.integration.mediation.casework import (
    SPECIMEN_ID,
    STAFF,
    Desk,
    acceptance,
    ago,
    agreement,
    session,
    submit_dispute,
)
from tests.integration.mediation.test_printed_documents import (
    _squeeze,
    assert_in_order,
    html_text,
    pdf_pages,
    pdf_text,
)

pytestmark = pytest.mark.integration

COMMITTEE = "东融社区人民调解委员会"
NUMBER = "东融调字〔2026〕第7号"
RECORD = "双方陈述意见，申请人称通道被堵，联系电话13812345678。"


async def fetch(desk: Desk, case_id: str, document: str, **headers: str) -> httpx.Response:
    return await desk.client.get(
        f"/cases/{case_id}/{document}", headers={**desk.headers, **headers}
    )


async def printed(stack: Stack, case_id: str) -> list[str]:
    rows = await stack.sql(
        "SELECT result FROM mediation.audit_log WHERE object = $1 AND action = $2 ORDER BY seq",
        case_id,
        "view-personal-data",
    )
    return [r["result"] for r in rows]


async def test_the_agreement_and_the_archived_file_print_what_was_recorded_arts_27_29(
    system: Stack, tmp_path: Path
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    mediator_name = STAFF[mediator_id][0]
    await mediator.step(case_id, "acceptance", acceptance(), expect=201)

    # No written agreement yet: a 409 problem saying so, in Chinese or English.
    early = await fetch(mediator, case_id, "agreement.pdf")
    assert early.status_code == 409, early.text
    assert early.headers["content-type"].startswith("application/problem+json")
    assert early.json()["type"].endswith("/nothing-to-print")
    assert "尚无书面调解协议" in early.json()["detail"]
    english = await fetch(mediator, case_id, "agreement.pdf", **{"Accept-Language": "en"})
    assert "no written agreement" in english.json()["detail"]

    await mediator.step(
        case_id,
        "investigations",
        {
            "at": ago(hours=5),
            "place": "现场",
            "investigators": [mediator_id],
            "persons_interviewed": ["周邻居"],
            "record": "围墙高约2米，堵住公共通道。",
        },
    )
    await mediator.step(case_id, "sessions", session(host=mediator_id, outcome="agreed"))
    await mediator.step(case_id, "agreement", agreement())

    # The draft prints for signing: every line blank.
    draft = await fetch(mediator, case_id, "agreement.pdf")
    assert draft.status_code == 200, draft.text
    draft_text = pdf_text(draft.content, tmp_path)
    assert NUMBER in draft_text and "已于" not in draft_text

    for party, kind in (("张三", "signed"), ("李四", "fingerprint")):
        await mediator.step(
            case_id,
            "agreement/party-signatures",
            {"party": party, "kind": kind, "at": ago(minutes=30)},
        )
    await mediator.step(case_id, "agreement/mediator-signature", {"at": ago(minutes=20)})
    await mediator.step(case_id, "agreement/seal", {"committee": COMMITTEE, "at": ago(minutes=10)})
    await mediator.step(
        case_id,
        "follow-ups",
        {
            "visited_at": ago(minutes=1),
            "visitor": mediator_id,
            "person_visited": "张三",
            "performance": "performed",
            "situation": "围墙已拆除，通道恢复。",
        },
    )
    await mediator.step(case_id, "closing", {"result": "success"})
    year = datetime.now(UTC).year
    archived = await mediator.step(
        case_id, "archive", {"year": year, "volume_number": "12", "retention": "10年"}
    )
    assert archived.json()["state"] == "archived"

    # The signed agreement: number, parties with their full details, terms, signings.
    signed = await fetch(mediator, case_id, "agreement.pdf")
    assert signed.status_code == 200, signed.text
    assert signed.headers["content-type"] == "application/pdf"
    assert signed.headers["cache-control"] == "no-store"
    disposition = signed.headers["content-disposition"]
    assert disposition.startswith('inline; filename="agreement-')
    assert f"filename*=UTF-8''{quote('人民调解协议书' + NUMBER, safe='')}.pdf" in disposition
    recorded = agreement()
    text = pdf_text(signed.content, tmp_path)
    assert text.startswith("人民调解协议书")
    assert_in_order(
        text,
        [
            NUMBER,
            "甲方：张三，男",
            f"公民身份号码：{SPECIMEN_ID}",  # in full: art. 29, and a full view
            "联系电话：13812345678",
            "乙方：李四，女",
            _squeeze(recorded["facts"]),
            _squeeze(recorded["disputed_matters"]),
            "未经协商砌墙，负主要责任",
            "李四拆除围墙，恢复通道。",
            "履行方式：自行拆除",
            "履行地点：东融社区3栋北侧",
            "履行期限：二〇二六年十二月三十一日前",
            "本协议书一式三份",
            "甲方（张三）：（签名、盖章或按指印）已于",
            "乙方（李四）：（签名、盖章或按指印）已于",
            f"人民调解员（{mediator_name}）：（签名）已于",
            COMMITTEE,
        ],
    )
    assert "按指印" in text and "盖章" in text

    # The print page says the same, under its own CSP (its one style block by hash).
    page = await fetch(mediator, case_id, "agreement/print")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "style-src 'sha256-" in policy
    page_text, tags = html_text(page.text)
    assert "script" not in tags
    assert_in_order(page_text, [NUMBER, f"公民身份号码：{SPECIMEN_ID}", "李四拆除围墙，恢复通道。"])

    # One session's minutes; a session the file does not have is not found.
    minutes = await fetch(mediator, case_id, "sessions/1/record.pdf")
    assert minutes.status_code == 200, minutes.text
    assert_in_order(
        pdf_text(minutes.content, tmp_path),
        ["人民调解笔录", f"主持人：{mediator_name}", "当事人：张三、李四", _squeeze(RECORD)],
    )
    assert (await fetch(mediator, case_id, "sessions/2/record.pdf")).status_code == 404

    # The archived file exports whole: cover with year, volume and retention, then
    # every document in binding order.
    whole = await fetch(mediator, case_id, "file.pdf")
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-disposition"].startswith('attachment; filename="case-file-')
    assert whole.headers["cache-control"] == "no-store"
    pages = pdf_pages(whole.content, tmp_path)
    assert_in_order(
        pages[0],
        ["人民调解卷宗", "相邻通行纠纷", f"{year}年", "12", "保管期限10年", "调解成功", COMMITTEE],
    )
    assert_in_order(
        "".join(pages[2:]),
        [
            "人民调解登记表",
            "纠纷来源当事人申请",
            "人民调解调查笔录",
            "围墙高约2米，堵住公共通道。",
            "人民调解笔录",
            _squeeze(RECORD),
            "人民调解协议书",
            NUMBER,
            "李四拆除围墙，恢复通道。",
            "人民调解回访记录",
            "已履行",
            "围墙已拆除，通道恢复。",
        ],
    )

    # Each document served is one audit row; the refusals (409, 404) wrote none.
    assert await printed(system, case_id) == [
        "printed agreement.pdf",
        "printed agreement.pdf",
        "printed agreement print page",
        "printed session 1 record.pdf",
        "printed case file.pdf",
    ]
    actors = await system.sql(
        "SELECT DISTINCT actor FROM mediation.audit_log WHERE object = $1", case_id
    )
    assert [a["actor"] for a in actors] == [mediator_id]

    # Operators above may read the masked file but never print it; neither may an officer.
    for role in ("street_operator", "district_operator", "admin", "grid_officer"):
        for document in ("agreement.pdf", "agreement/print", "sessions/1/record.pdf", "file.pdf"):
            refused = await system.client("mediation", role).get(f"/cases/{case_id}/{document}")
            assert refused.status_code == 403, (role, document, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
    assert len(await printed(system, case_id)) == 5


async def test_a_refused_mediator_no_longer_finds_the_documents_arts_19_23(
    system: Stack,
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    await mediator.step(case_id, "acceptance", acceptance(), expect=201)
    await mediator.step(case_id, "sessions", session(host=mediator_id, outcome="agreed"))
    await mediator.step(case_id, "agreement", agreement())
    assert (await fetch(mediator, case_id, "agreement.pdf")).status_code == 200
    await mediator.step(
        case_id,
        "mediator-refusal",
        {"staff_id": mediator_id, "by_party": "李四", "reason": "认为调解员与申请人系亲戚"},
    )
    for document in ("agreement.pdf", "agreement/print", "sessions/1/record.pdf", "file.pdf"):
        gone = await fetch(mediator, case_id, document)
        assert gone.status_code == 404, (document, gone.text)
        assert gone.headers["content-type"].startswith("application/problem+json")
    # Only the one print before the refusal was recorded.
    assert await printed(system, case_id) == ["printed agreement.pdf"]
    # Someone outside the committee's area does not find it either.
    elsewhere = Desk(system, "med-9", "mediator", units=("451102002001",))
    assert (await fetch(elsewhere, case_id, "file.pdf")).status_code == 404
