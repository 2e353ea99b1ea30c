"""A lease in Redis: one holder at a time, renewed while it works, released
when it stops, and taken over by a waiting process once it expires (a holder
that died without releasing it holds it for at most `ttl` seconds).

The value is the holder's name, so only the holder renews or releases it
(two short Lua scripts: check the value, then act, atomically).
"""

from redis import Redis

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class Lease:
    def __init__(self, redis: Redis, key: str, owner: str, ttl: float):
        self.redis, self.key, self.owner, self.ttl = redis, key, owner, ttl
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @property
    def _ms(self) -> int:
        return max(int(self.ttl * 1000), 1)

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; True if we hold it now."""
        if self.redis.set(self.key, self.owner, nx=True, px=self._ms):
            return True
        return self.renew()  # already ours (a retry after a lost reply)

    def renew(self) -> bool:
        """Extend the lease; False if it is no longer ours (expired, taken)."""
        return bool(self._renew(keys=[self.key], args=[self.owner, self._ms]))

    def release(self) -> bool:
        return bool(self._release(keys=[self.key], args=[self.owner]))

    def holder(self) -> str | None:
        value = self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value
