"""Who may call a route, declared on the route itself.

Every route of every service depends on one ``Access`` (or is listed as public), so
a test can read the policy of each route from the app and prove it is enforced; a new
route without a policy fails that test (tests/integration/auth/test_matrix.py).

- no or bad token → 401; a valid token whose role or scope is not allowed → 403;
- an id outside the caller's jurisdiction → 404 (see ``shared.auth.scoping``), so that
  guessing ids does not reveal which cases exist.
"""

from __future__ import annotations

from fastapi import Request

from shared.auth.roles import CLIENT
from shared.auth.tokens import Principal, current_principal
from shared.http.openapi import ANSWERS_ATTRIBUTE
from shared.http.problems import FORBIDDEN


class Access:
    """A FastAPI dependency: the caller's principal if their role (or scope) is allowed.

    ``public=True`` routes need no token (residents, Open311 reads, health); they
    still get ``request.state.principal`` when a valid token is sent.
    """

    def __init__(
        self,
        *roles: str,
        scopes: tuple[str, ...] = (),
        public: bool = False,
        audit: bool = False,
    ):
        self.roles = frozenset(roles)
        self.scopes = frozenset(scopes)
        self.public = public
        # Audit even anonymous calls (login attempts, public submissions).
        self.audit = audit
        # What the OpenAPI document lists for routes behind it (shared.http.openapi).
        setattr(self, ANSWERS_ATTRIBUTE, () if public else (401, 403))

    def allows(self, principal: Principal) -> bool:
        if principal.role == CLIENT:
            return bool(self.scopes & set(principal.scopes))
        return principal.role in self.roles

    async def __call__(self, request: Request) -> Principal | None:
        request.state.access = self
        if self.public:
            return None
        principal = current_principal(request)
        if not self.allows(principal):
            raise FORBIDDEN(
                "Your role may not use this endpoint.",
                "您的角色无权使用此接口。",
            )
        return principal

    def __repr__(self) -> str:
        if self.public:
            return "Access(public)"
        return f"Access(roles={sorted(self.roles)}, scopes={sorted(self.scopes)})"


PUBLIC = Access(public=True)


def staff(request: Request) -> Principal:
    """The principal an ``Access`` dependency already checked (for typed handlers)."""
    principal: Principal = request.state.principal
    return principal
