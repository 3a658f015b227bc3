"""structlog configured for JSON lines carrying request, correlation and causation ids.

Ids live in ``structlog.contextvars`` so that an HTTP request, and every event handled
because of it, log under the same correlation id without passing it around.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from shared.privacy.redaction import redact, redact_text

_configured = False


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of writing, so a log line never
    goes to a stream that was swapped out and closed since logging was configured (a
    CLI runner or a test capturing output does exactly that)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_STDERR: Any = _CurrentStderr()


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Configure structlog and the standard library once per process."""
    global _configured
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        structlog.processors.format_exc_info,
        redact_personal_data,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(_STDERR),
        cache_logger_on_first_use=False,
    )
    if not _configured:
        logging.basicConfig(
            level=level, stream=_STDERR, format="%(levelname)s %(name)s %(message)s"
        )
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactingFilter())
        # aiokafka logs every connection failure at ERROR while the broker is away,
        # which our own retry loop already reports once per attempt.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        # httpx logs every request at INFO: the launcher's readiness polls would fill
        # `gridcase up`'s screen; failures still surface as exceptions.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        _configured = True


def redact_personal_data(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The last processor before rendering: personal data never reaches a log line,
    whether passed as a named field or embedded in a message or exception text."""
    redacted = redact(dict(event_dict))
    event_dict.clear()
    event_dict.update(redacted)
    return event_dict


class RedactingFilter(logging.Filter):
    """The same rule for standard-library records (uvicorn, SQLAlchemy, aiokafka)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


def _add_service(service: str) -> Any:
    def processor(
        _: Any, __: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
