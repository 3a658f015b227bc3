"""Risk signals read from a dispute: threat and violence words, group size, type.

Signals are hints for routing and the centre, not verdicts; the keyword lists live in
``data/risk_keywords.json`` so a district can tune them without a release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MIN_ZHUAN_XING = "民转刑"
GROUP = "群体性"
ETHNIC = "涉及民族因素"


@dataclass(frozen=True)
class RiskRules:
    keywords: dict[str, tuple[str, ...]]
    escalating_types: frozenset[str]
    group_threshold: int

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every signal name an officer may also set by hand."""
        return frozenset(self.keywords) | {GROUP, ETHNIC, MIN_ZHUAN_XING}


@cache
def default_rules() -> RiskRules:
    raw = json.loads((Path(__file__).parent / "data" / "risk_keywords.json").read_text("utf-8"))
    return RiskRules(
        keywords={k: tuple(v) for k, v in raw["signals"].items()},
        escalating_types=frozenset(raw["escalating_types"]),
        group_threshold=int(raw["group_threshold"]),
    )


def detect_signals(
    text: str,
    *,
    dispute_type: str | None,
    people_involved: int | None,
    declared: list[str] | None = None,
    rules: RiskRules | None = None,
) -> list[str]:
    """The sorted, de-duplicated risk signals for a dispute's text and facts."""
    rules = rules or default_rules()
    found = set(declared or [])
    for signal, words in rules.keywords.items():
        if any(word in text for word in words):
            found.add(signal)
    # Violence in a marriage, wage or debt dispute is the classic path to a criminal case.
    if "暴力倾向" in found and dispute_type in rules.escalating_types:
        found.add(MIN_ZHUAN_XING)
    if people_involved is not None and people_involved >= rules.group_threshold:
        found.add(GROUP)
    if dispute_type == "民族宗教":
        found.add(ETHNIC)
    return sorted(found)
