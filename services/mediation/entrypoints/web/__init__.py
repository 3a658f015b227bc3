"""The staff web app, served by the mediation service at ``/``: server-rendered
Jinja2 pages with htmx, one session for every staff role (cookies holding routing's
tokens), Chinese first with English selectable."""

from __future__ import annotations

from fastapi import APIRouter

from services.mediation.entrypoints.web import (
    case_actions,
    case_pages,
    live,
    my_work,
    pages,
    report_pages,
)

routers: list[APIRouter] = [
    pages.router,
    case_pages.router,
    case_actions.router,
    my_work.router,
    report_pages.router,
    live.router,
]
