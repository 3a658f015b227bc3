"""Pure pieces of shared/ and the mediation view's status folding."""

from __future__ import annotations

import orjson
import pytest
from starlette.requests import Request

from services.mediation.domain.case_status import ASSIGNED, SUBMITTED, advanced
from shared.http.problems import prefers_chinese, validation_problem


def _request(accept_language: str | None) -> Request:
    headers = [] if accept_language is None else [(b"accept-language", accept_language.encode())]
    return Request({"type": "http", "headers": headers, "method": "GET", "path": "/"})


@pytest.mark.parametrize(
    ("header", "chinese"),
    [
        (None, True),
        ("zh-CN,zh;q=0.9,en;q=0.8", True),
        ("en-US,en;q=0.9", False),
        ("en;q=0.5,zh;q=0.9", True),
        ("fr-FR", True),
        ("en;q=notanumber,zh;q=0.1", True),
    ],
)
def test_chinese_first_unless_english_is_preferred(header: str | None, chinese: bool) -> None:
    assert prefers_chinese(_request(header)) is chinese


def test_validation_problem_points_at_each_field_in_both_languages() -> None:
    problem = validation_problem(
        [
            {"type": "missing", "loc": ("body", "title"), "msg": "Field required"},
            {"type": "less_than_equal", "loc": ("body", "location", "lat"), "msg": "x"},
            {"type": "string_too_long", "loc": ("body", "parties", 0, "a/b"), "msg": "x"},
        ]
    )
    assert problem.status == 422
    assert [e.pointer for e in problem.errors] == [
        "#/title",
        "#/location/lat",
        "#/parties/0/a~1b",
    ]
    assert problem.errors[0].zh == "此字段为必填项。"
    assert problem.errors[0].en == "This field is required."


def test_case_status_never_moves_backwards_on_a_replayed_event() -> None:
    assert advanced(None, SUBMITTED) == SUBMITTED
    assert advanced(SUBMITTED, ASSIGNED) == ASSIGNED
    assert advanced(ASSIGNED, SUBMITTED) == ASSIGNED


def test_a_problem_type_answers_its_uri_status_and_title_in_the_callers_language() -> None:
    from shared.http.problems import RATE_LIMITED

    problem = RATE_LIMITED("Slow down.", "请稍后再试。", headers={"Retry-After": "3"})
    zh = problem.to_response(_request(None))
    en = problem.to_response(_request("en"))
    assert zh.status_code == en.status_code == 429
    assert zh.headers["Retry-After"] == "3" and zh.headers["Content-Language"] == "zh-CN"
    assert orjson.loads(bytes(zh.body)) == {
        "type": "https://gridcase.cn/problems/rate-limited",
        "title": "请求过于频繁",
        "status": 429,
        "detail": "请稍后再试。",
        "instance": "/",
    }
    assert orjson.loads(bytes(en.body))["title"] == "Too many requests"


def test_every_problem_type_of_every_service_is_declared_once_with_both_titles() -> None:
    import services.intake.bootstrap
    import services.routing.bootstrap  # noqa: F401 - registers the services' own types
    from shared.http.problems import REGISTRY, problem_type

    assert {"idempotency-key-reused", "attachment-too-large", "account-locked"} <= set(REGISTRY)
    assert all(t.slug == slug and t.title_en and t.title_zh for slug, t in REGISTRY.items())
    with pytest.raises(ValueError, match="already declared"):
        problem_type("not-found", 410, "Gone", "已删除")
