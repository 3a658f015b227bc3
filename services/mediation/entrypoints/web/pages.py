"""The web app's pages: sign-in, the case list (with CSV export), a case, the
supervisors' overview, the language switch and the static files.

Every route here is public to the API's bearer-token policy (it reads the session
cookies instead): without a usable session a page redirects to sign-in, with a visible
message when the session has expired. Reads go through ``dashboard_queries``, so the
caller's jurisdiction is in every query.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import mimetypes
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.mediation.adapters import dashboard_queries as queries
from services.mediation.adapters.clock_queries import clocks_of
from services.mediation.adapters.routing_client import (
    RefreshExchanges,
    RoutingClient,
    RoutingUnavailable,
    SignInRefused,
    Unit,
)
from services.mediation.domain import agenda
from services.mediation.domain.clocks import CARDS, case_card
from services.mediation.entrypoints.web import grid_map, labels
from services.mediation.entrypoints.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from services.mediation.entrypoints.web.rendering import STATIC, gettext_for, render
from services.mediation.entrypoints.web.session import (
    REFRESH_COOKIE,
    NotSignedIn,
    Session,
    SessionExpired,
    check_same_origin,
    clear_tokens,
    client_address,
    resolve,
    store_tokens,
)
from services.mediation.state import MediationRuntime
from shared.auth import roles
from shared.auth.policy import PUBLIC
from shared.working_calendar import WorkingCalendar

router = APIRouter(include_in_schema=False, dependencies=[Depends(PUBLIC)])

SUPERVISORS = roles.OPERATORS | {roles.ADMIN}
# People who work cases land on "my work" after signing in; supervisors on the list.
WORKERS_LAND_ON_MY_WORK = roles.HANDLERS | {roles.GRID_OFFICER}
LANGUAGE_MAX_AGE_S = 365 * 24 * 3600
# Cases one bulk action may change at once (the list's largest page).
MAX_BULK = 100


# --- wiring -----------------------------------------------------------------------------


def runtime_of(request: Request) -> MediationRuntime:
    runtime: MediationRuntime = request.app.state.runtime
    return runtime


def routing_client(request: Request) -> RoutingClient:
    return runtime_of(request).state.routing_client


def _exchanges(request: Request) -> RefreshExchanges:
    return runtime_of(request).state.refresh_exchanges


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a full URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _redirect(request: Request, url: str) -> Response:
    """303 for a page; for an htmx request, ``HX-Redirect`` so the whole page moves."""
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _to_login(request: Request, *, expired: bool) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("hx-request") and request.headers.get("hx-current-url"):
        current = request.headers["hx-current-url"]
        here = _safe_next(current[current.find("/", current.find("//") + 2) :])
    params = {"next": here} | ({"expired": "1"} if expired else {})
    response = _redirect(request, "/login?" + urlencode(params))
    if expired:
        clear_tokens(response)
    return response


async def signed_in(request: Request) -> Session | Response:
    """The session, or the response that sends the browser to sign in."""
    try:
        session = await resolve(request, routing_client(request), _exchanges(request))
    except NotSignedIn:
        return _to_login(request, expired=False)
    except SessionExpired:
        return _to_login(request, expired=True)
    except RoutingUnavailable:
        return _unavailable(request)
    request.state.principal = session.principal  # the audit log records the page view
    return session


def with_renewed_tokens(request: Request, session: Session, response: Response) -> Response:
    if session.renewed is not None:
        store_tokens(request, response, session.renewed)
    return response


def _unavailable(request: Request) -> Response:
    return render(request, "unavailable.html", {"me": None}, status_code=503)


@dataclass(frozen=True)
class Me:
    """Who is signed in, for the top bar."""

    staff_id: str
    role: str
    unit_codes: tuple[str, ...]
    unit_names: tuple[str, ...]
    supervisor: bool


async def signed_in_person(request: Request, session: Session) -> Me:
    principal = session.principal
    names: list[str] = []
    if principal.unit_codes:
        try:
            units = await routing_client(request).units(
                session.access_token, under=principal.unit_codes[0], with_boundary=False
            )
        except RoutingUnavailable:
            units = []
        by_code = {u.code: u.name for u in units}
        names = [by_code.get(code, code) for code in principal.unit_codes]
    return Me(
        principal.staff_id,
        principal.role,
        principal.unit_codes,
        tuple(names),
        principal.role in SUPERVISORS,
    )


# --- sign-in, sign-out, language ----------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, next: str = "", expired: str = "") -> Response:
    return render(
        request,
        "login.html",
        {
            "me": None,
            # Empty: no page was asked for, so each role lands on its own start page.
            "next": _safe_next(next) if next else "",
            "expired": expired == "1",
            "signed_out": request.query_params.get("signed_out") == "1",
            "errors": {},
            "username": "",
            "message": None,
        },
    )


@router.post("/login")
async def login(request: Request) -> Response:
    check_same_origin(request)
    _ = gettext_for(request)
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    asked = str(form.get("next") or "")
    target = _safe_next(asked) if asked else ""
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = _("Enter your username.")
    if not password:
        errors["password"] = _("Enter your password.")
    message = None
    if not errors:
        try:
            tokens = await routing_client(request).login(
                username, password, client_address=client_address(request)
            )
        except SignInRefused as exc:
            message = {
                423: _("Too many failed sign-ins: this account is locked for a while."),
                429: _("Too many sign-in attempts; wait a minute and try again."),
            }.get(exc.status, _("Wrong username or password."))
        except RoutingUnavailable:
            message = _("The sign-in service cannot be reached; try again shortly.")
        else:
            landing = "/my-work" if tokens.role in WORKERS_LAND_ON_MY_WORK else "/"
            response = RedirectResponse(target or landing, status_code=303)
            store_tokens(request, response, tokens)
            return response
    return render(
        request,
        "login.html",
        {
            "me": None,
            "next": target,
            "expired": False,
            "signed_out": False,
            "errors": errors,
            "username": username,
            "message": message,
        },
        status_code=422 if errors else 400,
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Revoke the refresh token at routing and forget both cookies."""
    check_same_origin(request)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        # The cookies go anyway; an unrevoked token expires by itself.
        with contextlib.suppress(RoutingUnavailable):
            await routing_client(request).logout(refresh, client_address=client_address(request))
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_tokens(response)
    return response


