"""Which clocks a handler may pause, and why: the one-month mediation limit stops while
the mediator waits for a party's consent to go past it (司法部《人民调解工作若干规定》
2002 art. 33: mediation ends within a month unless both parties agree to extend it).
Other stages' limits run on; an extension (延期) asks the level above instead. Pure."""

from __future__ import annotations

from typing import Any

from services.escalation.domain.extensions import MAX_WORDS, ExtensionInvalid, Problem

PAUSABLE_STAGES = ("mediate",)
PAUSE_REASONS = ("consent_pending",)  # 等待当事人同意延长调解期限


def validate_pause(stage: str, raw: dict[str, Any]) -> str:
    """The reason code, or field problems."""
    problems: list[Problem] = []
    if stage not in PAUSABLE_STAGES:
        problems.append(
            (
                "#/path/stage",
                "stage",
                "Only the mediation limit (mediate) is paused by its handler.",
                "只有调解期限（mediate）可由承办人暂停。",
            )
        )
    reason = raw.get("reason", "consent_pending")
    if reason not in PAUSE_REASONS:
        problems.append(
            (
                "reason",
                "reason",
                "consent_pending.",
                "暂停原因应为 consent_pending（等待当事人同意）。",
            )
        )
    note = raw.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_WORDS):
        problems.append(
            ("note", "text", f"At most {MAX_WORDS} characters.", f"不超过 {MAX_WORDS} 字。")
        )
    if problems:
        raise ExtensionInvalid(problems)
    return str(reason)
