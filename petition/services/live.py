"""Server-Sent Events: each new count of a petition, pushed to browsers.

`changed()` publishes on a Redis channel, so a confirmation handled by any web
process reaches the streams held by every other one. A stream starts with a
`retry:` field (how long EventSource waits before reconnecting) and the
current count (a reconnect catches up on what it missed), then sends each
published count, and a comment line as heartbeat so proxies keep the
connection and a closed tab is noticed at the next write. It ends after
`max_age` seconds; the browser reconnects, which spreads streams over
processes after a deploy. Under gunicorn's gevent worker a stream costs a
greenlet, not a thread (see README).
"""
import logging
import time

from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def subscribe(redis, channel):
    """A pub/sub subscribed to `channel` now (before the current count is read,
    so no change can fall between the two). Raises RedisError when Redis is down."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(channel)
    except RedisError:
        pubsub.close()
        raise
    return pubsub


def event(body, name="count"):
    data = body.decode() if isinstance(body, bytes) else body
    return f"event: {name}\ndata: {data}\n\n"


def stream(pubsub, first_body, heartbeat=15.0, retry_ms=3000, max_age=300.0):
    """The SSE body: a generator that never holds an app context."""
    deadline = time.monotonic() + max_age
    try:
        yield f"retry: {retry_ms}\n\n"
        yield event(first_body)
        while time.monotonic() < deadline:
            wait = min(heartbeat, max(deadline - time.monotonic(), 0.01))
            message = pubsub.get_message(timeout=wait)
            if message is None:
                yield ": ping\n\n"
            elif message.get("type") == "message":
                yield event(message["data"])
    except RedisError as exc:  # the browser reconnects after `retry`
        log.warning("Live stream ended, Redis unavailable: %s", exc)
    finally:
        pubsub.close()
