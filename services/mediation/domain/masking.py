"""How the case file shows personal data to a reader who may not see it in full.

The same forms intake uses (``张**``, ``110***********1234``, ``138****5678``, an
address's first characters then ``****``), kept here because services do not import
each other; free text has ID and mobile numbers replaced wherever they appear.
"""

from __future__ import annotations

import re
from typing import Any

_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
ADDRESS_KEPT = 6


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_number(value: str) -> str:
    """ID numbers and phones: the first three and last four characters."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(address: str) -> str:
    kept = min(ADDRESS_KEPT, len(address) // 2)
    return address[:kept] + "****"


def mask_text(text: str) -> str:
    """Free text with every ID or mobile number in it masked."""
    text = _ID_NUMBER.sub(lambda m: mask_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_number(re.sub(r"\D", "", m.group(0))[-11:]), text)


_NAME_FIELDS = frozenset({"name", "party", "obligor", "person_visited", "by_party"})
_NAME_LISTS = frozenset(
    {"parties_present", "parties_agreeing", "consented_by", "persons_interviewed"}
)


def masked_document(document: Any) -> Any:
    """The file as a reader without a full view sees it: names, numbers and addresses
    masked, numbers in free text masked."""
    if isinstance(document, dict):
        out: dict[str, Any] = {}
        for k, v in document.items():
            if isinstance(v, str) and k in ("id_number", "phone"):
                out[k] = mask_number(v)
            elif isinstance(v, str) and k == "address":
                out[k] = mask_address(v)
            elif isinstance(v, str) and k in _NAME_FIELDS:
                out[k] = mask_name(v)
            elif isinstance(v, list) and k in _NAME_LISTS:
                out[k] = [mask_name(n) if isinstance(n, str) else masked_document(n) for n in v]
            elif k == "responsibilities" and isinstance(v, list):
                out[k] = [[mask_name(p), mask_text(r)] for p, r in v]
            else:
                out[k] = masked_document(v)
        return out
    if isinstance(document, list):
        return [masked_document(v) for v in document]
    if isinstance(document, str):
        return mask_text(document)
    return document


def mask_people(text: str, names: list[str] | tuple[str, ...]) -> str:
    """A timeline line for a reader without a full view: the parties' names in it
    masked (longest first, so 张三丰 is not left as 张*丰), then numbers as ``mask_text``."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return mask_text(text)
