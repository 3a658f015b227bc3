"""Every route of every service × every role: allowed or refused, as declared.

The expected policy of each route is written out below. A route the apps have but the
table lacks (a new endpoint without a policy) fails ``test_every_route_has_its_policy``;
``test_every_role_on_every_route`` then calls each route as each role and checks the
answer: 401 without a token, 403 for a role the route does not allow, anything else
(200, 404, 422 …) when it does.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from gridcase.services import BY_NAME, SERVICES
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import mint_token
from tests.harness import Stack

STAFF = roles.STAFF
OPS_ADMIN = roles.OPERATORS | {roles.ADMIN}
ADMIN = frozenset({roles.ADMIN})
PUBLIC = "public"
CLIENT_READ = "cases:read"

# (service, METHOD, path) → the roles allowed ("public": no token needed), and the
# client scopes allowed.
EXPECTED: dict[tuple[str, str, str], tuple[Any, frozenset[str]]] = {
    **{
        (svc, "GET", path): (PUBLIC, frozenset())
        for svc in ("intake", "routing", "mediation", "escalation")
        for path in ("/healthz", "/readyz", "/metrics")
    },
    ("intake", "POST", "/reports"): (OPS_ADMIN, frozenset({roles.SCOPE_REPORTS})),
    ("intake", "GET", "/reports/{case_id}"): (STAFF, frozenset({CLIENT_READ})),
    # Written out, not roles.SEES_FULL_PERSONAL_DATA: widening that set must fail here.
    ("intake", "GET", "/reports/{case_id}/parties/full"): (
        frozenset({roles.MEDIATOR, roles.COMMUNITY_POLICE, roles.LEGAL_ADVISER}),
        frozenset(),
    ),
    ("intake", "GET", "/categories"): (PUBLIC, frozenset()),
    # The category dictionary is system-wide: no unit's centre holds all of it.
    ("intake", "PUT", "/categories/{kind}/{code}"): (ADMIN, frozenset()),
    ("intake", "POST", "/attachments"): (PUBLIC, frozenset()),
    ("intake", "GET", "/attachments/{digest}"): (STAFF, frozenset({CLIENT_READ})),
    ("intake", "POST", "/mobile/v1/reports"): (frozenset({roles.GRID_OFFICER}), frozenset()),
    ("intake", "POST", "/mobile/v1/diary"): (frozenset({roles.GRID_OFFICER}), frozenset()),
    ("intake", "POST", "/mobile/v1/diary/{entry_id}/promote"): (
        frozenset({roles.GRID_OFFICER}),
        frozenset(),
    ),
    ("intake", "POST", "/mobile/v1/sync"): (frozenset({roles.GRID_OFFICER}), frozenset()),
    ("intake", "GET", "/mobile/v1/todo"): (STAFF, frozenset()),
    ("intake", "GET", "/mobile/v1/done"): (STAFF, frozenset()),
    ("intake", "GET", "/mobile/v1/diary"): (frozenset({roles.GRID_OFFICER}), frozenset()),
    ("intake", "GET", "/mobile/v1/screening"): (frozenset({roles.GRID_OFFICER}), frozenset()),
    ("intake", "POST", "/mobile/v1/screening/{task_id}/return"): (
        frozenset({roles.GRID_OFFICER}),
        frozenset(),
    ),
    ("intake", "POST", "/public/reports"): (PUBLIC, frozenset()),
    ("intake", "GET", "/public/track/{token}"): (PUBLIC, frozenset()),
    ("intake", "POST", "/public/track/{token}/rating"): (PUBLIC, frozenset()),
    **{
        ("intake", "GET", f"/open311/v2{p}"): (PUBLIC, frozenset())
        for p in (
            "/discovery.{fmt}",
            "/services.{fmt}",
            "/services/{service_code}.{fmt}",
            "/tokens/{token}.{fmt}",
            "/requests.{fmt}",
            "/requests/{service_request_id}.{fmt}",
        )
    },
    ("intake", "POST", "/open311/v2/requests.{fmt}"): (PUBLIC, frozenset()),
    ("routing", "GET", "/cases/{case_id}/routing"): (STAFF, frozenset({CLIENT_READ})),
    ("routing", "POST", "/cases/{case_id}/routing/rejection"): (
        roles.HANDLERS | roles.OPERATORS | {roles.GRID_OFFICER, roles.ADMIN},
        frozenset(),
    ),
    ("routing", "POST", "/cases/{case_id}/routing/recusal"): (
        roles.HANDLERS | OPS_ADMIN,
        frozenset(),
    ),
    # 上报 by whoever holds the case (a grid officer, a committee's member) or a centre.
    ("routing", "POST", "/cases/{case_id}/routing/escalation"): (
        roles.HANDLERS | OPS_ADMIN | {roles.GRID_OFFICER},
        frozenset(),
    ),
    # 交办 by a centre over the case.
    ("routing", "POST", "/cases/{case_id}/routing/hand-down"): (OPS_ADMIN, frozenset()),
    **{
        ("routing", m, p): (ADMIN, frozenset())
        for m, p in (
            ("POST", "/admin/registry/units/import"),
            ("GET", "/admin/registry/units/export"),
            ("DELETE", "/admin/registry/units/{code}"),
            ("POST", "/admin/registry/staff/import"),
            ("PUT", "/admin/registry/staff/{staff_id}"),
            ("DELETE", "/admin/registry/staff/{staff_id}"),
            ("GET", "/admin/registry/coverage"),
            ("GET", "/admin/routing-policy"),
            ("GET", "/admin/routing-policy/versions"),
            ("PUT", "/admin/routing-policy"),
        )
    },
    ("routing", "GET", "/units"): (STAFF, frozenset({CLIENT_READ})),
    ("routing", "GET", "/units/{code}"): (STAFF, frozenset({CLIENT_READ})),
    ("routing", "GET", "/locate"): (STAFF, frozenset({CLIENT_READ})),
    ("routing", "GET", "/staff"): (OPS_ADMIN, frozenset()),
    **{
        ("routing", "POST", f"/auth/{p}"): (PUBLIC, frozenset())
        for p in ("login", "refresh", "logout", "token")
    },
    # The web app: public to bearer tokens; its pages read the session cookies and
    # send anyone without a usable session to sign in.
    **{
        ("mediation", m, p): (PUBLIC, frozenset())
        for m, p in (
            ("GET", "/"),
            ("GET", "/login"),
            ("POST", "/login"),
            ("POST", "/logout"),
            ("POST", "/language"),
            ("GET", "/export.csv"),
            ("GET", "/case/{case_id}"),
            ("POST", "/case/{case_id}/steps/{slug}"),
            ("POST", "/case/{case_id}/note"),
            ("POST", "/case/{case_id}/handover"),
            ("POST", "/cases/bulk"),
            ("GET", "/case/{case_id}/agreement.pdf"),
            ("GET", "/case/{case_id}/agreement/print"),
            ("GET", "/case/{case_id}/sessions/{n}/record.pdf"),
            ("GET", "/case/{case_id}/file.pdf"),
            ("GET", "/my-work"),
            ("GET", "/overview"),
            ("GET", "/reports"),
            ("GET", "/reports/{unit_code}/{month}/export.{fmt}"),
            ("GET", "/live"),
            ("GET", "/static/{name}"),
            ("GET", "/static/vendor/{name}"),
        )
    },
    ("mediation", "GET", "/cases"): (STAFF, frozenset({CLIENT_READ})),
    ("mediation", "GET", "/cases/{case_id}"): (STAFF, frozenset({CLIENT_READ})),
    # Case work: the case's handlers write (the rest of the rule is in the query);
    # supervisors above read; the full file only for those who contact the parties.
    **{
        ("mediation", "POST", f"/cases/{{case_id}}/{step}"): (roles.HANDLERS, frozenset())
        for step in (
            "acceptance",
            "declination",
            "mediator-refusal",
            "mediator-choice",
            "sessions/schedule",
            "sessions",
            "investigations",
            "agreement",
            "agreement/review",
            "agreement/party-signatures",
            "agreement/mediator-signature",
            "agreement/seal",
            "oral-agreement",
            "judicial-confirmation/application",
            "judicial-confirmation/decision",
            "follow-ups/schedule",
            "performance",
            "follow-ups",
            "termination",
            "police-referral",
            "time-limit-extension",
            "closing",
            "archive",
        )
    },
    # Situation reports: grid officers handle and verify, centre operators act, verify
    # and close (which report is theirs is decided in the query).
    **{
        ("mediation", "POST", f"/cases/{{case_id}}/handling/{step}"): (
            roles.OPERATORS | {roles.GRID_OFFICER},
            frozenset(),
        )
        for step in (
            "acceptance",
            "actions",
            "feedback",
            "verification",
            "return",
            "handover",
            "closing",
        )
    },
    # Grid officers read the files of reports they hold, made or that lie in their grid.
    ("mediation", "GET", "/cases/{case_id}/file"): (
        roles.HANDLERS | OPS_ADMIN | {roles.GRID_OFFICER},
        frozenset(),
    ),
    ("mediation", "GET", "/cases/{case_id}/timeline"): (
        roles.HANDLERS | OPS_ADMIN | {roles.GRID_OFFICER},
        frozenset(),
    ),
    ("mediation", "GET", "/cases/{case_id}/file/full"): (
        frozenset({roles.MEDIATOR, roles.COMMUNITY_POLICE, roles.LEGAL_ADVISER}),
        frozenset(),
    ),
    # Printed documents carry the parties' full details (art. 29): the same people.
    **{
        ("mediation", "GET", f"/cases/{{case_id}}/{document}"): (
            frozenset({roles.MEDIATOR, roles.COMMUNITY_POLICE, roles.LEGAL_ADVISER}),
            frozenset(),
        )
        for document in (
            "agreement.pdf",
            "agreement/print",
            "sessions/{n}/record.pdf",
            "file.pdf",
        )
    },
    ("escalation", "GET", "/cases/{case_id}/clocks"): (STAFF, frozenset({CLIENT_READ})),
    # Limits and the calendar are district-wide: every staff member reads them, the
    # district centre (and admin) changes them.
    ("escalation", "GET", "/time-limits"): (STAFF, frozenset()),
    ("escalation", "GET", "/time-limits/{category}/{level}/{risk}/{stage}"): (STAFF, frozenset()),
    ("escalation", "PUT", "/time-limits/{category}/{level}/{risk}/{stage}"): (
        frozenset({roles.DISTRICT_OPERATOR, roles.ADMIN}),
        frozenset(),
    ),
    ("escalation", "GET", "/time-limits/{category}/{level}/{risk}/{stage}/changes"): (
        frozenset({roles.DISTRICT_OPERATOR, roles.ADMIN}),
        frozenset(),
    ),
    # The rates of a unit and the units below it, within the caller's jurisdiction.
    ("escalation", "GET", "/rates"): (STAFF, frozenset({CLIENT_READ})),
    ("escalation", "GET", "/calendar"): (STAFF, frozenset()),
    ("escalation", "GET", "/calendar/{year}"): (STAFF, frozenset()),
    ("escalation", "PUT", "/calendar/{year}"): (
        frozenset({roles.DISTRICT_OPERATOR, roles.ADMIN}),
        frozenset(),
    ),
    # Extensions and pauses: the handler asks (checked against the clock, 403 otherwise),
    # an operator above the clock's unit decides; supervision by operators above the
    # case's unit, answered by its handler.
    ("escalation", "POST", "/cases/{case_id}/extensions"): (STAFF, frozenset()),
    ("escalation", "GET", "/cases/{case_id}/extensions"): (STAFF, frozenset()),
    ("escalation", "POST", "/cases/{case_id}/extensions/{extension_id}/decision"): (
        roles.OPERATORS,
        frozenset(),
    ),
    ("escalation", "POST", "/cases/{case_id}/clocks/{stage}/pause"): (STAFF, frozenset()),
    ("escalation", "POST", "/cases/{case_id}/clocks/{stage}/resume"): (STAFF, frozenset()),
    ("escalation", "POST", "/cases/{case_id}/supervisions"): (roles.OPERATORS, frozenset()),
    ("escalation", "GET", "/cases/{case_id}/supervisions"): (STAFF, frozenset()),
    ("escalation", "POST", "/cases/{case_id}/supervisions/{supervision_id}/answer"): (
        STAFF,
        frozenset(),
    ),
    ("escalation", "POST", "/cases/{case_id}/supervisions/{supervision_id}/cancellation"): (
        roles.OPERATORS,
        frozenset(),
    ),
    ("escalation", "GET", "/supervision/deductions"): (OPS_ADMIN, frozenset()),
    # Meetings (例会): the centre operators of the unit and above (the unit's code prefix).
    **{
        ("escalation", method, path): (OPS_ADMIN, frozenset())
        for method, path in (
            ("GET", "/meetings"),
            ("POST", "/meetings"),
            ("GET", "/meetings/{meeting_id}"),
            ("POST", "/meetings/{meeting_id}/attendance"),
            ("POST", "/meetings/{meeting_id}/decisions"),
            ("POST", "/meetings/{meeting_id}/minutes"),
            ("GET", "/meetings/{meeting_id}/minutes.pdf"),
        )
    },
    # The monthly report (月报告): the centres of each level read, submit and decide
    # (jurisdiction and "the level above" are checked inside).
    **{
        ("escalation", method, "/monthly-reports/{unit_code}/{month}" + tail): (
            OPS_ADMIN,
            frozenset(),
        )
        for method, tail in (
            ("GET", ""),
            ("GET", "/export.{fmt}"),
            ("POST", "/submit"),
            ("POST", "/accept"),
            ("POST", "/return"),
        )
    },
}
# FastAPI's own documentation routes.
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
PATH_VALUES = {"kind": "report", "fmt": "json", "n": "1", "year": "2026"}
ANONYMOUS = "anonymous"
OPEN311_POST = ("intake", "POST", "/open311/v2/requests.{fmt}")


def _policy(route: RouteContext) -> Access | None:
    """The ``Access`` a route depends on, wherever in its dependency tree."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Access):
            return dependency.call
        pending.extend(dependency.dependencies)
    return None


