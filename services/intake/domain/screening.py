"""A grid's screening return (排查): the disputes found, or a nil report (零报告).

DOMAIN.md "The cycle in practice": "没有发现问题的，实行零报告制度" — a grid that
found nothing still files, saying so; a grid that found disputes files them, each
becoming a case linked to the task. One return per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.intake.domain.commands import SubmitReport
from services.intake.domain.refusals import Issue


@dataclass(frozen=True)
class FileScreeningReturn:
    task_id: str
    staff_id: str
    nil_report: bool
    disputes: tuple[SubmitReport, ...] = ()
    note: str | None = None


class ScreeningTaskUnknown(LookupError):
    """No such task in the caller's grid (or none at all: the caller cannot tell)."""


class ReturnAlreadyFiled(Exception):
    """The task has its return; a second one is refused (unless it is the replay)."""

    def __init__(self, filed_at: datetime | None):
        super().__init__("screening return already filed")
        self.filed_at = filed_at


def within_dispute(index: int, issue: Issue) -> Issue:
    """A refusal of the ``index``-th dispute, pointing into the return's body."""
    pointer = f"#/disputes/{index}" + issue.pointer.removeprefix("#")
    return Issue(pointer, issue.code, issue.en, issue.zh)
