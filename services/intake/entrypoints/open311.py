"""Open311 GeoReport v2 at ``/open311/v2``, in JSON and XML (``.json`` / ``.xml``).

Follows http://wiki.open311.org/GeoReport_v2: services (the report classes, with their
subtypes as a ``singlevaluelist`` attribute), POST requests with an ``api_key``,
tokens, GET requests with ``service_request_id``, ``service_code``, ``start_date``,
``end_date`` and ``status`` filters, and the spec's error list. ``service_request_id``
is the case number; ``expected_datetime`` is the submission time plus the category's
response time from the dictionary. Coordinates are WGS84, as the spec says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.intake.adapters import queries
from services.intake.domain.categories import Category
from services.intake.domain.commands import Reporter
from services.intake.domain.phones import normalise_phone
from services.intake.domain.progress import Progress, next_deadline, state_label
from services.intake.entrypoints import key_owners
from services.intake.entrypoints.schemas import SubmissionIn
from services.intake.entrypoints.submitting import dump, submit
from services.intake.entrypoints.support import (
    config_of,
    idempotency_claim,
    reference_cache,
    runtime_of,
    uow_for,
)
from services.intake.service_layer.accepting import tracking_hash
from shared.auth import roles
from shared.auth.policy import PUBLIC, Access
from shared.auth.tokens import InvalidToken, verify_token
from shared.http.problems import Problem, prefers_chinese
from shared.privacy.free_text import mask_optional, mask_text

# Reads are public, as in GeoReport v2; POST checks its api_key itself and is audited.
# The spec's answers: its own error list (not problem details), JSON or XML by ``fmt``.
OPEN311_ERRORS = {
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "description"],
                    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                },
            }
        },
        "text/xml": {"schema": {"type": "string"}},
    }
}
router = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    responses={
        200: {"content": {"text/xml": {"schema": {"type": "string"}}}},
        400: {"description": "Invalid request or unsupported format", **OPEN311_ERRORS},
        404: {"description": "Unknown service, request or token", **OPEN311_ERRORS},
    },
)
# Documented as the two formats the spec has; any other answers the spec's 400.
FMT = Path(description="json or xml", json_schema_extra={"enum": ["json", "xml"]})
CREATE = Access(public=True, audit=True)

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SUBTYPE = "subtype"


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(400, "Unsupported format; use .json or .xml")
    return fmt


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        child_name = {
            "attributes": "attribute",
            "values": "value",
            "formats": "format",
            "endpoints": "endpoint",
            "keywords": "keyword",
        }.get(name, "item")
        for item in value:
            if isinstance(item, dict):
                child = ET.SubElement(element, child_name)
                for k, v in item.items():
                    _xml_value(child, k, v)
            else:
                ET.SubElement(element, child_name).text = _text(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(element, k, v)
    else:
        element.text = _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(fmt: str, root: str, item: str | None, payload: Any, status: int = 200) -> Response:
    """JSON as the spec shows it; XML with the spec's element names."""
    if fmt == "json":
        import orjson

        return Response(orjson.dumps(payload), status_code=status, media_type=FORMATS["json"])
    element = ET.Element(root)
    if item is None:
        for k, v in payload.items():
            _xml_value(element, k, v)
    else:
        for entry in payload:
            child = ET.SubElement(element, item)
            for k, v in entry.items():
                _xml_value(child, k, v)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return Response(body, status_code=status, media_type=FORMATS["xml"])


def error_response(fmt: str, status: int, description: str) -> Response:
    """The spec's error format: a list of ``{code, description}``."""
    return render(
        fmt if fmt in FORMATS else "json",
        "errors",
        "error",
        [{"code": status, "description": description}],
        status,
    )


def _fmt_of(path: str) -> str:
    return "xml" if path.endswith(".xml") else "json"


async def handle_open311_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Open311Error)
    return error_response(_fmt_of(request.url.path), exc.status, exc.description)


def _service(category: Category, chinese: bool) -> dict[str, Any]:
    return {
        "service_code": category.slug,
        "service_name": category.code if chinese else category.name_en,
        "description": f"{category.code} / {category.name_en}",
        "metadata": bool(category.subtypes),
        "type": "realtime",
        "keywords": ",".join(category.subtypes),
        "group": "城市管理",
    }


async def _categories(request: Request) -> list[Category]:
    async with uow_for(request) as uow:
        ref = await reference_cache(runtime_of(request)).get(uow)
    return [c for c in ref.categories.active("report") if c.slug]