def _apps(stack: Stack) -> dict[str, FastAPI]:
    return {
        s.name: BY_NAME[s.name].build_app(stack.runtime(s.name), manage_lifecycle=False)
        for s in SERVICES
    }


def _routes(app: FastAPI) -> list[tuple[str, str, RouteContext]]:
    """Every (method, path) the app answers, as FastAPI resolves included routers."""
    out = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            assert route.path is not None and route.methods is not None
            for method in sorted(route.methods - {"HEAD"}):
                out.append((method, route.path, route))
        else:
            assert route.path in DOCS, f"unexpected route {route.path}"
    return out


async def test_every_route_has_its_policy(stack: Stack) -> None:
    declared: dict[tuple[str, str, str], tuple[Any, frozenset[str]]] = {}
    for name, app in _apps(stack).items():
        for method, path, route in _routes(app):
            access = _policy(route)
            assert access is not None, f"{name} {method} {path} has no access policy"
            declared[(name, method, path)] = (
                (PUBLIC if access.public else access.roles),
                access.scopes,
            )
    assert set(declared) == set(EXPECTED), (
        f"routes without an expected policy: {set(declared) - set(EXPECTED)}; "
        f"expected routes that are gone: {set(EXPECTED) - set(declared)}"
    )
    for key, policy in EXPECTED.items():
        assert declared[key] == policy, key


