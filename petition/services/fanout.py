"""One Redis subscription per process, fanned out to every live stream in it.

A stream used to hold a pub/sub connection of its own, taken from the pool
that ordinary commands use: 5,000 viewers on a process emptied that pool and
the next count read failed. Now each process keeps one pub/sub connection
(`Hub`), subscribed to the channels its streams watch; a listener (a thread,
which is a greenlet under gunicorn's gevent worker) reads it and puts each
message in the queue of every stream of that channel. N viewers on a process
cost one Redis connection, whatever N.

`Hub.subscribe(channel)` returns once Redis has confirmed the subscription,
so a count read afterwards can miss no change. When the connection is lost,
every stream is told (`Gone`) and ends: the browsers reconnect (`retry:`), and
the next subscription opens a new connection.
"""

import logging
import queue
import threading

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

#: Seconds to wait for Redis to confirm a subscription.
CONFIRM_TIMEOUT = 5.0
#: Seconds the listener waits for a message before it looks at its state again.
LISTEN_EVERY = 1.0


class Gone(RedisError):
    """The hub's connection to Redis was lost: the stream ends."""


class Subscription:
    """One stream's view of a channel: the messages published on it since."""

    def __init__(self, hub: "Hub", channel: str):
        self.hub, self.channel = hub, channel
        self.messages: queue.SimpleQueue = queue.SimpleQueue()
        self.closed = False

    def get(self, timeout: float) -> bytes | None:
        """The next message, or None after `timeout` seconds; raises Gone."""
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            return None
        if message is Gone:
            raise Gone("the live events connection to Redis was lost")
        return message

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.hub.unsubscribe(self)


class Hub:
    """This process's single pub/sub connection and who listens to what."""

    def __init__(self, redis: Redis):
        self.redis = redis
        self.lock = threading.Lock()
        self.pubsub = None
        self.listeners: dict[str, set[Subscription]] = {}
        self.confirmed: dict[str, threading.Event] = {}

    def subscribe(self, channel: str) -> Subscription:
        """A Subscription to `channel`, active in Redis when this returns.
        Raises RedisError when Redis is down or does not confirm in time."""
        subscription = Subscription(self, channel)
        with self.lock:
            first = channel not in self.listeners
            self.listeners.setdefault(channel, set()).add(subscription)
            if first:
                self.confirmed[channel] = threading.Event()
            confirmed = self.confirmed[channel]
            try:
                if first:
                    self._connection().subscribe(channel)
            except (RedisError, OSError) as exc:
                self._drop(subscription)
                raise RedisError(f"could not subscribe to {channel}: {exc}") from exc
        if not confirmed.wait(CONFIRM_TIMEOUT):
            self.unsubscribe(subscription)
            raise RedisError(f"Redis did not confirm the subscription to {channel}")
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self.lock:
            if self._drop(subscription) and self.pubsub is not None:
                try:
                    self.pubsub.unsubscribe(subscription.channel)
                except (RedisError, OSError):
                    log.warning("Live events: unsubscribe failed", exc_info=True)

    def _drop(self, subscription):
        """Forget `subscription`; True when its channel has no listener left."""
        listeners = self.listeners.get(subscription.channel)
        if listeners is None:
            return False
        listeners.discard(subscription)
        if listeners:
            return False
        del self.listeners[subscription.channel]
        self.confirmed.pop(subscription.channel, None)
        return True

    def _connection(self):
        """The pub/sub, opened with its listener on first use (under the lock)."""
        if self.pubsub is None:
            self.pubsub = self.redis.pubsub()
            threading.Thread(
                target=self._listen, args=(self.pubsub,), name="live-events", daemon=True
            ).start()
        return self.pubsub

    def _listen(self, pubsub):
        try:
            while True:
                with self.lock:
                    if self.pubsub is not pubsub:
                        return
                self._dispatch(pubsub.get_message(timeout=LISTEN_EVERY))
        except (RedisError, OSError, ValueError) as exc:
            log.warning("Live events: Redis connection lost: %s", exc)
            self._lost(pubsub)

    def _dispatch(self, message):
        if message is None:
            return
        kind = message.get("type")
        channel = message.get("channel")
        channel = channel.decode() if isinstance(channel, bytes) else channel
        with self.lock:
            if kind == "subscribe" and channel in self.confirmed:
                self.confirmed[channel].set()
            elif kind == "message":
                for subscription in self.listeners.get(channel, ()):
                    subscription.messages.put(message["data"])

    def _lost(self, pubsub):
        """Every stream ends (the browsers reconnect); the next subscribe reconnects."""
        with self.lock:
            if self.pubsub is pubsub:
                self.pubsub = None
            listeners, self.listeners, self.confirmed = self.listeners, {}, {}
        for subscriptions in listeners.values():
            for subscription in subscriptions:
                subscription.closed = True
                subscription.messages.put(Gone)
        try:
            pubsub.close()
        except (RedisError, OSError):
            pass


def hub(app: Flask, redis: Redis) -> Hub:
    """This process's hub (one per app, made on the first stream)."""
    found = app.extensions.get("sse_hub")
    if found is None:
        found = app.extensions.setdefault("sse_hub", Hub(redis))
    return found
