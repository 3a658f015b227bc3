"""Pure rules of the printed documents: Chinese dates, copies, labels, what each view says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.mediation.adapters.documents.specimen import (
    specimen_agreement,
    specimen_case_file,
    specimen_parties,
    specimen_session,
)
from services.mediation.adapters.documents.views import (
    agreement_view,
    case_file_view,
    party_line,
    session_view,
    time_span,
)
from services.mediation.domain.documents import (
    Agreement,
    DateStyle,
    PartyDetails,
    Responsibility,
    Signature,
    SignerRole,
    SigningMark,
    age_on,
    chinese_date,
    chinese_datetime,
    chinese_number,
    copies_for,
    copies_sentence,
    party_label,
)

ARABIC = DateStyle.ARABIC_NUMERALS
_NUMERALS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _read_number(text: str) -> int:
    """The inverse of chinese_number, written independently for the round trip."""
    if "十" not in text:
        return _NUMERALS[text]
    tens, _, units = text.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)


def _read_date(text: str) -> date:
    year, rest = text.split("年")
    month, rest = rest.split("月")
    day = rest.removesuffix("日")
    return date(
        int("".join(str(_NUMERALS[c]) for c in year)), _read_number(month), _read_number(day)
    )


@pytest.mark.parametrize(
    ("day", "numerals", "arabic"),
    [
        (date(2026, 12, 2), "二〇二六年十二月二日", "2026年12月2日"),
        (date(2020, 10, 10), "二〇二〇年十月十日", "2020年10月10日"),
        (date(2021, 1, 31), "二〇二一年一月三十一日", "2021年1月31日"),
        (date(2026, 11, 21), "二〇二六年十一月二十一日", "2026年11月21日"),
        (date(2000, 2, 20), "二〇〇〇年二月二十日", "2000年2月20日"),
    ],
)
def test_dates_as_committees_write_them_in_chinese_and_arabic_numerals(
    day: date, numerals: str, arabic: str
) -> None:
    assert chinese_date(day) == numerals
    assert chinese_date(day, ARABIC) == arabic


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_a_date_in_chinese_numerals_reads_back_to_the_same_day(day: date) -> None:
    written = chinese_date(day)
    assert "零" not in written and "0" not in written
    assert _read_date(written) == day


def test_counts_in_chinese_numerals() -> None:
    assert [chinese_number(n) for n in (0, 1, 9, 10, 11, 19, 20, 21, 30, 99)] == [
        "零",
        "一",
        "九",
        "十",
        "十一",
        "十九",
        "二十",
        "二十一",
        "三十",
        "九十九",
    ]
    with pytest.raises(ValueError):
        chinese_number(100)


def test_clock_times_have_two_digit_minutes() -> None:
    assert chinese_datetime(datetime(2026, 12, 2, 9, 5), ARABIC) == "2026年12月2日9时05分"
    assert chinese_datetime(datetime(2026, 12, 2, 14, 30)) == "二〇二六年十二月二日14时30分"


def test_copies_are_one_per_party_plus_one_for_the_committee_art_29() -> None:
    assert copies_for(2) == 3
    assert copies_for(3) == 4
    assert copies_sentence(2).startswith("本协议书一式三份")
    assert "一式十一份" in copies_sentence(10)
    with pytest.raises(ValueError):
        copies_for(1)


def test_an_agreement_counts_its_copies_from_its_parties_art_29() -> None:
    two = specimen_agreement()
    third = PartyDetails(name="王五", sex="男")
    three = replace(two, parties=(*two.parties, third))
    assert two.copies == 3
    assert three.copies == 4
    assert agreement_view(three)["copies_sentence"].startswith("本协议书一式四份")


def test_party_labels_run_through_the_heavenly_stems_then_count() -> None:
    assert [party_label(i) for i in (0, 1, 2, 9)] == ["甲方", "乙方", "丙方", "癸方"]
    assert party_label(10) == "当事人十一"


def test_age_is_full_years_on_the_documents_date() -> None:
    born = date(1968, 5, 14)
    assert age_on(born, date(2026, 5, 13)) == 57
    assert age_on(born, date(2026, 5, 14)) == 58
    assert PartyDetails(name="甲", birth_date=born).age_text(date(2026, 12, 2)) == "58岁"
    assert PartyDetails(name="乙", age=45).age_text(date(2026, 12, 2)) == "45岁"
    assert PartyDetails(name="丙").age_text(date(2026, 12, 2)) == ""


def test_an_agreement_needs_two_parties_terms_and_responsibilities_of_parties_art_29() -> None:
    a = specimen_agreement()
    with pytest.raises(ValueError):
        replace(a, parties=a.parties[:1])
    with pytest.raises(ValueError):
        replace(a, terms=())
    with pytest.raises(ValueError, match="not a party"):
        replace(a, responsibilities=(Responsibility("路人甲", "无"),))
    assert isinstance(a, Agreement)


def test_a_partys_details_leave_out_what_is_not_known_art_29_1() -> None:
    full = specimen_parties()[0]
    line = party_line(full, date(2026, 12, 2), ARABIC)
    assert line == (
        "张建国，男，汉族，58岁（1968年5月14日出生），退休职工，"
        "住址：青山社区幸福路12号3单元402室，公民身份号码：110105196805140036，联系电话：13800138000"
    )
    assert party_line(PartyDetails(name="王五", sex="男"), date(2026, 12, 2), ARABIC) == "王五，男"


def test_session_times_as_records_write_them() -> None:
    start = datetime(2026, 11, 21, 9, 0)
    assert time_span(start, datetime(2026, 11, 21, 11, 30), ARABIC) == (
        "2026年11月21日9时00分至11时30分"
    )
    assert time_span(start, datetime(2026, 11, 22, 8, 0), ARABIC) == (
        "2026年11月21日9时00分至2026年11月22日8时00分"
    )
    assert time_span(start, None, ARABIC) == "2026年11月21日9时00分起"


def test_agreement_view_records_each_signing_and_leaves_unsigned_lines_blank_art_29() -> None:
    signed = agreement_view(specimen_agreement(), ARABIC)
    assert [s["signed"] for s in signed["party_signatures"]] == [
        "已于2026年12月2日10时05分签名",
        "已于2026年12月2日10时05分按指印",
    ]
    assert signed["mediator_signatures"][0]["signed"] == "已于2026年12月2日10时05分签名"
    assert signed["committee_seal"] == "已于2026年12月2日10时20分盖章"
    unsigned = agreement_view(specimen_agreement(signed=False))
    assert {s["signed"] for s in unsigned["party_signatures"]} == {""}
    assert unsigned["committee_seal"] == ""
    assert unsigned["date"] == "二〇二六年十二月二日"


def test_an_organisation_party_seals_the_agreement_art_29() -> None:
    a = specimen_agreement(signed=False)
    sealed = replace(
        a,
        signatures=(
            Signature(SignerRole.PARTY, "李秀英", datetime(2026, 12, 2, 9, 30), SigningMark.SEAL),
        ),
    )
    view = agreement_view(sealed, ARABIC)
    assert [s["signed"] for s in view["party_signatures"]] == ["", "已于2026年12月2日9时30分盖章"]


def test_session_view_names_who_attended_and_whether_it_was_public_arts_20_23() -> None:
    view = session_view(specimen_session())
    assert view["others_present"] == "刘志强（社区法律顾问）、赵大海（邻居）"
    assert view["public"] == "不公开"
    assert session_view(replace(specimen_session(), public=None))["public"] == ""


def test_case_file_binds_registration_records_agreement_and_follow_ups_in_order_art_27() -> None:
    view = case_file_view(specimen_case_file())
    assert [s["kind"] for s in view["sections"]] == [
        "registration",
        "investigation",
        "session",
        "session",
        "agreement",
        "follow_up",
    ]
    assert [s["entry"] for s in view["sections"]][1:4] == [
        "人民调解调查笔录",
        "人民调解笔录（第一次）",
        "人民调解笔录（第二次）",
    ]
    assert view["cover"]["year"] == "2026年"
    assert view["cover"]["retention"] == "长期"
    without = case_file_view(replace(specimen_case_file(), agreement=None, follow_ups=()))
    assert "agreement" not in [s["kind"] for s in without["sections"]]
