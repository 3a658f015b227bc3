"""RFC 9457 problem details, field by field, in Chinese or English by Accept-Language.

Every error a service returns is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and, for invalid input, ``errors``: one entry per field with a
JSON pointer into the request and a message in the chosen language.

Each kind of error is a named ``ProblemType`` (its URI slug, status, and title in both
languages, the same for every occurrence), declared once and registered here; the
shared ones are below, a service's own beside its routes. Raise an occurrence by
calling the type with what differs: ``RATE_LIMITED("Too many…", "过于频繁…",
headers=…)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://gridcase.cn/problems/"


def prefers_chinese(request: Request) -> bool:
    """Chinese first: only an Accept-Language that ranks English above Chinese gets English."""
    header = request.headers.get("accept-language", "")
    best_lang, best_q = "zh", 0.0
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        lang, _, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = lang.strip().lower().split("-")[0]
        if primary in ("zh", "en") and q > best_q:
            best_lang, best_q = primary, q
    return best_lang == "zh"


@dataclass
class FieldError:
    pointer: str
    code: str
    en: str
    zh: str

    def render(self, chinese: bool) -> dict[str, str]:
        return {
            "pointer": self.pointer,
            "code": self.code,
            "detail": self.zh if chinese else self.en,
        }


@dataclass(frozen=True)
class ProblemType:
    """A kind of error. Call it to make an occurrence (a ``Problem`` to raise)."""

    slug: str
    status: int
    title_en: str
    title_zh: str

    @property
    def uri(self) -> str:
        return TYPE_BASE + self.slug

    def __call__(
        self,
        detail_en: str = "",
        detail_zh: str = "",
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Problem:
        return Problem(self, detail_en, detail_zh, errors or [], extra or {}, headers or {})


# Every declared problem type by slug: one meaning per URI across the four services.
REGISTRY: dict[str, ProblemType] = {}


def problem_type(slug: str, status: int, title_en: str, title_zh: str) -> ProblemType:
    """Declare (and register) a problem type; a slug is declared once."""
    declared = ProblemType(slug, status, title_en, title_zh)
    if REGISTRY.setdefault(slug, declared) != declared:
        raise ValueError(f"problem type {slug!r} is already declared differently")
    return declared


VALIDATION = problem_type("validation", 422, "The request is not valid", "请求内容有误")
NOT_FOUND = problem_type("not-found", 404, "Not found", "未找到")
UNAUTHORISED = problem_type("unauthorised", 401, "Authentication required", "需要登录")
FORBIDDEN = problem_type("forbidden", 403, "Forbidden", "无权访问")
RATE_LIMITED = problem_type("rate-limited", 429, "Too many requests", "请求过于频繁")
INTERNAL = problem_type("internal", 500, "Internal error", "内部错误")
# What the framework answers before any route (unknown path, wrong method, body limits).
HTTP_ERRORS: dict[int, ProblemType] = {
    status: problem_type(f"http-{status}", status, en, zh)
    for status, en, zh in [
        (400, "Bad request", "请求有误"),
        (401, "Authentication required", "需要登录"),
        (403, "Forbidden", "无权访问"),
        (404, "Not found", "未找到"),
        (405, "Method not allowed", "不支持该请求方法"),
        (413, "Request too large", "请求内容过大"),
        (415, "Unsupported media type", "不支持的内容类型"),
        (429, "Too many requests", "请求过于频繁"),
    ]
}
REQUEST_TOO_LARGE = HTTP_ERRORS[413]


@dataclass
class Problem(Exception):
    """An occurrence of a ``ProblemType``: raise it from a route to answer with it."""

    type: ProblemType
    detail_en: str = ""
    detail_zh: str = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return self.type.status

    @property
    def title_en(self) -> str:
        return self.type.title_en

    @property
    def title_zh(self) -> str:
        return self.type.title_zh

    def to_response(self, request: Request) -> JSONResponse:
        zh = prefers_chinese(request)
        body: dict[str, Any] = {
            "type": self.type.uri,
            "title": self.title_zh if zh else self.title_en,
            "status": self.status,
            "detail": (self.detail_zh if zh else self.detail_en)
            or (self.title_zh if zh else self.title_en),
            "instance": request.url.path,
        }
        if self.errors:
            body["errors"] = [e.render(zh) for e in self.errors]
        body.update(self.extra)
        headers = {"Content-Language": "zh-CN" if zh else "en", **self.headers}
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM_JSON, headers=headers)


def not_found(what_en: str, what_zh: str) -> Problem:
    """``NOT_FOUND`` for a named kind of thing (also what is outside one's jurisdiction)."""
    return NOT_FOUND(f"No such {what_en}.", f"{what_zh}不存在。")


# pydantic error type -> (English, Chinese) message templates.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("This field is required.", "此字段为必填项。"),
    "string_too_short": ("Too short.", "内容过短。"),
    "string_too_long": ("Too long.", "内容过长。"),
    "string_type": ("Must be a string.", "必须是字符串。"),
    "int_parsing": ("Must be an integer.", "必须是整数。"),
    "int_type": ("Must be an integer.", "必须是整数。"),
    "float_parsing": ("Must be a number.", "必须是数字。"),
    "float_type": ("Must be a number.", "必须是数字。"),
    "greater_than_equal": ("Too small.", "数值过小。"),
    "less_than_equal": ("Too large.", "数值过大。"),
    "greater_than": ("Too small.", "数值过小。"),
    "less_than": ("Too large.", "数值过大。"),
    "literal_error": ("Not one of the allowed values.", "不是允许的取值。"),
    "enum": ("Not one of the allowed values.", "不是允许的取值。"),
    "extra_forbidden": ("Unknown field.", "不允许的字段。"),
    "json_invalid": ("The body is not valid JSON.", "请求体不是有效的 JSON。"),
    "model_attributes_type": ("Must be an object.", "必须是对象。"),
    "dict_type": ("Must be an object.", "必须是对象。"),
    "list_type": ("Must be a list.", "必须是数组。"),
    "uuid_parsing": ("Must be a UUID.", "必须是 UUID。"),
    "datetime_parsing": ("Must be an ISO 8601 date-time.", "必须是 ISO 8601 日期时间。"),
    "datetime_from_date_parsing": ("Must be an ISO 8601 date-time.", "必须是 ISO 8601 日期时间。"),
    "bool_parsing": ("Must be true or false.", "必须是 true 或 false。"),
    "value_error": ("Invalid value.", "取值无效。"),
    "finite_number": ("Must be a finite number.", "必须是有限数值。"),
}


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        head, rest = parts[0], parts[1:]
        if head != "body":
            return f"#/{head}/" + "/".join(rest) if rest else f"#/{head}"
        parts = rest
    escaped = [p.replace("~", "~0").replace("/", "~1") for p in parts]
    return "#/" + "/".join(escaped) if escaped else "#"


