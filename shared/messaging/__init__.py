"""Kafka plumbing: outbox relay, inbox consumer loop, topic administration."""
