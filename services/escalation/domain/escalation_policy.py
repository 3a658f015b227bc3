"""Which red cards send a case up the tree, and how far: a district's policy as data
(``escalation_policy.json``; DOMAIN.md "Time limits and supervision": grid →
community → street centre → district centre, the first receiver staying responsible,
首接负责). A district not listed follows ``default``.

The level and the parent come from the nested unit code alone (6/9/12/15 digits, a
child's code is its parent's plus three), so no registry lookup is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

POLICY_FILE = Path(__file__).parent / "escalation_policy.json"
LEVELS = ("district", "street", "community", "grid")  # top first
_BY_LENGTH = {6: "district", 9: "street", 12: "community", 15: "grid"}
DEFAULT = "default"


@dataclass(frozen=True)
class Target:
    """Where a case goes: one level up."""

    from_unit_code: str
    from_level: str
    to_unit_code: str
    to_level: str


@dataclass(frozen=True)
class DistrictPolicy:
    district: str
    version: int
    up_to: Mapping[str, str]  # stage → the highest level a red card sends it to

    def on_red_card(self, stage: str, unit_code: str | None) -> Target | None:
        """The unit a red card of ``stage`` at ``unit_code`` sends the case to, or None:
        the stage does not escalate, the unit has no parent (a district), or the parent
        is above the policy's ceiling."""
        if unit_code is None or len(unit_code) not in _BY_LENGTH or not unit_code.isdigit():
            return None
        ceiling = self.up_to.get(stage)
        level = _BY_LENGTH[len(unit_code)]
        if ceiling is None or level == "district":
            return None
        parent = unit_code[:-3]
        parent_level = _BY_LENGTH[len(parent)]
        if LEVELS.index(parent_level) < LEVELS.index(ceiling):
            return None
        return Target(unit_code, level, parent, parent_level)


class PolicyError(ValueError):
    pass


def parse(data: Mapping[str, object]) -> dict[str, DistrictPolicy]:
    """Every district's block (``_``-prefixed keys are notes), checked: a version, and
    each stage's ceiling a level other than the grid."""
    policies: dict[str, DistrictPolicy] = {}
    for district, block in data.items():
        if district.startswith("_"):
            continue
        if not isinstance(block, dict) or not isinstance(block.get("version"), int):
            raise PolicyError(f"{district}: a block with an integer version")
        red = block.get("red_card", {})
        if not isinstance(red, dict):
            raise PolicyError(f"{district}: red_card maps stage → level")
        for stage, level in red.items():
            if level not in LEVELS[:-1]:
                raise PolicyError(f"{district}.{stage}: {level!r} is not community/street/district")
        policies[district] = DistrictPolicy(district, block["version"], dict(red))
    if DEFAULT not in policies:
        raise PolicyError("a default block is required")
    return policies


def load(path: Path = POLICY_FILE) -> dict[str, DistrictPolicy]:
    return parse(json.loads(path.read_text(encoding="utf-8")))


def policy_for(policies: Mapping[str, DistrictPolicy], unit_code: str | None) -> DistrictPolicy:
    """The policy of the unit's district (its first six digits), else the default."""
    return policies.get((unit_code or "")[:6]) or policies[DEFAULT]
