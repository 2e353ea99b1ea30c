"""Server-Sent Events: each new count of a petition, pushed to browsers.

`changed()` publishes on a Redis channel, so a confirmation handled by any web
process reaches the streams held by every other one. Each process listens to
Redis on one connection, whatever the number of its streams, and hands each
message to the streams of its channel (services/fanout.py). A stream starts with a
`retry:` field (how long EventSource waits before reconnecting) and the
current count (a reconnect catches up on what it missed), then sends each
published count, and a comment line as heartbeat so proxies keep the
connection. It ends after `max_age` seconds; the browser reconnects, which
spreads streams over processes after a deploy.

An open stream holds what the server gives a request: a greenlet under
gunicorn's gevent worker, a whole thread under gthread. So each process caps
its streams, in total (`SSE_MAX_STREAMS`: 503) and per client address
(`SSE_MAX_PER_CLIENT`: 429), both with Retry-After; the pages fall back to
polling /count. A stream whose client went away must give its thread back at
once, not at its next heartbeat: it checks its socket every `CHECK_EVERY`
seconds while it waits for a message, and its slot and subscription are
released however the response ends (even one never iterated).
"""

import logging
import resource
import select
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from ..telemetry import metrics
from . import fanout

log = logging.getLogger(__name__)

#: Seconds an idle stream waits on Redis before it checks its client again.
CHECK_EVERY = 1.0
#: Streams one gevent process holds when SSE_MAX_STREAMS is not set (~42 KiB each;
#: docs/performance.md measures 5,000 on one process, one Redis connection for all).
GEVENT_MAX_STREAMS = 1000
#: File descriptors left to pages, the database, Redis and logs when the limit sizes the cap.
FD_RESERVE = 200


class Refused(Exception):
    """This process will not open one more stream: `code` 429 (the client
    holds its share) or 503 (the process holds its maximum)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def cooperative() -> bool:
    """True in a gevent-patched process (gunicorn's gevent worker), where a
    waiting stream costs a greenlet instead of a thread."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


def max_streams(config: Mapping[str, Any]) -> int:
    """Streams one process may hold: SSE_MAX_STREAMS, else by how it serves
    them: under gevent GEVENT_MAX_STREAMS, or fewer when the process may not
    open the descriptor each one takes (its socket: `ulimit -n` is often
    1024 on a laptop); under threads half
    of WEB_THREADS, so the other half always serves pages."""
    configured = config.get("SSE_MAX_STREAMS")
    if configured is not None:
        return configured
    if cooperative():
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return GEVENT_MAX_STREAMS
        return max(1, min(GEVENT_MAX_STREAMS, soft - FD_RESERVE))
    return max(1, config.get("WEB_THREADS", 8) // 2)


class Slots:
    """The streams open in this process, in total and per client address."""

    def __init__(self):
        self._lock = threading.Lock()
        self.total = 0
        self.by_client = {}

    def take(self, client: str, per_client: int, limit: int) -> None:
        """Count one more stream for `client`, or raise Refused."""
        with self._lock:
            if self.by_client.get(client, 0) >= per_client:
                raise Refused(429)
            if self.total >= limit:
                raise Refused(503)
            self.total += 1
            self.by_client[client] = self.by_client.get(client, 0) + 1

    def release(self, client: str) -> None:
        with self._lock:
            self.total -= 1
            left = self.by_client.get(client, 1) - 1
            if left > 0:
                self.by_client[client] = left
            else:
                self.by_client.pop(client, None)


def slots(app: Flask) -> Slots:
    """This app's (this process's) stream slots."""
    return app.extensions.setdefault("sse_slots", Slots())


def open_stream(
    app: Flask, client: str, redis: Redis, channel: str, sock: socket.socket | None = None
) -> "Stream":
    """A Stream for `client` (its address) on `channel`: takes one of this
    process's slots, then subscribes. Raises Refused (429/503) when the
    slots are taken, RedisError when Redis is down (the slot is given back).
    `sock` is the client's socket when the server exposes it."""
    config = app.config
    taken = slots(app)
    taken.take(client, config["SSE_MAX_PER_CLIENT"], max_streams(config))
    try:
        # Subscribed before the current count is read: no change falls between.
        subscription = fanout.hub(app, redis).subscribe(channel)
    except BaseException:
        taken.release(client)
        raise
    metrics.stream_opened()
    return Stream(taken, client, subscription, sock)


def event(body: bytes | str, name: str = "count") -> str:
    data = body.decode() if isinstance(body, bytes) else body
    return f"event: {name}\ndata: {data}\n\n"


def _unpatched_poll():
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("select"):
        return monkey.get_original("select", "poll")
    return select.poll


def watchable(sock: socket.socket | None) -> socket.socket | None:
    """The client socket if its closing can be seen by peeking at it: a plain
    TCP socket (gunicorn's `gunicorn.socket`, werkzeug's `werkzeug.socket`),
    not a TLS one (peeking would read TLS records)."""
    if sock is None or hasattr(sock, "do_handshake") or not hasattr(sock, "recv"):
        return None
    return sock


def disconnected(sock: socket.socket) -> bool:
    """True once the peer closed `sock` (end of file, reset, closed socket).

    Never blocks: a zero-timeout poll(2) (the unpatched one under gevent),
    then a peek only when something is there. Bytes the client sent (a
    pipelined request) are left for the server and mean "still there".
    """
    try:
        poller = _unpatched_poll()()
        poller.register(sock.fileno(), select.POLLIN)
        if not poller.poll(0):
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class Stream:
    """One open stream: its slot, its subscription and its body.

    `close()` releases both and is idempotent; it runs when the body ends
    and when the server closes the response (WSGI `close()`), so a response
    the server never iterated leaks neither.
    """

    def __init__(self, slots, client, subscription, sock=None):
        self.slots, self.client, self.subscription = slots, client, subscription
        self.sock = watchable(sock)
        self._lock = threading.Lock()
        self._open = True

    def close(self) -> None:
        with self._lock:
            if not self._open:
                return
            self._open = False
        try:
            self.subscription.close()
        finally:
            self.slots.release(self.client)
            metrics.stream_closed()

    def client_left(self) -> bool:
        return self.sock is not None and disconnected(self.sock)

    def body(
        self,
        first_body: bytes | str,
        heartbeat: float = 15.0,
        retry_ms: int = 3000,
        max_age: float = 300.0,
    ) -> Iterator[str]:
        """The SSE body: a generator that never holds an app context."""
        now = time.monotonic()
        deadline, next_ping = now + max_age, now + heartbeat
        try:
            yield f"retry: {retry_ms}\n\n"
            yield event(first_body)
            while True:
                now = time.monotonic()
                if now >= deadline or self.client_left():
                    return
                if now >= next_ping:
                    next_ping = now + heartbeat
                    yield ": ping\n\n"
                    continue
                wait = max(min(CHECK_EVERY, next_ping - now, deadline - now), 0.01)
                message = self.subscription.get(timeout=wait)
                if message is not None:
                    yield event(message)
        except RedisError as exc:  # the browser reconnects after `retry`
            log.warning("Live stream ended, Redis unavailable: %s", exc)
        finally:
            self.close()
