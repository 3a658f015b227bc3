"""Escalation: time limits, supervision, the monthly cycle, the governance-centre feed."""
