"""Intake's own problem types (the shared ones are in shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import ProblemType, problem_type

IDEMPOTENCY_KEY_INVALID = problem_type(
    "idempotency-key", 400, "Bad Idempotency-Key", "Idempotency-Key 无效"
)
IDEMPOTENCY_KEY_REUSED = problem_type(
    "idempotency-key-reused",
    422,
    "Idempotency-Key reused with a different request",
    "Idempotency-Key 已用于其他请求",
)
# By ``AttachmentRefused.code``: the content is too large for its kind, or not a photo
# or recording at all.
ATTACHMENT_REFUSED: dict[str, ProblemType] = {
    code: problem_type(f"attachment-{code}", status, "Attachment refused", "附件被拒绝")
    for code, status in [("too-large", 413), ("too-small", 415), ("unsupported-type", 415)]
}
# A rating the case cannot take now, by ``RatingRefused.code``.
RATING_REFUSED: dict[str, ProblemType] = {
    "no-result": problem_type(
        "rating-before-result",
        409,
        "The case has no result to rate yet",
        "案件尚未办结，暂不能评价",
    ),
    "already-rated": problem_type(
        "already-rated", 409, "The case was already rated", "该案件已评价"
    ),
}
SCREENING_RETURN_FILED = problem_type(
    "screening-return-filed",
    409,
    "The screening return for this task is already filed",
    "本期排查已报送",
)
