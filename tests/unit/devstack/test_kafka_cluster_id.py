"""KRaft cluster ids must never look like a command-line option to StorageTool."""

from __future__ import annotations

import base64
import uuid

from gridcase.devstack import kafka


def test_an_id_that_would_start_with_a_dash_is_drawn_again() -> None:
    dashed = uuid.UUID(bytes=b"\xfb" + bytes(15))  # base64url "-w…"
    plain = uuid.UUID(bytes=bytes(16))
    assert base64.urlsafe_b64encode(dashed.bytes).startswith(b"-")
    draws = iter([dashed, plain])
    assert kafka.random_cluster_id(lambda: next(draws)) == "AAAAAAAAAAAAAAAAAAAAAA"


def test_ids_are_22_url_safe_characters() -> None:
    for _ in range(200):
        cluster_id = kafka.random_cluster_id()
        assert len(cluster_id) == 22 and not cluster_id.startswith("-")
        assert set(cluster_id) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
