"""Jinja2 environments (one per language, with its gettext catalogue installed) and
the response helpers every page uses."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.mediation.adapters.dashboard_queries import LOCAL_TIME
from services.mediation.entrypoints.web import labels
from services.mediation.entrypoints.web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    language_of,
    translations,
)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@functools.cache
def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: cached for a year, new URL when it changes."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        static=static_url,
        language=language,
        html_lang=LANGUAGES[language],
        status_labels=labels.STATUSES,
        role_labels=labels.ROLES,
        kind_labels=labels.KINDS,
        level_labels=labels.LEVELS,
        sort_labels=labels.SORTS,
        card_labels=labels.CARDS,
        deadline_labels=labels.DEADLINE_FILTERS,
        clock_stage_labels=labels.CLOCK_STAGES,
        notice_labels=labels.NOTICES,
        local_time=LOCAL_TIME,
        current=None,
        me=None,
    )
    return env


def request_language(request: Request) -> str:
    return language_of(request.cookies.get(LANGUAGE_COOKIE))


def gettext_for(request: Request) -> Any:
    return translations(request_language(request)).gettext


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    env = environment(request_language(request))
    body = env.get_template(template).render(request_path=request.url.path, **context)
    response = HTMLResponse(body, status_code=status_code)
    # Pages show what one person may see: never stored by a shared cache or the
    # browser's back-forward cache after sign-out.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request, Cookie"
    return response
