"""Routing policy as data: ordered rules from a case's kind, category and risk to roles.

The first rule that matches decides; the explanation also names the later rules that
matched, so a reviewer sees e.g. that a violent group dispute went to the police
before the street centre because the criminal-risk rule comes first.

A rule document (JSON, stored versioned in the database)::

    {"id": "group-dispute", "name": "群体性纠纷",
     "when": {"kinds": ["dispute"], "people_at_least": 50},
     "roles": ["centre_operator"], "start_level": "street",
     "also_assign": [], "inform": ["community_police"]}

``when`` fields are all optional; every given field must hold, except that
``categories`` and ``risk_signals_any`` are alternatives (either is enough), because
"a 民族宗教 dispute or one flagged 涉及民族因素" is how the rules read in practice.
``roles`` are tried in order at each unit from ``start_level`` upwards; ``also_assign``
roles get a co-handler (who carries the load), ``inform`` roles are only told.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.routing.domain.registry import LEVELS
from services.routing.domain.staff import HOME_LEVELS

CRIMINAL_RISK_SIGNALS = ("民转刑", "暴力", "威胁", "拼命", "同归于尽", "持械", "扬言报复")
GROUP_DISPUTE_THRESHOLD = 50  # practice: the monthly report's first band is < 50 people


@dataclass(frozen=True)
class CaseFacts:
    """What routing reads from a case to choose a rule."""

    kind: str
    category: str
    risk_signals: tuple[str, ...] = ()
    people_involved: int | None = None


@dataclass(frozen=True)
class Condition:
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    risk_signals_any: tuple[str, ...] = ()
    people_at_least: int | None = None

    def reasons_matching(self, case: CaseFacts) -> list[str] | None:
        """Why the condition holds for ``case``, or None if it does not."""
        reasons: list[str] = []
        if self.kinds:
            if case.kind not in self.kinds:
                return None
            reasons.append(f"kind {case.kind}")
        if self.people_at_least is not None:
            if (case.people_involved or 0) < self.people_at_least:
                return None
            reasons.append(f"people involved {case.people_involved} ≥ {self.people_at_least}")
        if self.categories or self.risk_signals_any:
            hits = []
            if case.category in self.categories:
                hits.append(f"category {case.category}")
            signals = [s for s in case.risk_signals if s in self.risk_signals_any]
            if signals:
                hits.append("risk signals " + "、".join(signals))
            if not hits:
                return None
            reasons += hits
        return reasons or ["catch-all"]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.kinds:
            out["kinds"] = list(self.kinds)
        if self.categories:
            out["categories"] = list(self.categories)
        if self.risk_signals_any:
            out["risk_signals_any"] = list(self.risk_signals_any)
        if self.people_at_least is not None:
            out["people_at_least"] = self.people_at_least
        return out


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    when: Condition
    roles: tuple[str, ...]
    start_level: str | None = None  # None: the unit the case was located in
    also_assign: tuple[str, ...] = ()
    inform: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "when": self.when.as_dict(),
            "roles": list(self.roles),
            "start_level": self.start_level,
            "also_assign": list(self.also_assign),
            "inform": list(self.inform),
        }


@dataclass(frozen=True)
class RuleMatch:
    rule: Rule
    reasons: list[str]
    also_matched: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Policy:
    version: int
    rules: tuple[Rule, ...]

    def match(self, case: CaseFacts) -> RuleMatch | None:
        first: RuleMatch | None = None
        others: list[str] = []
        for rule in self.rules:
            reasons = rule.when.reasons_matching(case)
            if reasons is None:
                continue
            if first is None:
                first = RuleMatch(rule, reasons)
            else:
                others.append(rule.id)
        if first is None:
            return None
        return RuleMatch(first.rule, first.reasons, others)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "rules": [r.as_dict() for r in self.rules]}


class PolicyInvalid(ValueError):
    def __init__(self, problems: list[tuple[str, str, str]]):
        super().__init__("; ".join(p[1] for p in problems))
        self.problems = problems  # (JSON pointer, English, Chinese)


def _strings(value: Any, pointer: str, problems: list[tuple[str, str, str]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append((pointer, "Must be a list of strings.", "必须是字符串数组。"))
        return ()
    return tuple(value)


def parse_rules(raw: Iterable[Any], version: int = 0) -> Policy:
    """A policy from its JSON rule list, or ``PolicyInvalid`` naming every problem."""
    problems: list[tuple[str, str, str]] = []
    rules: list[Rule] = []
    ids: set[str] = set()
    for i, item in enumerate(raw):
        at = f"#/rules/{i}"
        if not isinstance(item, dict):
            problems.append((at, "A rule must be an object.", "规则必须是对象。"))
            continue
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            problems.append((f"{at}/id", "A rule needs an id.", "规则缺少 id。"))
            rule_id = f"rule-{i}"
        elif rule_id in ids:
            problems.append(
                (f"{at}/id", f"Duplicate rule id {rule_id}.", f"规则 id {rule_id} 重复。")
            )
        ids.add(rule_id)
        when = item.get("when") or {}
        if not isinstance(when, dict):
            problems.append((f"{at}/when", "Must be an object.", "必须是对象。"))
            when = {}
        unknown = set(when) - {"kinds", "categories", "risk_signals_any", "people_at_least"}
        for key in sorted(unknown):
            problems.append((f"{at}/when/{key}", "Unknown condition.", "未知条件。"))
        people = when.get("people_at_least")
        if people is not None and (not isinstance(people, int) or people < 1):
            problems.append(
                (f"{at}/when/people_at_least", "Must be a positive integer.", "必须是正整数。")
            )
            people = None
        roles = _strings(item.get("roles"), f"{at}/roles", problems)
        also = _strings(item.get("also_assign"), f"{at}/also_assign", problems)
        inform = _strings(item.get("inform"), f"{at}/inform", problems)
        if not roles:
            problems.append(
                (f"{at}/roles", "A rule needs at least one role.", "规则至少需要一个角色。")
            )
        for key, values in (("roles", roles), ("also_assign", also), ("inform", inform)):
            for j, role in enumerate(values):
                if role not in HOME_LEVELS:
                    problems.append(
                        (f"{at}/{key}/{j}", f"Unknown role {role!r}.", f"未知角色 {role!r}。")
                    )
        start = item.get("start_level")
        if start is not None and start not in LEVELS:
            problems.append((f"{at}/start_level", "Not a level.", "不是有效层级。"))
            start = None
        rules.append(
            Rule(
                id=rule_id,
                name=str(item.get("name") or rule_id),
                when=Condition(
                    kinds=_strings(when.get("kinds"), f"{at}/when/kinds", problems),
                    categories=_strings(when.get("categories"), f"{at}/when/categories", problems),
                    risk_signals_any=_strings(
                        when.get("risk_signals_any"), f"{at}/when/risk_signals_any", problems
                    ),
                    people_at_least=people,
                ),
                roles=roles,
                start_level=start,
                also_assign=also,
                inform=inform,
            )
        )
    if not rules:
        problems.append(("#/rules", "A policy needs at least one rule.", "策略至少需要一条规则。"))
    elif rules[-1].when.as_dict():
        problems.append(
            (
                f"#/rules/{len(rules) - 1}",
                "The last rule must be a catch-all (empty `when`) so every case has a rule.",
                "最后一条规则必须是兜底规则（`when` 为空），保证每个案件都有规则可循。",
            )
        )
    if problems:
        raise PolicyInvalid(problems)
    return Policy(version, tuple(rules))


DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "id": "criminal-risk",
        "name": "民转刑风险：社区民警即时介入，调解员协同",
        "when": {"risk_signals_any": list(CRIMINAL_RISK_SIGNALS)},
        "roles": ["community_police"],
        "also_assign": ["mediator"],
    },
    {
        "id": "ethnic-factor",
        "name": "涉及民族因素：街道综治中心处置，通报社区民警",
        "when": {"categories": ["民族宗教"], "risk_signals_any": ["涉及民族因素"]},
        "roles": ["centre_operator"],
        "start_level": "street",
        "inform": ["community_police"],
    },
    {
        "id": "group-dispute",
        "name": "群体性纠纷：街道综治中心处置",
        "when": {"kinds": ["dispute"], "people_at_least": GROUP_DISPUTE_THRESHOLD},
        "roles": ["centre_operator"],
        "start_level": "street",
    },
    {
        "id": "legal-question",
        "name": "法律咨询与协议审查：社区法律顾问",
        "when": {"categories": ["法律咨询", "协议审查", "法律援助"]},
        "roles": ["legal_adviser"],
        "start_level": "community",
    },
    {
        "id": "dispute",
        "name": "矛盾纠纷：社区人民调解委员会调解员",
        "when": {"kinds": ["dispute"]},
        "roles": ["mediator"],
        "start_level": "community",
    },
    {
        "id": "urban-management",
        "name": "城市管理事件：网格员",
        "when": {"kinds": ["report"]},
        "roles": ["grid_officer"],
    },
    {
        "id": "catch-all",
        "name": "其他：网格员，逐级兜底",
        "when": {},
        "roles": ["grid_officer"],
    },
]
