"""Oversight as code stays in step: dashboards generated, every alert rule documented,
unit-tested and loadable, the launcher's Prometheus configuration valid."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from gridcase.prometheus_server import ScrapeTarget, prometheus_config, rule_files

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"


def dashboards_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_dashboard", ROOT / "deploy" / "grafana" / "build_dashboard.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def alert_rules() -> list[dict[str, Any]]:
    return [
        rule
        for path in rule_files(PROMETHEUS / "rules")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    ]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = heading.strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def test_committed_dashboards_are_the_generated_ones() -> None:
    module = dashboards_module()
    for name in module.DASHBOARDS:
        committed = (ROOT / "deploy" / "grafana" / "dashboards" / f"{name}.json").read_text("utf-8")
        assert committed == module.render(name), "run `make contracts` and commit the result"


def test_dashboards_have_service_and_street_variables() -> None:
    module = dashboards_module()
    operations = module.build("gridcase-operations")
    governance = module.build("gridcase-governance")
    assert "service" in {v["name"] for v in operations["templating"]["list"]}
    assert "street" in {v["name"] for v in governance["templating"]["list"]}


def test_every_alert_has_a_chinese_summary_and_a_runbook_entry_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", readme, flags=re.MULTILINE)}
    rules = alert_rules()
    assert len(rules) >= 15
    for rule in rules:
        summary = rule["annotations"]["summary"]
        assert re.search(r"[\u4e00-\u9fff]", summary), rule["alert"]
        url = rule["annotations"]["runbook_url"]
        assert url == f"README.md#{rule['alert'].lower()}", rule["alert"]
        assert url.split("#")[1] in anchors, f"README has no runbook entry for {rule['alert']}"


def test_every_alert_has_a_promtool_test_that_fires_it() -> None:
    fired: set[str] = set()
    for path in (PROMETHEUS / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    fired.add(check["alertname"])
    assert {rule["alert"] for rule in alert_rules()} <= fired


def test_the_launchers_prometheus_configuration_passes_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: bash scripts/install-system-packages.sh"
    config = prometheus_config(
        [ScrapeTarget("intake", "127.0.0.1:9101"), ScrapeTarget("routing", "127.0.0.1:8002")],
        rule_files(PROMETHEUS / "rules"),
        "127.0.0.1:9090",
    )
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    checked = subprocess.run(
        [promtool, "check", "config", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 2 rule files found" in checked.stdout