def _headers(stack: Stack, who: str) -> dict[str, str]:
    if who == ANONYMOUS:
        return {}
    if who == roles.CLIENT:
        token = mint_token(
            stack.settings.secret_key,
            "client:test",
            roles.CLIENT,
            ["451102"],
            scopes=sorted(roles.SCOPES),
        )
        return {"Authorization": f"Bearer {token}"}
    return stack.headers(who)


async def test_every_role_on_every_route(stack: Stack) -> None:
    await stack.start(consumers=False, relay=False)
    principals = [ANONYMOUS, *sorted(roles.ALL_TOKEN_ROLES)]
    pairs = 0
    wrong: list[str] = []
    for name, app in _apps(stack).items():
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
        ) as client:
            for method, path, route in _routes(app):
                allowed, scopes = EXPECTED[(name, method, path)]
                url = path.format(**{p: PATH_VALUES.get(p, "zz") for p in route.param_convertors})
                for who in principals:
                    body: dict[str, Any] = {"json": {}} if method in ("POST", "PUT") else {}
                    if (name, method, path) == OPEN311_POST:
                        # Open311's credential is the api_key form field, not a header:
                        # a client sends its scoped token there; a staff token is no key.
                        token = _headers(stack, who).get("Authorization", " ").split(" ")[1]
                        body = {"data": {"api_key": token}}
                    response = await client.request(
                        method, url, headers=_headers(stack, who), **body
                    )
                    pairs += 1
                    status = response.status_code
                    if (name, method, path) == OPEN311_POST:
                        ok = (status not in (401, 403)) if who == roles.CLIENT else status == 403
                    elif allowed == PUBLIC:
                        ok = status not in (401, 403)
                    elif who == ANONYMOUS:
                        ok = status == 401
                    elif who == roles.CLIENT:
                        ok = (status not in (401, 403)) if scopes else status == 403
                    else:
                        ok = (status not in (401, 403)) if who in allowed else status == 403
                    if not ok:
                        wrong.append(
                            f"{name} {method} {path} as {who}: {status} {response.text[:120]}"
                        )
    assert not wrong, "\n".join(wrong)
    # Every route × (anonymous + each token role): printed for the record.
    print(f"role × endpoint matrix: {pairs} pairs")
    assert pairs == len(EXPECTED) * len(principals)


