"""Caches keep their bound whatever stream of keys arrives, and forget entries when their time is up."""

from __future__ import annotations

from onwatch.api.auth import Principal, TokenCache
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.caches import SharedTTLCache


def test_a_stream_of_distinct_tokens_keeps_the_token_cache_at_its_bound() -> None:
    cache = TokenCache(ttl=60, maxsize=100)
    principal = Principal(token_name="ci", role=TokenRole.VIEWER, person_id=None)
    for n in range(5_000):
        cache.put(f"token-hash-{n}", principal)
    assert len(cache) == 100
    assert cache.get("token-hash-4999") == principal  # the newest are kept
    assert cache.get("token-hash-0") is None


def test_an_entry_expires_after_its_time_to_live() -> None:
    now = [0.0]
    cache: SharedTTLCache[str] = SharedTTLCache(ttl=10, maxsize=10, timer=lambda: now[0])
    cache.put("k", "v")
    now[0] = 9.9
    assert cache.get("k") == "v"
    now[0] = 10.1
    assert cache.get("k") is None
