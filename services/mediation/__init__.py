"""Mediation: where cases are worked. Keeps its own case view, built from events."""
