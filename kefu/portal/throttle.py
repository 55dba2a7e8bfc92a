"""A fixed-window counter per client IP in Django's cache: case tracking without logging in allows
TRIES lookups per WINDOW seconds. With several web processes use a shared cache (CACHES, e.g. the
database or Redis backend); the default local-memory cache counts per process."""

from __future__ import annotations

from django.core.cache import cache

TRACK_TRIES = 10
TRACK_WINDOW = 600  # seconds


def allow(scope: str, ident: str, *, tries: int = TRACK_TRIES, window: int = TRACK_WINDOW) -> bool:
    """Count one try; False once more than `tries` were made in the current window."""
    key = f"kefu:throttle:{scope}:{ident}"
    cache.add(key, 0, window)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        n = 1
    return n <= tries