@router.get("/discovery.{fmt}", dependencies=[Depends(PUBLIC)])
async def discovery(request: Request, fmt: str = FMT) -> Response:
    fmt = _format(fmt)
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    payload = {
        "changeset": "2026-11-23T00:00:00Z",
        "contact": "综治中心 (governance centre)",
        "key_service": "Ask the governance centre for an api_key.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-23T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", None, payload)


@router.get("/services.{fmt}", dependencies=[Depends(PUBLIC)])
async def services(request: Request, fmt: str = FMT) -> Response:
    """Service list: one service per report class of the dictionary."""
    fmt = _format(fmt)
    chinese = prefers_chinese(request)
    return render(
        fmt, "services", "service", [_service(c, chinese) for c in await _categories(request)]
    )


@router.get("/services/{service_code}.{fmt}", dependencies=[Depends(PUBLIC)])
async def service_definition(service_code: str, request: Request, fmt: str = FMT) -> Response:
    """Service definition: the subtype attribute with its allowed values."""
    fmt = _format(fmt)
    category = next((c for c in await _categories(request) if c.slug == service_code), None)
    if category is None:
        raise Open311Error(404, f"Unknown service_code: {service_code[:64]}")
    attributes = []
    if category.subtypes:
        attributes.append(
            {
                "variable": True,
                "code": SUBTYPE,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "小类 / subtype",
                "order": 1,
                "description": "小类 (subtype)",
                "values": [{"key": s, "name": s} for s in category.subtypes],
            }
        )
    return render(
        fmt, "service_definition", None, {"service_code": category.slug, "attributes": attributes}
    )


def _float(form: dict[str, str], name: str) -> float | None:
    raw = form.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


def _api_key_owner(request: Request, api_key: str | None) -> str | None:
    """Who is calling, as the owner of its Idempotency-Keys; None if the ``api_key`` is
    neither one configured for intake nor an access token with the ``open311:submit``
    scope (what routing's ``POST /auth/token`` gives a client)."""
    if not api_key:
        return None
    secret = runtime_of(request).settings.secret_key
    if api_key in config_of(runtime_of(request)).api_keys():
        return key_owners.open311_api_key(secret, api_key)
    try:
        principal = verify_token(secret, api_key)
    except InvalidToken:
        return None
    if roles.SCOPE_OPEN311 not in principal.scopes:
        return None
    request.state.principal = principal
    return key_owners.open311_client(principal)


