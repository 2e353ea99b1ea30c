"""Each process's micro-cache of public counts: bounded in size and in time.

The count endpoint, the embed, the badge and the stream read a petition's
CountDoc from here first (services/counters.py), and the count endpoint's
replay cache (fastpath.py) replays responses tied to these very entries.

Anyone can ask for any slug, so nothing here grows with what is asked:
petitions that exist live in an LRU cache of `COUNT_LOCAL_SIZE` entries, and
slugs that name no public petition (unknown, draft) only in a smaller one of
`COUNT_LOCAL_MISSING_SIZE`, so a flood of made-up slugs cannot push a real
petition out. Both expire after `COUNT_LOCAL_TTL` seconds (cachetools'
TLRUCache, the expiry stored with each entry).

A confirmation drops its petition's entry (`forget`). A read that began
before it must not then store its older count: `begin` hands out a ticket
(the petition's epoch and the cache's generation) and `store` keeps the doc
only if neither moved meanwhile. Epochs are kept for petitions only, whose
number is bounded: `forget` is called with the slug of a real petition.
"""

import threading
import time

from cachetools import TLRUCache

EXTENSION = "counts_local"


def _expires(_key, value, _now):
    return value[0]


class LocalCounts:
    def __init__(self, size: int, missing_size: int):
        self._lock = threading.Lock()
        self._found = TLRUCache(maxsize=max(size, 1), ttu=_expires, timer=time.monotonic)
        self._missing = TLRUCache(maxsize=max(missing_size, 1), ttu=_expires, timer=time.monotonic)
        self._epochs: dict[str, int] = {}  # slug of a petition -> times forgotten
        self._generation = 0  # times cleared

    def get(self, slug: str):
        """(True, doc or None) on a live entry, (False, None) otherwise."""
        with self._lock:
            for cache in (self._found, self._missing):
                hit = cache.get(slug)
                if hit is not None:
                    return True, hit[1]
        return False, None

    def live(self, slug: str):
        """The CountDoc of a live entry, or None (what the replay cache ties to)."""
        with self._lock:
            hit = self._found.get(slug)
        return None if hit is None else hit[1]

    def begin(self, slug: str) -> tuple[int, int]:
        with self._lock:
            return self._generation, self._epochs.get(slug, 0)

    def store(self, slug: str, ticket: tuple[int, int], doc, ttl: float) -> None:
        """Keep `doc` (None: no public petition) unless a change landed since `begin`."""
        with self._lock:
            if ticket != (self._generation, self._epochs.get(slug, 0)):
                return  # a confirmation (or a clear) landed meanwhile
            entry = (time.monotonic() + ttl, doc)
            if doc is None:
                self._found.pop(slug, None)
                self._missing[slug] = entry
            else:
                self._missing.pop(slug, None)
                self._found[slug] = entry

    def forget(self, slug: str) -> None:
        with self._lock:
            self._epochs[slug] = self._epochs.get(slug, 0) + 1
            self._found.pop(slug, None)
            self._missing.pop(slug, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._found.clear()
            self._missing.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._found) + len(self._missing)


def of(app) -> LocalCounts:
    """The app's micro-cache, made on first use with the app's settings."""
    local = app.extensions.get(EXTENSION)
    if local is None:
        local = app.extensions.setdefault(
            EXTENSION,
            LocalCounts(
                app.config.get("COUNT_LOCAL_SIZE", 1000),
                app.config.get("COUNT_LOCAL_MISSING_SIZE", 1000),
            ),
        )
    return local
