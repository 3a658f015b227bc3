"""Personal data: encryption at rest, masking, and redaction patterns."""
