"""Human-facing case numbers: ``GC`` + submission date (Beijing time) + a sequence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def case_number(submitted_at: datetime, sequence: int) -> str:
    day = submitted_at.astimezone(BEIJING).strftime("%Y%m%d")
    return f"GC{day}{sequence:07d}"
