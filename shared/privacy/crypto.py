"""Field encryption for personal data at rest: AES-256-GCM with a key id per value.

A stored value reads ``enc:v1:<key id>:<base64 nonce‖ciphertext‖tag>``. The key id
travels with the ciphertext, so keys rotate by putting a new key first in
``GRIDCASE_PII_KEYS``: new values use it, old values still decrypt with the key they
name. The associated data binds a value to its field name, so a ciphertext moved from
one field to another fails to decrypt.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc:v1:"


class PersonalDataKeyError(Exception):
    """A configuration or decryption problem (never echoes the value)."""


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, AESGCM]

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys: dict[str, AESGCM] = {}
        order: list[str] = []
        for item in spec.split(","):
            if not item.strip():
                continue
            kid, _, b64 = item.strip().partition(":")
            raw = base64.b64decode(b64)
            if not kid or len(raw) != 32 or ":" in kid:
                raise PersonalDataKeyError(
                    f"personal-data key {kid!r} must be '<id>:<base64 of 32 bytes>'"
                )
            keys[kid] = AESGCM(raw)
            order.append(kid)
        if not order:
            raise PersonalDataKeyError("GRIDCASE_PII_KEYS names no key")
        return cls(order[0], keys)

    def encrypt(self, field: str, value: str) -> str:
        nonce = os.urandom(12)
        sealed = self.keys[self.active].encrypt(nonce, value.encode(), field.encode())
        return f"{PREFIX}{self.active}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, field: str, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption was introduced
        kid, _, b64 = stored[len(PREFIX) :].partition(":")
        if kid not in self.keys:
            raise PersonalDataKeyError(f"no personal-data key {kid!r} configured")
        raw = base64.b64decode(b64)
        try:
            return self.keys[kid].decrypt(raw[:12], raw[12:], field.encode()).decode()
        except InvalidTag:
            raise PersonalDataKeyError(f"{field} does not decrypt with key {kid!r}") from None

    @staticmethod
    def key_id(stored: str) -> str | None:
        if not stored.startswith(PREFIX):
            return None
        return stored[len(PREFIX) :].partition(":")[0]
