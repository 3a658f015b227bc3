"""Why intake refuses a submission, field by field, in both languages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    pointer: str  # JSON pointer into the request, e.g. "#/location"
    code: str
    en: str
    zh: str


class SubmissionRefused(Exception):
    """The submission breaks a business rule; nothing was stored."""

    def __init__(self, *issues: Issue):
        super().__init__("; ".join(i.en for i in issues))
        self.issues = list(issues)


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request body."""
