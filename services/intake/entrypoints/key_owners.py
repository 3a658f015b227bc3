"""Whose an Idempotency-Key is: the scope every key is stored under names its caller.

A key is unique per client (draft-ietf-httpapi-idempotency-key-header §2), so it is
looked up only among the caller's own keys; another caller with the same key gets its
own processing, never the first caller's answer (which may hold a tracking token).

- staff and machine clients with a token: their subject (``staff_id``);
- Open311 clients with a configured ``api_key``: that key (as a keyed hash);
- residents, who are anonymous: the contact phone they give, which every resident
  submission must carry (as a keyed hash, so the table holds no phone numbers). Two
  requests from the same phone with the same key are the same resident's retry.
- residents rating a result: the tracking token they rate with (as a keyed hash).
"""

from __future__ import annotations

import hashlib
import hmac

from shared.auth.tokens import Principal


def _keyed(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def desk(principal: Principal) -> str:
    return f"desk:{principal.staff_id}"


def officer(principal: Principal) -> str:
    return f"officer:{principal.staff_id}"


def resident(secret: str, phone: str) -> str:
    return f"resident:{_keyed(secret, 'phone:' + phone)}"


def tracking(secret: str, token: str) -> str:
    return f"tracking:{_keyed(secret, 'tracking-token:' + token)}"


def open311_api_key(secret: str, api_key: str) -> str:
    return f"open311:key:{_keyed(secret, 'open311-api-key:' + api_key)}"


def open311_client(principal: Principal) -> str:
    return f"open311:{principal.staff_id}"
