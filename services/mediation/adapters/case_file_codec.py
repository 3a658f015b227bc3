"""The case file as a JSON document, and back, with personal fields sealed.

Written generically over the domain's dataclasses (their type hints say how each
field reads back), so a new section of the file needs no new mapping code. Parties'
ID numbers, phones and addresses are encrypted field by field (``KeyRing``; the field
name is bound as associated data) before the document is stored.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any

from services.mediation.domain.dispute import Dispute
from services.mediation.domain.situation_report import SituationReport
from shared.privacy.crypto import KeyRing

SEALED_FIELDS = frozenset({"id_number", "phone", "address"})


def dump(value: Any) -> Any:
    """Plain JSON values of a domain object."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


def load(kind: Any, data: Any) -> Any:
    """``data`` read back as ``kind`` (a dataclass, enum, date, container or scalar)."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return load(options[0], data)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [load(item, v) for v in data]
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(load(args[0], v) for v in data)
        return tuple(load(a, v) for a, v in zip(args, data, strict=True))
    if origin is dict:
        _, item = typing.get_args(kind)
        return {k: load(item, v) for k, v in data.items()}
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                f.name: load(hints[f.name], data[f.name])
                for f in dataclasses.fields(kind)
                if f.name in data
            }
        )
    return data


def _walk(value: Any, change: typing.Callable[[str, str], str]) -> Any:
    if isinstance(value, dict):
        return {
            k: change(k, v) if k in SEALED_FIELDS and isinstance(v, str) else _walk(v, change)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v, change) for v in value]
    return value


def sealed(file: Dispute | SituationReport, keys: KeyRing) -> dict[str, Any]:
    """The stored document: every sealed field encrypted."""
    return typing.cast(
        dict[str, Any],
        _walk(dump(file), lambda k, v: keys.encrypt(f"case_file.{k}", v)),
    )


def opened(document: dict[str, Any], keys: KeyRing) -> Dispute:
    """The dispute read back from its stored document."""
    plain = _walk(document, lambda k, v: keys.decrypt(f"case_file.{k}", v))
    dispute: Dispute = load(Dispute, plain)
    return dispute


def opened_report(document: dict[str, Any], keys: KeyRing) -> SituationReport:
    """A situation report's file read back from its stored document."""
    plain = _walk(document, lambda k, v: keys.decrypt(f"case_file.{k}", v))
    report: SituationReport = load(SituationReport, plain)
    return report