# Jurisdiction on the routes that change a case: a case in grid G2 of the small demo
# (routed to its officer go-002), called by each kind of caller. Roles alone are
# checked above; here the caller's relation to the case decides.
G2 = "451102001001002"
G2_POINT = (111.5675, 24.4125)
HOLDER = "go-002"
CALLERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (role, staff id, units)
    "holder": (roles.GRID_OFFICER, HOLDER, (G2,)),
    # A second officer of the same grid who reported the case but does not hold it.
    "reporter": (roles.GRID_OFFICER, "go-002-reporter", (G2,)),
    "other-grid officer": (roles.GRID_OFFICER, "go-001", ("451102001001001",)),
    "community operator": (roles.COMMUNITY_OPERATOR, "op-community", ("451102001001",)),
    "street operator": (roles.STREET_OPERATOR, "op-street", ("451102001",)),
    "district operator": (roles.DISTRICT_OPERATOR, "op-district", ("451102",)),
    "other street operator": (roles.STREET_OPERATOR, "op-street-2", ("451102002",)),
    "admin": (roles.ADMIN, "admin", ()),
    "community mediator": (roles.MEDIATOR, "med-1", ("451102001001",)),
    "community police": (roles.COMMUNITY_POLICE, "pol-1", ("451102001001",)),
    "legal adviser": (roles.LEGAL_ADVISER, "law-1", ("451102001001",)),
}
IN_AREA_OPERATORS = ("community operator", "street operator", "district operator", "admin")
HANDLERS_OF_COMMUNITY = ("community mediator", "community police", "legal adviser")
# endpoint → caller → expected status. 404: the case is outside what the caller may
# see; 403: the caller may see it but may not do this; 409: a rule of the case refuses.
CASE_CHANGES: dict[str, dict[str, int]] = {
    "rejection": {
        "holder": 201,
        "reporter": 409,  # only the current handler sends a case back
        "other-grid officer": 404,
        **dict.fromkeys(IN_AREA_OPERATORS, 201),
        "other street operator": 404,
        **dict.fromkeys(HANDLERS_OF_COMMUNITY, 404),
    },
    "recusal": {
        **dict.fromkeys(("holder", "reporter", "other-grid officer"), 403),
        **dict.fromkeys(IN_AREA_OPERATORS, 201),
        "other street operator": 404,
        **dict.fromkeys(HANDLERS_OF_COMMUNITY, 404),
    },
    "escalation": {
        "holder": 201,  # 上报 by the handler (DOMAIN: a unit reports a case up)
        "reporter": 403,  # reporting a case gives no right to move it
        "other-grid officer": 404,
        **dict.fromkeys(IN_AREA_OPERATORS, 201),
        "other street operator": 404,
        # A committee's people report their own cases up; a grid's case is not theirs.
        **dict.fromkeys(HANDLERS_OF_COMMUNITY, 404),
    },
}


