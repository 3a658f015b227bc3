"""Mediation's outbound client for escalation: the monthly report's exports (xlsx in
the official statistics table's layout, CSV, PDF), fetched server side with the user's
own access token.

Why server side: the web app's tokens live in HttpOnly cookies that page scripts never
see (``entrypoints/web/session.py``), and the browser talks to one origin only, so a
link straight to escalation could not carry the token (and would need CORS opened).
Escalation checks the caller's jurisdiction itself; this client passes its answer on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

EXPORT_FORMATS = ("xlsx", "csv", "pdf")


class EscalationUnavailable(Exception):
    """Escalation could not be reached or answered 5xx."""


class ExportRefused(Exception):
    """Escalation refused the export (403 not the caller's, 404, 422); ``status`` says which."""

    def __init__(self, status: int):
        super().__init__(str(status))
        self.status = status


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    media_type: str
    disposition: str


class EscalationClient:
    """One pooled HTTP client per mediation process (``runtime.state``)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._options: dict[str, Any] = {
            "base_url": base_url,
            "timeout": timeout_s,
            "transport": transport,
        }
        self._client: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(**self._options)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def report_export(self, token: str, unit_code: str, month: str, fmt: str) -> ExportFile:
        """``GET /monthly-reports/{unit}/{month}/export.{fmt}`` as the user."""
        try:
            response = await self._http.get(
                f"/monthly-reports/{unit_code}/{month}/export.{fmt}",
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise EscalationUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            raise EscalationUnavailable(f"escalation answered {response.status_code}")
        if response.status_code != 200:
            raise ExportRefused(response.status_code)
        return ExportFile(
            response.content,
            response.headers.get("content-type", "application/octet-stream"),
            response.headers.get(
                "content-disposition",
                f'attachment; filename="monthly-report-{unit_code}-{month}.{fmt}"',
            ),
        )
