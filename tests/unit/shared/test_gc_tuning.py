"""The garbage-collector tuning a service applies once it has started."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.gc_tuning import tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_start_up_objects_are_frozen_and_young_collections_are_rarer(restored_gc: None) -> None:
    _, gen1, gen2 = gc.get_threshold()
    tune_gc(20000)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (20000, gen1, gen2)


def test_zero_keeps_pythons_defaults(restored_gc: None) -> None:
    before = gc.get_threshold()
    tune_gc(0)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