async def _routed_case(stack: Stack) -> str:
    from services.routing.service_layer import handlers
    from shared.events.intake import CaseSubmittedV1
    from shared.messaging.received import Received
    from tests.integration.routing.cases import submitted

    event = submitted(point=G2_POINT)
    async with stack.runtime("routing").uow() as uow:
        await handlers.assign_submitted_cases(
            uow, [Received.read(CaseSubmittedV1, event)], handlers.RoutingCache()
        )
        await uow.commit()
    return str(event.data["case_id"])


async def test_case_changes_need_the_case_in_hand_or_in_jurisdiction(stack: Stack) -> None:
    """Rejection, recusal and escalation, each by every kind of caller, each on a fresh
    case routed to its grid's officer (a success changes the case)."""
    await stack.start("routing", consumers=False, relay=False)
    routing = stack.client("routing")
    wrong: list[str] = []
    for endpoint, expected in CASE_CHANGES.items():
        assert set(expected) == set(CALLERS), endpoint
        for caller, status in expected.items():
            role, staff_id, units = CALLERS[caller]
            case_id = await _routed_case(stack)
            body: dict[str, str] = {"reason": "测试"}
            if endpoint == "rejection":
                own = role not in roles.OPERATORS | {roles.ADMIN}
                body["staff_id"] = staff_id if own else HOLDER
            elif endpoint == "recusal":
                body["staff_id"] = HOLDER
            response = await routing.post(
                f"/cases/{case_id}/routing/{endpoint}",
                json=body,
                headers={
                    **stack.headers(role, staff_id, units),
                    "Idempotency-Key": f"matrix-{endpoint}-{caller}",
                },
            )
            if response.status_code != status:
                wrong.append(
                    f"{endpoint} as {caller}: {response.status_code} (expected {status}) "
                    f"{response.text[:120]}"
                )
    assert not wrong, "\n".join(wrong)
