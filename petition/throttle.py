"""Counters for the limits that Flask-Limiter's decorators cannot express.

- `reserve` / `refund`: a budget whose check and count must be one step (the
  per-address signing limit). One Lua script on Redis takes a unit from every
  window of the limit, or from none, before the work is done; `refund` gives
  it back when the work did not happen. Twenty simultaneous requests cannot
  all pass a check made before any of them is counted. Redis unreachable: no
  reservation at all (signing stays open; README: Security and privacy).
- `hit` / `exhausted`: per-account counters (failed logins, reset emails) on
  the limiter's Redis storage, in the fixed windows of the `limits` library.
  While Redis is unreachable an in-process copy (limits' MemoryStorage) keeps
  counting, so these limits hold in each process instead of vanishing.
"""

import logging
from dataclasses import dataclass

from flask import current_app
from limits import parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from .extensions import limiter
from .jobs import redis

log = logging.getLogger(__name__)

#: KEYS: one counter per window; ARGV: amount, seconds of each window in turn.
#: Returns 0 when a unit was taken from every window, else the seconds until
#: the first full window ends (nothing taken).
_RESERVE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('get', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('ttl', key)
    if ttl < 1 then ttl = 1 end
    return ttl
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('incr', key) == 1 then
    redis.call('expire', key, ARGV[2 * i])
  end
end
return 0
"""

#: Gives a unit back, but never to a window that has ended meanwhile.
_REFUND = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('get', key) or '0') > 0 then
    redis.call('decr', key)
  end
end
return 0
"""

_STORE_ERRORS = (RedisError, StorageError)


class Exhausted(Exception):
    """A window of the limit is full; `retry_after` is in seconds."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reservation:
    keys: tuple


def init_app(app):
    app.extensions["throttle.memory"] = FixedWindowRateLimiter(MemoryStorage())


def _enabled():
    return current_app.config.get("RATELIMIT_ENABLED", True)


def reserve(name, limit, identity):
    """Take one unit of every window of `limit` ("5 per hour;10 per day") for
    `identity`, atomically. Returns a Reservation (None when limits are off or
    Redis is unreachable); raises Exhausted when a window is full."""
    if not _enabled():
        return None
    windows = parse_many(limit)
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    keys = [f"{prefix}:{name}:{w.amount}/{w.get_expiry()}:{identity}" for w in windows]
    sizes = [value for w in windows for value in (w.amount, w.get_expiry())]
    try:
        wait = int(redis().register_script(_RESERVE)(keys=keys, args=sizes))
    except RedisError:
        log.warning("Rate limit store unreachable: %s not reserved", name, exc_info=True)
        return None
    if wait:
        raise Exhausted(wait)
    return Reservation(tuple(keys))


def refund(reservation):
    if reservation is None:
        return
    try:
        redis().register_script(_REFUND)(keys=list(reservation.keys))
    except RedisError:
        log.warning("Rate limit store unreachable: reservation not refunded", exc_info=True)


def _run(method, name, limit, identity):
    """`method` of each window on Redis, or on this process's memory when Redis
    cannot answer; True when every window said yes."""
    identifiers = (current_app.config["RATELIMIT_KEY_PREFIX"], name, identity)
    windows = parse_many(limit)
    try:
        strategy = FixedWindowRateLimiter(limiter.storage)
        return all([getattr(strategy, method)(w, *identifiers) for w in windows])
    except _STORE_ERRORS:
        log.warning("Rate limit store unreachable: %s counted in memory", name)
    strategy = current_app.extensions["throttle.memory"]
    return all([getattr(strategy, method)(w, *identifiers) for w in windows])


def hit(name, limit, identity):
    """Count one for `identity`; False when that went past a window of `limit`."""
    return _run("hit", name, limit, identity) if _enabled() else True


def exhausted(name, limit, identity):
    """True when a window of `limit` is already full for `identity`."""
    return not _run("test", name, limit, identity) if _enabled() else False
