"""Why an extension, a pause or a supervision command is refused (besides bad fields and
versions): the routes turn each into its problem type."""

from __future__ import annotations


class Refused(RuntimeError):
    """A refusal with its reason in English and Chinese."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en = en
        self.zh = zh


class NotFound(Refused):
    """Nothing of that id on this case (or nothing the caller may see)."""


class NotAllowed(Refused):
    """The caller is not the one who may do this (the handler; the level above)."""


class WrongState(Refused):
    """The clock, request or supervision is not in a state this command applies to."""
