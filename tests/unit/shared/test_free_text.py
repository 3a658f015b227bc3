"""Phone and ID numbers in free text, as people type them, masked as the structured
fields mask them; other numbers left as written."""

from __future__ import annotations

import pytest

from shared.privacy.free_text import mask_text
from shared.privacy.redaction import redact_text


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("电话13812345678。", "电话138****5678。"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("+86 139-0000-1111", "139****1111"),
        ("身份证11010519491231002x", "身份证110***********002X"),
        ("证号 110105 19491231 002X", "证号 110***********002X"),
        ("旧证110105491231002", "旧证110********1002"),
        ("１３８１２３４５６７８", "138****5678"),
        ("座机0774-5123456", "座机0774-***3456"),
        ("(010)22345678", "010-****5678"),
    ],
)
def test_typed_phone_and_id_numbers_are_masked(typed: str, masked: str) -> None:
    assert mask_text(typed) == masked


@pytest.mark.parametrize(
    "kept",
    ["案件GC202612020000123", "欠薪86000.50元，12人", "2026-11-20 14:30", "共12345678元"],
)
def test_other_numbers_are_kept_as_written(kept: str) -> None:
    assert mask_text(kept) == kept


def test_log_redaction_finds_the_same_numbers() -> None:
    assert redact_text("座机0774-5123456，１３８１２３４５６７８") == "座机[redacted]，[redacted]"


def test_log_redaction_keeps_uuids_whose_digit_groups_read_like_a_phone() -> None:
    """A case id is searched for in the logs (``gridcase logs --case``): 0583-4825-9655
    inside it is a landline's shape, not a landline."""
    case_id = "e316f497-0583-4825-9655-9b7249655e16"
    assert redact_text(f"case {case_id} by 0774-5123456") == f"case {case_id} by [redacted]"
    assert redact_text(case_id) == case_id
