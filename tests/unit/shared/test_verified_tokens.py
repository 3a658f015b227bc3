"""The per-process cache of verified access tokens never outlives a token."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shared.auth.tokens import InvalidToken, VerifiedTokens, mint_token

SECRET = "test-secret-key-of-at-least-32-bytes!"


def test_a_verified_token_is_answered_from_the_cache_only_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = VerifiedTokens()
    token = mint_token(
        SECRET, "go-001", "grid_officer", ["451102001001001"], ttl=timedelta(minutes=15)
    )
    first = cache.verify(SECRET, token)
    assert first.staff_id == "go-001" and first.unit_codes == ("451102001001001",)
    assert cache.verify(SECRET, token) is first  # from the cache
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 16 * 60)
    # Past its exp the cached answer is not used: the token is verified afresh (and
    # refused by the signature check's own clock once it has really expired).
    assert cache.verify(SECRET, token) is not first


def test_a_token_is_only_good_for_the_secret_that_signed_it() -> None:
    cache = VerifiedTokens()
    token = mint_token(SECRET, "go-001", "grid_officer")
    cache.verify(SECRET, token)
    expired = mint_token(SECRET, "go-001", "grid_officer", ttl=timedelta(seconds=-1))
    with pytest.raises(InvalidToken):
        cache.verify(SECRET, expired)
    with pytest.raises(InvalidToken):
        cache.verify("another-secret-key-of-32-bytes-or-more", token)
    with pytest.raises(InvalidToken):
        cache.verify(SECRET, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])


def test_the_cache_is_bounded() -> None:
    cache = VerifiedTokens(max_entries=3)
    for n in range(10):
        cache.verify(SECRET, mint_token(SECRET, f"go-{n}", "grid_officer"))
    assert len(cache._known) <= 3
