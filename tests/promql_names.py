"""What a PromQL expression asks of the metrics: names, and the labels it matches or
groups by. A small extractor, enough for the rules and panels this project writes
(no PromQL parser is packaged for Python here); its unit test shows what it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^{}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_LABEL_VALUES = re.compile(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*,\s*(\w+)\s*\)")
_IDENTIFIER = re.compile(r"(?<![\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
_KEYWORDS |= {"and", "or", "unless", "offset", "inf", "nan", "le"}


@dataclass
class Needs:
    """Metric names, the labels each one's matchers name, and the grouping labels."""

    metrics: dict[str, set[str]] = field(default_factory=dict)
    grouping: set[str] = field(default_factory=set)


def needs(expr: str) -> Needs:
    found = Needs()
    rest = expr
    for name, body in _SELECTOR.findall(rest):
        labels = set(_MATCHER.findall(body))
        if name:
            found.metrics.setdefault(name, set()).update(labels)
    rest = _SELECTOR.sub(lambda m: m.group(1) or "", rest)
    rest = re.sub(r"\[[^\]]*\]", "", rest)  # ranges and subqueries
    rest = re.sub(r'"(?:[^"\\]|\\.)*"', "", rest)  # remaining strings
    for name, label in _LABEL_VALUES.findall(rest):
        if name:
            found.metrics.setdefault(name, set()).add(label)
        else:
            found.grouping.add(label)
    rest = _LABEL_VALUES.sub("", rest)
    for _, labels in _GROUPING.findall(rest):
        found.grouping |= {x.strip() for x in labels.split(",") if x.strip()}
    rest = _GROUPING.sub("", rest)
    for name in _IDENTIFIER.findall(rest):
        if name not in _KEYWORDS and not re.fullmatch(r"\d.*", name):
            found.metrics.setdefault(name, set())
    return found
