"""How failures are described in logs and dead letters."""

from __future__ import annotations


def describe_error(exc: BaseException) -> str:
    """Class and first line only: validation errors echo input values, which may hold
    personal data, so the full text goes to the dead-letter header, never to logs."""
    text = str(exc)
    first_line = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first_line}"[:300]
