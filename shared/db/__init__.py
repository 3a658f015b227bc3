"""Async SQLAlchemy engine, unit of work, outbox/inbox tables and per-service migrations."""