@router.post("/language")
async def choose_language(request: Request) -> Response:
    check_same_origin(request)
    form = await request.form()
    chosen = str(form.get("language") or "")
    response = RedirectResponse(_safe_next(str(form.get("next") or "/")), status_code=303)
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_MAX_AGE_S, samesite="lax", httponly=True
        )
    return response


# --- case list and export ----------------------------------------------------------------


@dataclass(frozen=True)
class ListView:
    filters: queries.CaseFilters
    sort: str
    page: int
    page_size: int
    problems: list[str]

    def query(self, **changes: Any) -> str:
        """This view's URL query, with ``changes`` (None removes a parameter)."""
        f = self.filters
        params: dict[str, Any] = {
            "status": f.status,
            "kind": f.kind,
            "category": f.category,
            "unit": f.unit,
            "handler": f.handler,
            "from": f.submitted_from.isoformat() if f.submitted_from else "",
            "to": f.submitted_to.isoformat() if f.submitted_to else "",
            "q": f.text,
            "card": f.card,
            "due": f.due,
            "sort": "" if self.sort == queries.DEFAULT_SORT else self.sort,
            "size": "" if self.page_size == queries.PAGE_SIZES[0] else str(self.page_size),
            "page": "" if self.page == 1 else str(self.page),
        }
        params.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def filtered(self) -> bool:
        return self.filters != queries.CaseFilters()


