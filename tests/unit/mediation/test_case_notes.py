"""The rules a note (备注) and a handover within the committee (委员会内转交) follow before
anything is written: pure domain code, no database."""

from __future__ import annotations

import pytest

from services.mediation.domain.case_notes import NOTE_MAX_CHARS, check_handover, note_text
from services.mediation.domain.dispute import StepRefused


def test_a_note_is_kept_trimmed() -> None:
    assert note_text("  已联系双方\n") == "已联系双方"


@pytest.mark.parametrize(
    ("text", "code"), [("   ", "note-empty"), ("字" * (NOTE_MAX_CHARS + 1), "note-too-long")]
)
def test_an_empty_or_overlong_note_is_refused_on_its_field(text: str, code: str) -> None:
    with pytest.raises(StepRefused) as refused:
        note_text(text)
    assert (refused.value.code, refused.value.field) == (code, "text")
    assert refused.value.zh  # shown in Chinese first


def test_a_handover_to_a_known_colleague_passes() -> None:
    check_handover(to_staff_id="med-2", handler_id="med-1", known_colleague=True, excluded=False)


@pytest.mark.parametrize(
    ("to", "known", "excluded", "code"),
    [
        ("med-1", True, False, "already-handler"),
        ("med-2", True, True, "colleague-excluded"),  # 人民调解法 arts. 19, 23
        ("go-002", False, False, "not-a-colleague"),
    ],
)
def test_a_handover_mediation_can_tell_is_wrong_is_refused_up_front(
    to: str, known: bool, excluded: bool, code: str
) -> None:
    with pytest.raises(StepRefused) as refused:
        check_handover(to_staff_id=to, handler_id="med-1", known_colleague=known, excluded=excluded)
    assert refused.value.code == code
