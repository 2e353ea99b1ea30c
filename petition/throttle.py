"""Counters for the limits that Flask-Limiter's decorators cannot express.

- `reserve` / `refund`: a budget whose check and count must be one step (the
  per-address signing limit). One Lua script on Redis takes a unit from every
  window of the limit, or from none, before the work is done; `refund` gives
  it back when the work did not happen. Twenty simultaneous requests cannot
  all pass a check made before any of them is counted. Redis unreachable: no
  reservation at all (signing stays open; README: Security and privacy).
- `admit`: a per-client rate (the per-IP signing limit, the token pages'
  limit: counted on every attempt) and, optionally, a budget checked in that
  same script: one round trip for both.
  Redis unreachable: the rate counts in this process's memory.
- `hit` / `exhausted`: per-account counters (failed logins, reset emails) on
  the limiter's Redis storage, in the fixed windows of the `limits` library.
  While Redis is unreachable an in-process copy (limits' MemoryStorage) keeps
  counting, so these limits hold in each process instead of vanishing.
"""

import functools
import logging
import time
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

#: Gives a unit back, but never to a window that has ended meanwhile.
_REFUND = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('get', key) or '0') > 0 then
    redis.call('decr', key)
  end
end
return 0
"""

#: The signing POST's two limits in one script (one round trip): KEYS are the
#: per-client windows (ARGV[1] of them: counted on every attempt, as
#: Flask-Limiter's fixed windows count), then the budget's windows (one unit
#: reserved from each, or from none, as _RESERVE). ARGV[2i], ARGV[2i+1]: the
#: amount and seconds of KEYS[i]. Returns {0, 0} when both let the request
#: through, {1, ttl} when a client window is full, {2, ttl} when the budget is.
_ADMIT = """
local n = tonumber(ARGV[1])
for i = n + 1, #KEYS do
  if tonumber(redis.call('get', KEYS[i]) or '0') >= tonumber(ARGV[2 * i]) then
    return {2, math.max(redis.call('ttl', KEYS[i]), 1)}
  end
end
for i = 1, n do
  local count = redis.call('incr', KEYS[i])
  if count == 1 then
    redis.call('expire', KEYS[i], ARGV[2 * i + 1])
  end
  if count > tonumber(ARGV[2 * i]) then
    return {1, math.max(redis.call('ttl', KEYS[i]), 1)}
  end
end
for i = n + 1, #KEYS do
  if redis.call('incr', KEYS[i]) == 1 then
    redis.call('expire', KEYS[i], ARGV[2 * i + 1])
  end
end
return {0, 0}
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
    return admit(None, (name, limit, identity))


def admit(rate, budget=None):
    """A rate (name, limit, identity: every attempt counts) and a budget
    (reserved as by `reserve`) checked in one Redis call. The budget is
    checked first (a request it refuses is not counted by the rate), then
    the rate, and only then is the budget's unit taken. Raises Exhausted when
    either refuses; returns the budget's Reservation. Redis unreachable: the
    rate counts in this process's memory, the budget reserves nothing."""
    if not _enabled():
        return None
    rates = _keys(*rate) if rate else ([], [])
    budgets = _keys(*budget) if budget else ([], [])
    try:
        script = redis().register_script(_ADMIT)
        refused, wait = script(
            keys=rates[0] + budgets[0], args=[len(rates[0]), *rates[1], *budgets[1]]
        )
    except RedisError:
        what = budget[0] if budget else rate[0]
        log.warning("Rate limit store unreachable: %s counted in memory", what, exc_info=True)
        wait = _hit_in_memory(*rate) if rate else 0
        if wait:
            raise Exhausted(wait) from None
        return None
    if int(refused):
        raise Exhausted(int(wait))
    return Reservation(tuple(budgets[0])) if budget else None


@functools.lru_cache(maxsize=64)
def _windows(limit):
    return [(w.amount, w.get_expiry()) for w in parse_many(limit)]


def _keys(name, limit, identity):
    """The Redis keys of `limit`'s windows for `identity`, and their amounts
    and lengths in seconds, flat."""
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    windows = _windows(limit)
    keys = [f"{prefix}:{name}:{amount}/{seconds}:{identity}" for amount, seconds in windows]
    return keys, [value for window in windows for value in window]


def _hit_in_memory(name, limit, identity):
    """Count an attempt of `rate` in this process; 0, or the seconds until
    its full window ends."""
    strategy = current_app.extensions["throttle.memory"]
    identifiers = (current_app.config["RATELIMIT_KEY_PREFIX"], name, identity)
    for window in parse_many(limit):
        if not strategy.hit(window, *identifiers):
            reset = strategy.get_window_stats(window, *identifiers).reset_time
            return max(1, int(reset - time.time()))
    return 0


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
