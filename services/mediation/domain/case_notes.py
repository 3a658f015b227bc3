"""What a note (备注) and a handover within the committee (委员会内转交) may be: rules
that need no database, shared by the single action and the bulk one."""

from __future__ import annotations

from services.mediation.domain.dispute import StepRefused

NOTE_MAX_CHARS = 2000
# Timeline step names: shown as decisions or steps by the case page's labels.
NOTE_STEP = "note-added"
HANDOVER_STEP = "handed-to-colleague"


def note_text(text: str) -> str:
    """The note as kept: trimmed, not empty, at most ``NOTE_MAX_CHARS`` characters."""
    kept = text.strip()
    if not kept:
        raise StepRefused("note-empty", "Write the note.", "请填写备注内容。", field="text")
    if len(kept) > NOTE_MAX_CHARS:
        raise StepRefused(
            "note-too-long",
            f"A note is at most {NOTE_MAX_CHARS} characters.",
            f"备注最多 {NOTE_MAX_CHARS} 字。",
            field="text",
        )
    return kept


def check_handover(
    *, to_staff_id: str, handler_id: str | None, known_colleague: bool, excluded: bool
) -> None:
    """Refuse up front what mediation itself can tell (routing checks the rest against
    its register): the colleague must be someone else, known to mediation as a member
    of the case's unit, and not refused by a party or recused (人民调解法 arts. 19, 23)."""
    if to_staff_id == handler_id:
        raise StepRefused(
            "already-handler",
            "This colleague already handles the case.",
            "该同事已是本案承办人。",
            field="to_staff_id",
        )
    if excluded:
        raise StepRefused(
            "colleague-excluded",
            "This colleague was refused by a party or recused from this case.",
            "该同事已被当事人拒绝或已回避本案，不能转交。",
            field="to_staff_id",
        )
    if not known_colleague:
        raise StepRefused(
            "not-a-colleague",
            "This person is not a member of the case's unit.",
            "该人员不是本案所属单位的成员，不能转交。",
            field="to_staff_id",
        )
