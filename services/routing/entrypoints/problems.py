"""Routing's own problem types (the shared ones are in shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import problem_type

# Declared as intake, mediation and escalation declare them: one meaning per URI.
IDEMPOTENCY_KEY_REQUIRED = problem_type(
    "idempotency-key-required", 400, "Idempotency-Key required", "需要 Idempotency-Key"
)
IDEMPOTENCY_KEY_REUSED = problem_type(
    "idempotency-key-reused",
    422,
    "Idempotency-Key reused with a different request",
    "Idempotency-Key 已用于其他请求",
)
REASSIGNMENT_REFUSED = problem_type("reassignment-refused", 409, "Reassignment refused", "无法改派")
NOT_CASE_HANDLER = problem_type(
    "not-case-handler", 403, "Only the case's handler may do this", "仅限案件承办人操作"
)
ACCOUNT_LOCKED = problem_type("account-locked", 423, "Account locked", "账户已锁定")
REGISTRY_REJECTED = problem_type(
    "registry-rejected",
    422,
    "The registry change was rejected; nothing was changed",
    "登记册变更被拒绝，未做任何修改",
)
