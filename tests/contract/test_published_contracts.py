"""Generated contracts stay in step with the code: AsyncAPI and deploy manifests (Grafana
and Prometheus in test_oversight_contracts.py)."""

from __future__ import annotations

import copy
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from shared.events.catalog import all_payloads, asyncapi_document, discover_payloads, topic_of
from shared.events.envelope import CloudEvent
from shared.events.escalation import ScreeningReturnMissingV1
from shared.events.payload import Payload
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


def _payload_classes_under_shared_events() -> set[type[Payload]]:
    """Every published payload class, found without the catalogue: each module file under
    ``shared/events`` imported, then every ``Payload`` subclass there with its own
    ``event_type`` (so a payload the catalogue's discovery missed is still found)."""
    package = ROOT / "shared" / "events"
    for path in sorted(package.rglob("*.py")):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        importlib.import_module(dotted.removesuffix(".__init__"))

    def walk(cls: type[Payload]) -> list[type[Payload]]:
        return [c for sub in cls.__subclasses__() for c in (sub, *walk(sub))]

    return {
        c
        for c in walk(Payload)
        if "event_type" in vars(c) and c.__module__.startswith("shared.events")
    }


def missing_from_document(document: dict[str, Any], payloads: set[type[Payload]]) -> list[str]:
    """What the AsyncAPI document lacks for ``payloads``: a message named by the event
    type, on its topic's channel, with its schema and an example that a consumer reads
    as a CloudEvent of that type whose data the payload model accepts."""
    problems: list[str] = []
    messages = {m["name"]: (key, m) for key, m in document["components"]["messages"].items()}
    channels = {c["address"]: c for c in document["channels"].values()}
    for payload in sorted(payloads, key=lambda p: p.event_type):
        name = payload.__name__
        if payload.event_type not in messages:
            problems.append(f"{name}: no message for {payload.event_type}")
            continue
        key, message = messages[payload.event_type]
        channel = channels.get(topic_of(payload))
        if channel is None or key not in channel["messages"]:
            problems.append(f"{name}: not on the channel {topic_of(payload)}")
        if key not in document["components"]["schemas"]:
            problems.append(f"{name}: no schema")
        examples = message.get("examples") or []
        if not examples:
            problems.append(f"{name}: no example")
        for example in examples:
            event = CloudEvent.read(example["payload"])
            if event.type != payload.event_type:
                problems.append(f"{name}: an example of another type ({event.type})")
            try:
                payload.model_validate(event.data)
            except ValidationError as exc:
                problems.append(f"{name}: an example its model refuses: {exc}")
    return problems


def test_every_payload_class_and_topic_is_in_the_committed_document() -> None:
    """The governance centre's contract (issue 15 item 5): every channel and every
    message, each with an example."""
    committed = json.loads((ROOT / "deploy" / "asyncapi.json").read_text(encoding="utf-8"))
    classes = _payload_classes_under_shared_events()
    assert len(classes) >= 40
    assert classes == set(all_payloads()), "a payload the catalogue does not find"
    assert missing_from_document(committed, classes) == []
    assert {c["address"] for c in committed["channels"].values()} == set(ALL)
    tags = {c["address"]: [t["name"] for t in c["tags"]] for c in committed["channels"].values()}
    assert tags.pop("gridcase.case.restricted.v1") == ["restricted"]
    assert set(map(tuple, tags.values())) == {("masked",)}


def test_a_payload_left_out_of_the_document_fails_the_check() -> None:
    document = asyncapi_document()
    assert missing_from_document(document, {ScreeningReturnMissingV1}) == []
    without_example = copy.deepcopy(document)
    del without_example["components"]["messages"]["ScreeningReturnMissingV1"]["examples"]
    assert missing_from_document(without_example, {ScreeningReturnMissingV1}) == [
        "ScreeningReturnMissingV1: no example"
    ]
    del document["components"]["messages"]["ScreeningReturnMissingV1"]
    assert missing_from_document(document, {ScreeningReturnMissingV1}) == [
        "ScreeningReturnMissingV1: no message for cn.gridcase.cycle.screening-return-missing.v1"
    ]


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


def test_the_catalogue_finds_every_producer_module_by_itself() -> None:
    """Each producing service's payloads live in ``shared/events/<service>.py``; nothing
    lists them by hand."""
    by_module = {p.__module__.rsplit(".", 1)[1] for p in all_payloads()}
    assert by_module == {"intake", "routing", "mediation", "escalation"}
    for payload in all_payloads():
        assert payload.producer == payload.__module__.rsplit(".", 1)[1], payload


def test_a_new_producer_module_is_published_without_editing_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "fake_events"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("VALUE = 1\n")
    (package / "mediation.py").write_text(
        "from typing import ClassVar\n"
        "from shared.events.payload import Payload\n"
        "from shared.events.intake import CaseSubmittedV1  # imported, not defined here\n"
        "class SessionHeldV1(Payload):\n"
        "    event_type: ClassVar[str] = 'cn.gridcase.case.session-held.v1'\n"
        "    producer: ClassVar[str] = 'mediation'\n"
        "    case_id: str\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    fake_events = importlib.import_module("fake_events")
    try:
        found = discover_payloads(fake_events)
    finally:
        for name in [m for m in sys.modules if m.startswith("fake_events")]:
            del sys.modules[name]
    assert [p.event_type for p in found] == ["cn.gridcase.case.session-held.v1"]


@pytest.mark.parametrize("payload", all_payloads(), ids=lambda p: p.__name__)
def test_every_payload_has_an_example_a_producer_could_build(payload: type[Payload]) -> None:
    built = payload.model_validate(payload.example_data())
    assert built.model_dump(mode="json", exclude_unset=True).keys() == payload.example.keys()


def _with_unknown_fields(node: Any) -> Any:
    if isinstance(node, dict):
        return {**{k: _with_unknown_fields(v) for k, v in node.items()}, "x_added_later": 1}
    if isinstance(node, list):
        return [_with_unknown_fields(item) for item in node]
    return node


def _without_unknown_fields(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_unknown_fields(v) for k, v in node.items() if k != "x_added_later"}
    if isinstance(node, list):
        return [_without_unknown_fields(item) for item in node]
    return node


@pytest.mark.parametrize("payload", all_payloads(), ids=lambda p: p.__name__)
def test_producers_are_strict_and_readers_ignore_unknown_fields(payload: type[Payload]) -> None:
    newer = _with_unknown_fields(payload.example_data())
    with pytest.raises(ValidationError, match="x_added_later"):
        payload.model_validate(newer)
    read = payload.read(newer).model_dump(mode="json")
    # Free-form members (a GeoJSON boundary, policy rules) keep what they carry.
    assert _without_unknown_fields(read) == payload.model_validate(
        payload.example_data()
    ).model_dump(mode="json")


def test_the_published_schemas_tell_readers_to_ignore_unknown_fields() -> None:
    document = json.dumps(asyncapi_document())
    assert '"additionalProperties": false' not in document


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
