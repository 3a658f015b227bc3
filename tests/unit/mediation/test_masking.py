"""What a reader without a full view sees of a case file (PIPL: minimum necessary)."""

from __future__ import annotations

from services.mediation.domain.masking import mask_people, mask_text, masked_document


def test_numbers_typed_into_free_text_are_masked() -> None:
    text = "申请人电话13812345678，另一号码 +86 139 0000 1111，身份证11010519491231002X。"
    assert mask_text(text) == (
        "申请人电话138****5678，另一号码 139****1111，身份证110***********002X。"
    )


def test_a_file_shows_names_numbers_and_addresses_masked_everywhere() -> None:
    document = {
        "registration": {"parties": [{"role": "申请人", "name": "张三丰"}]},
        "written_agreement": {
            "parties": [
                {
                    "name": "张三丰",
                    "id_number": "11010519491231002X",
                    "phone": "13812345678",
                    "address": "东融社区3栋2单元501",
                }
            ],
            "responsibilities": [["李四", "赔偿，联系13900001111"]],
            "terms": [{"obligor": "李四", "deadline": "2026-12-31"}],
        },
        "sessions": [{"parties_present": ["张三丰", "李四"], "record": "电话13812345678"}],
        "version": 3,
    }
    assert masked_document(document) == {
        "registration": {"parties": [{"role": "申请人", "name": "张**"}]},
        "written_agreement": {
            "parties": [
                {
                    "name": "张**",
                    "id_number": "110***********002X",
                    "phone": "138****5678",
                    "address": "东融社区3栋****",
                }
            ],
            "responsibilities": [["李*", "赔偿，联系139****1111"]],
            "terms": [{"obligor": "李*", "deadline": "2026-12-31"}],
        },
        "sessions": [{"parties_present": ["张**", "李*"], "record": "电话138****5678"}],
        "version": 3,
    }


def test_parties_named_in_a_timeline_line_are_masked_longest_name_first() -> None:
    line = "当事人张三丰签名；张三按指印，电话13812345678"
    assert mask_people(line, ["张三", "张三丰"]) == "当事人张**签名；张*按指印，电话138****5678"
    assert mask_people("调委会盖章", []) == "调委会盖章"
