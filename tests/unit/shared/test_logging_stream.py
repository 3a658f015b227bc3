"""Log lines follow the current standard error, never a stream closed since."""

from __future__ import annotations

import io
import sys

import pytest

from shared.logging import configure_logging, get_logger


def test_a_log_line_after_stderr_was_swapped_and_closed_goes_to_the_current_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", swapped)
    configure_logging("test")
    swapped.close()  # as a CLI runner does when its command returns
    current = io.StringIO()
    monkeypatch.setattr(sys, "stderr", current)
    get_logger("test").info("still_heard")
    assert "still_heard" in current.getvalue()