def validation_problem(errors: list[dict[str, Any]]) -> Problem:
    field_errors = []
    for err in errors:
        kind = str(err.get("type", "value_error"))
        en, zh = _MESSAGES.get(kind, (str(err.get("msg", "Invalid value.")), "取值无效。"))
        ctx = err.get("ctx") or {}
        # Our own validators raise ValueError("English|中文") to speak both languages.
        if kind == "value_error" and isinstance(ctx.get("error"), ValueError):
            message = str(ctx["error"])
            if "|" in message:
                en, zh = message.split("|", 1)
            else:
                en = message
        field_errors.append(FieldError(_pointer(tuple(err.get("loc", ()))), kind, en, zh))
    return VALIDATION(
        f"{len(field_errors)} field(s) need correcting.",
        f"有 {len(field_errors)} 处需要更正。",
        errors=field_errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return exc.to_response(request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(list(exc.errors())).to_response(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = HTTP_ERRORS.get(exc.status_code) or ProblemType(
            f"http-{exc.status_code}", exc.status_code, "Error", "错误"
        )
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.detail not in (kind.title_en, "Not Found")
            else ""
        )
        return kind(detail, detail, headers=dict(exc.headers or {})).to_response(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        from shared.logging import get_logger

        get_logger(__name__).exception("unhandled_error", path=request.url.path)
        return INTERNAL(
            "The error was logged; nothing was half-stored.",
            "错误已记录，未保存不完整的数据。",
        ).to_response(request)
