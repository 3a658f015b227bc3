"""Escalation's own problem types (the shared ones are in shared/http/problems.py);
declared as mediation declares them: one meaning per URI across the services."""

from __future__ import annotations

from shared.http.problems import problem_type

IDEMPOTENCY_KEY_REQUIRED = problem_type(
    "idempotency-key-required", 400, "Idempotency-Key required", "需要 Idempotency-Key"
)
IDEMPOTENCY_KEY_REUSED = problem_type(
    "idempotency-key-reused",
    422,
    "Idempotency-Key reused with a different request",
    "Idempotency-Key 已用于其他请求",
)
BAD_IF_MATCH = problem_type("bad-if-match", 400, "Bad If-Match", "If-Match 无效")
VERSION_REQUIRED = problem_type("version-required", 428, "If-Match required", "需要 If-Match")
TIME_LIMIT_INVALID = problem_type(
    "time-limit-invalid", 422, "The time limit is not valid", "时限设置有误"
)
CALENDAR_INVALID = problem_type(
    "calendar-invalid", 422, "The working calendar is not valid", "工作日历有误"
)
VERSION_CHANGED = problem_type(
    "version-changed", 412, "Changed since it was read", "数据已被他人修改"
)
EXTENSION_INVALID = problem_type(
    "extension-invalid", 422, "The extension request is not valid", "延期申请内容有误"
)
CLOCK_PAUSE_INVALID = problem_type(
    "clock-pause-invalid", 422, "This clock cannot be paused so", "该时限不能这样暂停"
)
SUPERVISION_INVALID = problem_type(
    "supervision-invalid", 422, "The supervision is not valid", "督办内容有误"
)
OVERSIGHT_STATE_CONFLICT = problem_type(
    "oversight-state-conflict",
    409,
    "Not in a state that allows this",
    "当前状态不允许此操作",
)
