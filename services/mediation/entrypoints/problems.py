"""Mediation's own problem types (the shared ones are in shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import problem_type

IDEMPOTENCY_KEY_REQUIRED = problem_type(
    "idempotency-key-required", 400, "Idempotency-Key required", "需要 Idempotency-Key"
)
# Declared as intake declares it: one meaning per URI across the services.
IDEMPOTENCY_KEY_REUSED = problem_type(
    "idempotency-key-reused",
    422,
    "Idempotency-Key reused with a different request",
    "Idempotency-Key 已用于其他请求",
)
CROSS_SITE_REQUEST = problem_type(
    "cross-site-request", 403, "Cross-site request refused", "拒绝跨站请求"
)
BAD_IF_MATCH = problem_type("bad-if-match", 400, "Bad If-Match", "If-Match 无效")
VERSION_REQUIRED = problem_type("version-required", 428, "If-Match required", "需要 If-Match")
VERSION_STALE = problem_type("version-stale", 412, "The file has changed", "卷宗已被他人修改")
NOT_A_DISPUTE = problem_type("not-a-dispute", 409, "Not a dispute", "不是矛盾纠纷")
NOT_A_REPORT = problem_type("not-a-report", 409, "Not a situation report", "不是事件")
# A step the procedure does not allow now (409), or whose fields break a rule (422).
STEP_REFUSED = problem_type("step-refused", 409, "This step is not allowed", "不允许此操作")
STEP_INVALID = problem_type("step-invalid", 422, "This step is not valid", "该操作内容有误")
# A printed document the file does not have yet: no written agreement, never accepted.
NOTHING_TO_PRINT = problem_type(
    "nothing-to-print", 409, "The file has no such document yet", "卷宗中尚无此文书"
)
