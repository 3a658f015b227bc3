"""三率 weighted score: response, resolution and satisfaction rates weighted per
district (Beijing 12345 practice; DOMAIN.md "Rates, written down": "Districts weight
them differently (one uses 30 / 35 / 35 %): weights are data"), from
``rate_weights.json``. The score is never served without the rates and counts it comes
from, and there is none while any of the three has no value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from services.escalation.domain.rates import RESOLUTION, RESPONSE, SATISFACTION
from services.escalation.domain.satisfaction import Rate

WEIGHTS_FILE = Path(__file__).with_name("rate_weights.json")
THREE_RATES = (RESPONSE, RESOLUTION, SATISFACTION)
DISTRICT_DIGITS = 6  # a unit code's first 6 digits are its county or district


class WeightsInvalid(ValueError):
    pass


def parse_weights(data: Mapping[str, Any]) -> dict[str, dict[str, Fraction]]:
    """Each set names the three rates, non-negative, summing to 1 (checked at start)."""
    found: dict[str, dict[str, Fraction]] = {}
    for key, weights in data.items():
        if key.startswith("_"):
            continue
        if set(weights) != set(THREE_RATES):
            raise WeightsInvalid(f"{key}: weights for exactly {THREE_RATES}")
        parsed = {name: Fraction(str(weights[name])) for name in THREE_RATES}
        if any(w < 0 for w in parsed.values()) or sum(parsed.values()) != 1:
            raise WeightsInvalid(f"{key}: weights must be non-negative and sum to 1")
        found[key] = parsed
    if "default" not in found:
        raise WeightsInvalid("a default set is required")
    return found


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, dict[str, Fraction]]:
    return parse_weights(json.loads(path.read_text(encoding="utf-8")))


def weights_for(unit_code: str, table: Mapping[str, dict[str, Fraction]]) -> dict[str, Fraction]:
    return table.get(unit_code[:DISTRICT_DIGITS], table["default"])


def weighted_score(rates: Mapping[str, Rate], weights: Mapping[str, Fraction]) -> Fraction | None:
    """Σ weight × rate over 响应率, 解决率, 满意率; None while any has no value."""
    values = [rates[name].value for name in THREE_RATES]
    if any(v is None for v in values):
        return None
    return sum(
        (weights[name] * v for name, v in zip(THREE_RATES, values, strict=True) if v is not None),
        Fraction(0),
    )