def _date(value: str | None, problems: list[str], message: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(message)
        return None


def _card(value: str | None, problems: list[str], message: str) -> str:
    value = (value or "").strip()
    if value and value not in CARDS:
        problems.append(message)
        return ""
    return value


def _due(value: str | None, problems: list[str], message: str) -> str:
    value = (value or "").strip()
    if value and value not in DEADLINE_FILTERS:
        problems.append(message)
        return ""
    return value


# The deadline buckets the list filters on ("no deadline set" is not a filter).
DEADLINE_FILTERS = tuple(labels.DEADLINE_FILTERS)


def list_view(request: Request) -> ListView:
    """The filters, sort and page in the URL; values that make no sense are dropped
    and said so on the page."""
    _ = gettext_for(request)
    q = request.query_params
    problems: list[str] = []
    unit = (q.get("unit") or "").strip()
    if unit and not unit.isdigit():
        problems.append(_("The unit code must be digits; the unit filter was ignored."))
        unit = ""
    filters = queries.CaseFilters(
        status=(q.get("status") or "").strip()[:40],
        kind=(q.get("kind") or "").strip()[:40],
        category=(q.get("category") or "").strip()[:100],
        unit=unit[:15],
        handler=(q.get("handler") or "").strip()[:100],
        submitted_from=_date(
            q.get("from"), problems, _("The start date is not a date; it was ignored.")
        ),
        submitted_to=_date(q.get("to"), problems, _("The end date is not a date; it was ignored.")),
        text=(q.get("q") or "").strip()[:100],
        card=_card(q.get("card"), problems, _("The card must be yellow or red; it was ignored.")),
        due=_due(
            q.get("due"), problems, _("That deadline is not one of the choices; it was ignored.")
        ),
    )
    if filters.due:
        # The bucket's range at the time of asking, in working days as "my work" counts.
        now = runtime_of(request).clock.now()
        window = agenda.bucket_window(filters.due, now, working_calendar())
        filters = replace(filters, due_window=window)
    sort = q.get("sort") or queries.DEFAULT_SORT
    if sort not in queries.SORTS:
        sort = queries.DEFAULT_SORT
    try:
        page = max(1, min(int(q.get("page") or 1), 10_000))
    except ValueError:
        page = 1
    try:
        size = int(q.get("size") or queries.PAGE_SIZES[0])
    except ValueError:
        size = queries.PAGE_SIZES[0]
    if size not in queries.PAGE_SIZES:
        size = queries.PAGE_SIZES[0]
    return ListView(filters, sort, page, size, problems)


@router.get("/")
async def case_list(request: Request) -> Response:
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    view = list_view(request)
    async with runtime_of(request).uow() as uow:
        page = await queries.list_cases(
            uow.connection,
            session.principal,
            view.filters,
            sort=view.sort,
            page=view.page,
            page_size=view.page_size,
        )
        facets = await queries.facets(uow.connection, session.principal)
        clocks = await clocks_of(uow.connection, [row.case_id for row in page.rows])
        colleagues = await queries.colleagues(uow.connection, session.principal.unit_codes)
    context = {
        "colleagues": colleagues,
        "bulk_key": uuid.uuid4().hex,
        "max_bulk": MAX_BULK,
        "view": view,
        "page": page,
        "facets": facets,
        "page_sizes": queries.PAGE_SIZES,
        "cards": {case_id: case_card(held) for case_id, held in clocks.items()},
    }
    partial = (
        request.headers.get("hx-request")
        and request.headers.get("hx-target") == "results"
        and not request.headers.get("hx-history-restore-request")
    )
    if partial:
        response = render(request, "_results.html", context)
    else:
        context["me"] = await signed_in_person(request, session)
        context["current"] = "cases"
        response = render(request, "cases.html", context)
    return with_renewed_tokens(request, session, response)


@router.get("/export.csv")
async def export_csv(request: Request) -> Response:
    """The filtered list as CSV (UTF-8 with a byte-order mark, so spreadsheet programs
    used in China read the Chinese text correctly)."""
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    view = list_view(request)
    _ = gettext_for(request)
    async with runtime_of(request).uow() as uow:
        rows, cut = await queries.export_cases(
            uow.connection, session.principal, view.filters, sort=view.sort
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Case number"),
            _("Kind"),
            _("Category"),
            _("Title"),
            _("Status"),
            _("Unit"),
            _("Handler"),
            _("Submitted"),
            _("Assigned"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.case_number or "",
                _(labels.KINDS[row.kind]) if row.kind in labels.KINDS else row.kind or "",
                row.category or "",
                _csv_text(row.title or ""),
                _(labels.STATUSES[row.status]) if row.status in labels.STATUSES else row.status,
                row.unit_name or row.unit_code or "",
                row.assignee_name or row.assignee_id or "",
                local_time(row.submitted_at),
                local_time(row.assigned_at),
            ]
        )
    stamp = datetime.now(queries.LOCAL_TIME).strftime("%Y%m%d-%H%M")
    response = Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="cases-{stamp}.csv"',
            "Cache-Control": "no-store",
            "X-Export-Truncated": "true" if cut else "false",
        },
    )
    return with_renewed_tokens(request, session, response)


