"""RFC 9457 problem details, field by field, in Chinese or English by Accept-Language.

Every error a service returns is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and, for invalid input, ``errors``: one entry per field with a
JSON pointer into the request and a message in the chosen language.
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


@dataclass
class Problem(Exception):
    """Raise from a handler or route to answer with a problem document."""

    status: int
    slug: str
    title_en: str
    title_zh: str
    detail_en: str = ""
    detail_zh: str = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def to_response(self, request: Request) -> JSONResponse:
        zh = prefers_chinese(request)
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
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
    return Problem(
        404, "not-found", "Not found", "未找到", f"No such {what_en}.", f"{what_zh}不存在。"
    )


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
    return Problem(
        422,
        "validation",
        "The request is not valid",
        "请求内容有误",
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
        titles = {
            400: ("Bad request", "请求有误"),
            401: ("Authentication required", "需要登录"),
            403: ("Forbidden", "无权访问"),
            404: ("Not found", "未找到"),
            405: ("Method not allowed", "不支持该请求方法"),
            413: ("Request too large", "请求内容过大"),
            415: ("Unsupported media type", "不支持的内容类型"),
            429: ("Too many requests", "请求过于频繁"),
        }
        en, zh = titles.get(exc.status_code, ("Error", "错误"))
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.detail not in (en, "Not Found")
            else ""
        )
        return Problem(
            exc.status_code,
            "http-" + str(exc.status_code),
            en,
            zh,
            detail,
            detail,
            headers=dict(exc.headers or {}),
        ).to_response(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        from shared.logging import get_logger

        get_logger(__name__).exception("unhandled_error", path=request.url.path)
        return Problem(
            500,
            "internal",
            "Internal error",
            "内部错误",
            "The error was logged; nothing was half-stored.",
            "错误已记录，未保存不完整的数据。",
        ).to_response(request)
