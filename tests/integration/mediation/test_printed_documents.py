"""The printed documents read back: PDFs through pdftotext, the print page through an HTML
parser, compared with the data they were made from (People's Mediation Law arts. 27–29)."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from services.mediation.adapters.documents import (
    MissingFontsError,
    PdfRenderer,
    render_agreement_html,
    render_agreement_pdf,
    render_case_file_pdf,
    render_session_record_pdf,
)
from services.mediation.adapters.documents.specimen import (
    specimen_agreement,
    specimen_case_file,
    specimen_session,
)
from services.mediation.adapters.documents.views import party_line
from services.mediation.domain.documents import (
    EFFECT_SENTENCE,
    INITIATIVE_CONSENT_SENTENCE,
    VOLUNTARY_SENTENCE,
    Agreement,
    DateStyle,
    PartyDetails,
    RecordLine,
    Responsibility,
    chinese_date,
)


def _squeeze(text: str) -> str:
    """Text without any whitespace: pdftotext breaks lines and spaces Latin from Chinese."""
    return re.sub(r"\s+", "", text)


def pdf_raw_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """Each page's text in the order it was typeset (pdftotext -raw)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    return out.split("\f")[:-1]


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    return [_squeeze(page) for page in pdf_raw_pages(pdf, tmp_path)]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    return "".join(pdf_pages(pdf, tmp_path))


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("style", "title", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(page: str) -> tuple[str, list[str]]:
    parser = _TextOf()
    parser.feed(page)
    return _squeeze("".join(parser.parts)), parser.tags


def agreement_words(a: Agreement) -> list[str]:
    """Everything an agreement must say, in the order it says it (arts. 28–29)."""
    words = [a.number]
    words += [party_line(p, a.signed_on, DateStyle.CHINESE_NUMERALS) for p in a.parties]
    words += a.facts.split("\n")
    words += [a.disputed_matters]
    words += [r.text for r in a.responsibilities]
    words += list(a.terms)
    deadline = a.performance.deadline
    assert deadline is not None
    words += [a.performance.method, a.performance.place, f"{chinese_date(deadline)}前"]
    words += [EFFECT_SENTENCE, f"一式{'三四五'[len(a.parties) - 2]}份"]
    words += [p.name for p in a.parties] + list(a.mediators) + [a.committee, "二〇二六年十二月二日"]
    return [_squeeze(w) for w in words]


def assert_in_order(text: str, words: list[str]) -> None:
    at = 0
    for w in words:
        found = text.find(w, at)
        assert found >= 0, f"{w!r} missing (or out of order) in {text[at : at + 200]!r}…"
        at = found + len(w)


def test_agreement_pdf_says_every_party_term_number_and_copies_art_29(tmp_path: Path) -> None:
    agreement = specimen_agreement()
    pdf = render_agreement_pdf(agreement)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert text.startswith("人民调解协议书")
    assert_in_order(text, agreement_words(agreement))
    assert "本协议书一式三份，当事人各执一份，人民调解委员会留存一份。" in text


def test_three_parties_print_four_copies_and_three_signature_lines_art_29(tmp_path: Path) -> None:
    base = specimen_agreement(signed=False)
    third = PartyDetails(name="王大锤", sex="男", ethnicity="回族", age=33, address="青山社区")
    agreement = replace(
        base,
        parties=(*base.parties, third),
        responsibilities=(*base.responsibilities, Responsibility("王大锤", "无责任。")),
    )
    text = pdf_text(render_agreement_pdf(agreement), tmp_path)
    assert_in_order(text, agreement_words(agreement))
    assert "一式四份" in text
    assert (
        text.count("（签名、盖章或按指印）") == 3
    )  # art. 29: each party signs, seals or fingerprints
    assert "丙方（王大锤）：（签名、盖章或按指印）" in text
    assert "已于" not in text  # nothing signed yet: blank lines only


def test_agreement_pdf_embeds_the_chinese_fonts(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(render_agreement_pdf(specimen_agreement()))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout
    cjk = [line for line in fonts.decode().splitlines() if "NotoSerifCJK" in line]
    assert cjk, fonts
    assert all(" yes yes yes " in line for line in cjk)  # embedded, subset, with ToUnicode


def test_session_record_pdf_has_the_minutes_fields_and_every_line_art_27(tmp_path: Path) -> None:
    record = specimen_session()
    text = pdf_text(render_session_record_pdf(record), tmp_path)
    assert_in_order(
        text,
        [
            "人民调解笔录",
            "时间：二〇二六年十一月二十一日9时00分至11时30分",
            f"地点：{record.place}",
            f"主持人：{record.host}",
            f"记录人：{record.note_taker}",
            "当事人：张建国、李秀英",
            "其他参加人员：刘志强（社区法律顾问）、赵大海（邻居）",
            "调解方式：不公开调解",
            *(
                _squeeze(f"{ln.speaker}：{ln.text}" if ln.speaker else ln.text)
                for ln in record.lines
            ),
            f"调解结果：{record.outcome}",
            "当事人（张建国）签名",
            "当事人（李秀英）签名",
            "主持人签名",
            "记录人签名",
        ],
    )


def test_case_file_pdf_binds_every_document_with_a_true_contents_page_art_27(
    tmp_path: Path,
) -> None:
    case_file = specimen_case_file()
    raw = pdf_raw_pages(render_case_file_pdf(case_file), tmp_path)
    pages = [_squeeze(page) for page in raw]
    cover, contents, numbered = pages[0], pages[1], pages[2:]
    assert contents.startswith("卷内目录")
    assert_in_order(
        cover,
        [
            "人民调解卷宗",
            case_file.cover.case_name,
            case_file.cover.number,
            "2026年",
            case_file.cover.volume,
            "保管期限长期",
            "调解结果调解成功",
            case_file.cover.committee,
        ],
    )
    whole = "".join(numbered)
    assert_in_order(
        whole,
        [
            "人民调解登记表",
            _squeeze(VOLUNTARY_SENTENCE),
            "人民调解调查笔录",
            "查明是302室卫生间防水层老化",
            "人民调解笔录（第一次）",
            "人民调解笔录（第二次）",
            *agreement_words(case_file.agreement or specimen_agreement()),
            "人民调解回访记录",
            "已履行",
            _squeeze(case_file.follow_ups[0].situation),
        ],
    )
    # Each contents line names the page, counted from the registration, where it starts.
    rows = [line.split() for line in raw[1].splitlines()[2:] if line.strip()]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    assert [row[1] for row in rows][:2] == ["人民调解登记表", "人民调解调查笔录"]
    for _, name, _, page in rows:
        start = numbered[int(page) - 1]
        assert start.startswith(name), (name, page, start[:30])
        assert start.endswith(f"第{page}页")


def test_hostile_text_is_printed_as_text_never_run_as_typst_or_html(tmp_path: Path) -> None:
    hostile = [
        '#panic("injected")',
        "] #panic() [",
        '$ x^2 $ # \\ * _ ` @ref <lbl> // /* "',
        '#read("/etc/passwd")',
        '#import "common.typ": *',
        "<script>alert(1)</script>",
        "{{ 7*7 }} {% raw %}",
    ]
    base = specimen_agreement()
    first = replace(base.parties[0], name=hostile[0], address=hostile[2])
    agreement = replace(
        base,
        number=hostile[1],
        parties=(first, base.parties[1]),
        facts="\n".join(hostile),
        responsibilities=(Responsibility(hostile[0], hostile[3]),),
        terms=tuple(hostile),
        mediators=(hostile[5],),
    )
    text = pdf_text(render_agreement_pdf(agreement), tmp_path)
    for h in hostile:
        assert _squeeze(h) in text
    assert "root:" not in text
    record = replace(specimen_session(), lines=tuple(RecordLine(h, h) for h in hostile))
    record_text = pdf_text(render_session_record_pdf(record), tmp_path)
    for h in hostile:
        assert _squeeze(f"{h}：{h}") in record_text

    page = render_agreement_html(agreement)
    page_text, tags = html_text(page)
    for h in hostile:
        assert _squeeze(h) in page_text
    assert "<script>" not in page
    assert "script" not in tags
    assert "49" not in page_text  # {{ 7*7 }} was not evaluated


def test_print_page_says_what_the_pdf_says(tmp_path: Path) -> None:
    agreement = specimen_agreement()
    page = render_agreement_html(agreement)
    assert "@page" in page and "size: A4" in page
    assert "Noto Serif CJK SC" in page
    page_text, _ = html_text(page)
    assert_in_order(page_text, agreement_words(agreement))
    signatures = [
        "甲方（张建国）：（签名、盖章或按指印）已于二〇二六年十二月二日10时05分签名",
        "乙方（李秀英）：（签名、盖章或按指印）已于二〇二六年十二月二日10时05分按指印",
        "人民调解员（王淑芬）：（签名）已于二〇二六年十二月二日10时05分签名",
        "已于二〇二六年十二月二日10时20分盖章",
    ]
    assert_in_order(page_text, signatures)
    assert_in_order(pdf_text(render_agreement_pdf(agreement), tmp_path), signatures)


def test_renderer_refuses_font_directories_without_chinese_fonts(tmp_path: Path) -> None:
    with pytest.raises(MissingFontsError, match="fonts-noto-cjk"):
        PdfRenderer(font_dirs=[tmp_path])


def test_renders_from_several_threads_keep_each_documents_own_text(tmp_path: Path) -> None:
    renderer = PdfRenderer()
    agreements = [
        replace(specimen_agreement(), number=f"（2026）青调字第{n}号", signed_on=date(2026, 12, n))
        for n in range(1, 7)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(renderer.agreement, agreements))
    for n, pdf in enumerate(pdfs, start=1):
        assert f"（2026）青调字第{n}号" in pdf_text(pdf, tmp_path)


def test_signatures_never_stand_on_a_page_without_the_closing_text_art_29(tmp_path: Path) -> None:
    """Whatever the length, the page that is signed also carries the agreement's closing
    text, so a signature page cannot be put under another agreement."""
    base = specimen_agreement()
    for count in range(18, 42):
        terms = tuple(f"第{n}项约定：{base.terms[0]}" for n in range(1, count + 1))
        pages = pdf_pages(render_agreement_pdf(replace(base, terms=terms)), tmp_path)
        signing = [p for p in pages if "甲方（张建国）：（签名" in p]
        assert len(signing) == 1
        assert "本协议书一式三份" in signing[0], count
        assert "人民调解员（王淑芬）：（签名）" in signing[0], count
        assert "二〇二六年十二月二日" in signing[0], count


def test_case_file_prints_a_committees_own_initiative_and_why_it_ended_arts_17_26(
    tmp_path: Path,
) -> None:
    case_file = specimen_case_file()
    ended = replace(
        case_file,
        cover=replace(case_file.cover, result="终止调解", result_reason="一方明确拒绝继续调解"),
        registration=replace(
            case_file.registration, source="主动调解", voluntary=INITIATIVE_CONSENT_SENTENCE
        ),
        agreement=None,
        follow_ups=(),
    )
    pages = pdf_pages(render_case_file_pdf(ended), tmp_path)
    assert "调解结果终止调解（一方明确拒绝继续调解）" in pages[0]
    whole = "".join(pages)
    assert "纠纷来源主动调解" in whole
    assert _squeeze(INITIATIVE_CONSENT_SENTENCE) in whole
    assert "人民调解协议书" not in whole
    assert "回访记录" not in whole