def _csv_text(value: str) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with a quote (CSV
    injection: titles are typed by the public)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@functools.cache
def working_calendar() -> WorkingCalendar:
    """China's working days as shipped (``shared/calendars/``), read once: "my work"'s
    deadline buckets count in them. Escalation owns the calendar (a district's
    corrections are imported there); a corrected year reaches these buckets with the
    next release of the files."""
    return WorkingCalendar.load()


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(queries.LOCAL_TIME).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- supervisors' overview ----------------------------------------------------------------


@dataclass(frozen=True)
class UnitCounts:
    unit: Unit
    by_status: dict[str, int]
    open_cases: int
    total: int


@router.get("/overview")
async def overview(request: Request) -> Response:
    """Counts by status for every unit directly below the caller's, each linking to the
    filtered list, and the grids coloured by open cases."""
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    me = await signed_in_person(request, session)
    if not me.supervisor:
        return with_renewed_tokens(
            request, session, render(request, "not_found.html", {"me": me}, status_code=404)
        )
    root = session.principal.unit_codes[0] if session.principal.unit_codes else ""
    try:
        units = await routing_client(request).units(
            session.access_token, under=root, with_boundary=True
        )
    except RoutingUnavailable:
        return with_renewed_tokens(request, session, _unavailable(request))
    async with runtime_of(request).uow() as uow:
        counts = await queries.status_counts_by_unit(uow.connection, session.principal)
    children = [u for u in units if (u.parent_code == root if root else u.parent_code is None)]
    statuses = [s for s in labels.STATUSES if any(c.status == s for c in counts)] + sorted(
        {c.status for c in counts} - set(labels.STATUSES)
    )
    rows = []
    for child in children:
        by_status: dict[str, int] = {}
        for c in counts:
            if c.unit_code and c.unit_code.startswith(child.code):
                by_status[c.status] = by_status.get(c.status, 0) + c.count
        open_cases = sum(n for s, n in by_status.items() if s not in labels.FINISHED_STATUSES)
        rows.append(UnitCounts(child, by_status, open_cases, sum(by_status.values())))
    at_root = sum(c.count for c in counts if c.unit_code == root) if root else 0
    unplaced = sum(c.count for c in counts if not c.unit_code)
    open_by_unit: dict[str, int] = {}
    for c in counts:
        if c.unit_code and c.status not in labels.FINISHED_STATUSES:
            open_by_unit[c.unit_code] = open_by_unit.get(c.unit_code, 0) + c.count
    picture = grid_map.draw(
        (u.code, u.name, u.boundary, open_by_unit.get(u.code, 0))
        for u in units
        if u.level == "grid"
    )
    root_unit = next((u for u in units if u.code == root), None)
    response = render(
        request,
        "overview.html",
        {
            "me": me,
            "current": "overview",
            "root": root_unit,
            "rows": rows,
            "statuses": statuses,
            "at_root": at_root,
            "unplaced": unplaced,
            "total": sum(c.count for c in counts),
            "picture": picture,
            "buckets": grid_map.BUCKETS,
        },
    )
    return with_renewed_tokens(request, session, response)


# --- static files ------------------------------------------------------------------------


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    """The app's own CSS and JS (content-hashed URLs: cached a year)."""
    return _static(STATIC / name)


@router.get("/static/vendor/{name}")
async def vendored_file(name: str) -> Response:
    """htmx and its SSE extension, with their versions and licences."""
    return _static(STATIC / "vendor" / name)


def _static(path: Path) -> Response:
    path = path.resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        return Response(status_code=404)
    media_type = mimetypes.guess_type(path.name)[0] or "text/plain"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    return Response(
        path.read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
