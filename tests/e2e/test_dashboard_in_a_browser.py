"""The dashboard works in a real browser under its Content-Security-Policy.

Headless Chromium loads the page from a real HTTP server; its script (a file, since the
policy allows no inline script) must run: it writes 请先登录 ("sign in first") before
anyone has signed in. Chromium logs every resource the policy refuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil

import pytest
import uvicorn

from gridcase.devstack.ports import free_port, wait_for_port
from gridcase.services import BY_NAME
from shared.settings import GridcaseSettings

pytestmark = pytest.mark.integration


async def test_the_dashboard_script_runs_and_nothing_is_refused() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is installed by scripts/install-system-packages.sh"
    settings = GridcaseSettings(
        database_url="postgresql://nobody@127.0.0.1:1/none", kafka_bootstrap_servers="127.0.0.1:1"
    )
    app = BY_NAME["mediation"].build_app(
        BY_NAME["mediation"].build_runtime(settings), manage_lifecycle=False
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        assert await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 30)
        chromium = await asyncio.create_subprocess_exec(
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--virtual-time-budget=3000",
            "--dump-dom",
            f"http://127.0.0.1:{port}/",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        dom, log = await asyncio.wait_for(chromium.communicate(), timeout=60)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
    page = dom.decode()
    assert 'id="summary">请先登录<' in page, page[-2000:]
    assert "Refused to" not in log.decode(), log.decode()[-2000:]
