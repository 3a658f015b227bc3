"""The four GridCase services. None imports another (import-linter enforces it)."""
