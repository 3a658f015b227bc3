"""Intake: reports, disputes, mobile and Open311 intake. Owns submissions."""
