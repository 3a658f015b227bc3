"""Generated contracts stay in step with the code: AsyncAPI and deploy manifests (Grafana
and Prometheus in test_oversight_contracts.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from shared.events.catalog import all_payloads, asyncapi_document, topic_of
from shared.events.topics import ALL

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"intake", "routing", "mediation", "escalation"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_committed_asyncapi_document_is_the_generated_one() -> None:
    committed = json.loads((ROOT / "deploy" / "asyncapi.json").read_text(encoding="utf-8"))
    assert committed == asyncapi_document(), "run `gridcase asyncapi` and commit the result"


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    document = asyncapi_document()
    refs = _refs(document)
    assert len(refs) > 10
    for ref in refs:
        assert _resolve(document, ref) is not None, ref


def test_event_types_are_versioned_owned_and_on_a_known_topic() -> None:
    types = [p.event_type for p in all_payloads()]
    assert len(types) == len(set(types)), "an event type is defined twice"
    for payload in all_payloads():
        assert re.fullmatch(r"cn\.gridcase\.[a-z]+\.[a-z-]+\.v\d+", payload.event_type)
        assert payload.producer in SERVICES
        assert topic_of(payload) in ALL


def test_deploy_manifests_parse_and_name_the_four_services() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    assert set(compose["services"]) >= SERVICES
    assert {"kafka", "postgres", "prometheus", "grafana", "migrate"} <= set(compose["services"])
    manifests = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "services.yaml").read_text()))
    deployments = {m["metadata"]["name"] for m in manifests if m["kind"] == "Deployment"}
    assert deployments == SERVICES
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = [
        t
        for c in prometheus["scrape_configs"]
        if c["job_name"] == "gridcase"
        for s in c["static_configs"]
        for t in s["targets"]
    ]
    assert {t.split(":")[0] for t in targets} == SERVICES