@router.post(
    "/requests.{fmt}",
    dependencies=[Depends(CREATE)],
    responses={403: {"description": "Invalid api_key", **OPEN311_ERRORS}},
)
async def create_request(request: Request, fmt: str = FMT) -> Response:
    """Create a service request (form-encoded, as the spec says); needs an ``api_key``."""
    fmt = _format(fmt)
    try:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    except Exception:
        raise Open311Error(400, "The body is not a valid form") from None
    owner = _api_key_owner(request, form.get("api_key"))
    if owner is None:
        raise Open311Error(403, "Invalid api_key")
    code = form.get("service_code", "")
    category = next((c for c in await _categories(request) if c.slug == code), None)
    if category is None:
        raise Open311Error(404 if code else 400, "service_code is missing or unknown")
    lat, lng = _float(form, "lat"), _float(form, "long")
    if (lat is None) != (lng is None):
        raise Open311Error(400, "lat and long go together")
    if lat is None and not form.get("address_string") and not form.get("address_id"):
        raise Open311Error(400, "A location is required: lat/long, address_string or address_id")
    subtype = form.get(f"attribute[{SUBTYPE}]") or None
    description = form.get("description") or category.code
    phone = form.get("phone") or None
    if phone is not None and normalise_phone(phone) is None:
        raise Open311Error(400, "phone is not a mainland China number")
    name = " ".join(p for p in (form.get("last_name"), form.get("first_name")) if p) or None
    try:
        body = SubmissionIn.model_validate(
            {
                "kind": "report",
                "category": category.code,
                "subcategory": subtype,
                "title": (subtype or category.code)[:200],
                "description": description,
                "location": {"lat": lat, "lng": lng, "crs": "WGS84"} if lat is not None else None,
                "address": form.get("address_string") or form.get("address_id") or None,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Open311Error(400, f"Invalid {where or 'request'}: {first.get('msg')}") from None
    reporter = Reporter(
        channel="open311",
        name=name,
        phone=normalise_phone(phone) if phone else None,
        email=(form.get("email") or None),
        anonymous=True,
        device_id=form.get("device_id") or None,
    )
    claim = idempotency_claim(request, owner, dump(body))
    try:
        answer = await submit(request, body.to_command(reporter), claim)
    except Problem as problem:
        detail = "; ".join(e.en for e in problem.errors) or problem.detail_en or problem.title_en
        raise Open311Error(400 if problem.status == 422 else problem.status, detail) from None
    result = answer.body
    notice = (
        f"Linked to open request {result['case_number']}"
        if result["outcome"] == "linked"
        else "Accepted"
    )
    return render(
        fmt,
        "service_requests",
        "request",
        [
            {
                "service_request_id": result["case_number"],
                "token": result.get("tracking_token"),
                "service_notice": notice,
                "account_id": None,
            }
        ],
        status=201 if answer.status_code == 201 else 200,
    )


@router.get("/tokens/{token}.{fmt}", dependencies=[Depends(PUBLIC)])
async def token_lookup(token: str, request: Request, fmt: str = FMT) -> Response:
    """The request id behind a token (ids are assigned at once, so always known)."""
    fmt = _format(fmt)
    async with uow_for(request) as uow:
        row = await queries.by_tracking_hash(uow.connection, tracking_hash(token))
        primary = await queries.primary_of(uow.connection, row) if row is not None else None
    if row is None or primary is None:
        raise Open311Error(404, "Unknown token")
    return render(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": primary.case_number, "token": token}],
    )


def _parse_date(form: dict[str, str], name: str) -> datetime | None:
    raw = form.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _request_view(row: Any, slugs: dict[str, str]) -> dict[str, Any]:
    """A report as GeoReport v2 shows it; with case work begun, ``status_notes`` is its
    state's label and ``expected_datetime`` the procedure's next deadline."""
    work = (
        Progress(row.case_id, row.kind, row.work_state, due_at=row.work_due_at)
        if row.work_state
        else None
    )
    expected = next_deadline(work, row.submitted_at, row.response_hours)
    notes = state_label(row.kind, row.work_state) or row.status
    return {
        "service_request_id": row.case_number,
        "status": "closed" if row.status == "closed" else "open",
        "status_notes": f"并入 {row.duplicate_of}" if row.duplicate_of else notes,
        "service_name": row.category,
        "service_code": slugs.get(row.category, row.category),
        "description": mask_text(row.description),  # a public view: numbers masked
        "agency_responsible": row.unit_code,
        "service_notice": None,
        "requested_datetime": row.submitted_at.isoformat(),
        "updated_datetime": row.updated_at.isoformat(),
        "expected_datetime": expected.isoformat() if expected else None,
        "address": mask_optional(row.address),
        "address_id": None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.lng,
        "media_url": None,
    }


async def _query(request: Request, params: dict[str, str], ids: list[str] | None) -> list[Any]:
    categories = await _categories(request)
    slugs = {c.code: c.slug or c.code for c in categories}
    codes = None
    if params.get("service_code"):
        wanted = set(params["service_code"].split(","))
        codes = [c.code for c in categories if c.slug in wanted] or ["\x01none"]
    statuses = [s for s in params.get("status", "").split(",") if s]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status must be open or closed")
    start, end = _parse_date(params, "start_date"), _parse_date(params, "end_date")
    if ids is None and start is None and end is None:
        start = datetime.now(UTC) - timedelta(days=90)  # the spec's default window
    async with uow_for(request) as uow:
        rows = await queries.open311_requests(
            uow.connection,
            ids=ids,
            service_codes=codes,
            statuses=statuses or None,
            start=start,
            end=end,
        )
    return [_request_view(r, slugs) for r in rows]


@router.get("/requests.{fmt}", dependencies=[Depends(PUBLIC)])
async def list_requests(request: Request, fmt: str = FMT) -> Response:
    fmt = _format(fmt)
    params = dict(request.query_params)
    raw_ids = params.get("service_request_id")
    ids = [i for i in raw_ids.split(",") if i][:100] if raw_ids else None
    return render(fmt, "service_requests", "request", await _query(request, params, ids))


@router.get("/requests/{service_request_id}.{fmt}", dependencies=[Depends(PUBLIC)])
async def get_request(service_request_id: str, request: Request, fmt: str = FMT) -> Response:
    fmt = _format(fmt)
    found = await _query(request, {}, [service_request_id])
    if not found:
        raise Open311Error(404, "Unknown service_request_id")
    return render(fmt, "service_requests", "request", found)
