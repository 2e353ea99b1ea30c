"""The real stack, started for a benchmark run and torn down after it.

A private database (a fresh PostgreSQL database on the server DATABASE_URL
names, dropped at the end; else a SQLite file), a private redis-server, an
SMTP sink that timestamps each message, gunicorn processes with the
project's gunicorn.conf.py, and RQ workers (worker.py).
"""

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, make_url, text

from petition.config import _database_url
from petition.dev.servers import RedisServer, SmtpSink, _Handler, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
SECRET_KEY = "bench-secret-" + "0123456789abcdef"


class Database:
    """A private database for the run: created here, dropped by `drop()`."""

    def __init__(self, workdir):
        server = os.environ.get("DATABASE_URL")
        self.admin = None
        if server:
            server_url = make_url(_database_url(server, None))
            self.name = f"petition_bench_{os.getpid()}_{secrets.token_hex(3)}"
            self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = server_url.set(database=self.name).render_as_string(hide_password=False)
        else:
            self.path = Path(workdir) / "bench.db"
            self.url = f"sqlite:///{self.path}"

    @property
    def kind(self):
        return "postgresql" if self.admin is not None else "sqlite"

    def drop(self):
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


class TimedHandler(_Handler):
    """The sink's handler, plus the arrival time of every message."""

    def __init__(self):
        super().__init__()
        self.times = []
        self.raw = []  # (envelope from, envelope to, bytes as received)

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        with self.lock:
            self.times.append(time.monotonic())
            self.raw.append(
                (
                    envelope.mail_from,
                    envelope.rcpt_tos,
                    envelope.original_content or envelope.content,
                )
            )
        return reply


def timed_sink():
    sink = SmtpSink()
    sink.handler = TimedHandler()
    sink.controller = Controller(sink.handler, hostname="127.0.0.1", port=sink.port)
    return sink.start()


class Stack:
    """Every long-lived process of one run; `close()` stops them all."""

    def __init__(self, workdir=None):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="petition-bench-"))
        self.processes = []
        self.database = Database(self.workdir)
        (self.workdir / "redis").mkdir(exist_ok=True)
        self.redis = RedisServer(workdir=self.workdir / "redis").start()
        self.sink = timed_sink()

    def env(self, **extra):
        """The environment every app process of the run gets."""
        env = dict(os.environ)
        env.update(
            {
                "APP_ENV": "bench",
                "SECRET_KEY": SECRET_KEY,
                "DATABASE_URL": self.database.url,
                "REDIS_URL": self.redis.url,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(self.sink.port),
                "BASE_URL": "http://127.0.0.1",
                "INSTANCE_PATH": str(self.workdir),
                # One proxy in front (as in production): each simulated visitor
                # brings its own X-Forwarded-For, so per-IP limits stay realistic.
                "PROXY_COUNT": "1",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
            }
        )
        env.pop("DEV_MAIL_DIR", None)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def settings(self):
        """The same settings, as create_app overrides for this process."""
        return {
            "APP_ENV": "bench",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": _database_url(self.database.url, None),
            "REDIS_URL": self.redis.url,
            "RATELIMIT_STORAGE_URI": self.redis.url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.sink.port,
            "BASE_URL": "http://127.0.0.1",
            "MAIL_SUPPRESS_SEND": False,
        }

    def gunicorn(self, app_spec, workers, threads, worker_class="gthread", **env):
        """Start gunicorn with the project's gunicorn.conf.py; returns (process, port)."""
        port = free_port()
        process = self._spawn(
            [
                GUNICORN,
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--no-control-socket",
                "--bind",
                f"127.0.0.1:{port}",
                app_spec,
            ],
            self.env(
                WEB_CONCURRENCY=workers,
                WEB_THREADS=threads,
                GUNICORN_WORKER_CLASS=worker_class,
                GUNICORN_LOG_LEVEL="warning",
                GUNICORN_GRACEFUL_TIMEOUT=3,
                **env,
            ),
            "gunicorn-" + app_spec.split(":")[0].replace(".", "_"),
        )
        wait_for_port(port, timeout=30)
        return process, port

    def worker(self, *args):
        """One RQ worker process (worker.py: LeanWorker, no fork per job)."""
        return self._spawn([PY, str(ROOT / "worker.py"), *args], self.env(), "worker")

    def _spawn(self, argv, env, name):
        log = open(self.workdir / f"{name}-{len(self.processes)}.log", "wb")
        process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log_path = log.name
        self.processes.append(process)
        return process

    def stop(self, process, timeout=20):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def close(self):
        for process in list(self.processes):
            self.stop(process)
        self.sink.stop()
        self.redis.stop()
        self.database.drop()


def rss_kib(pid, children=True):
    """Resident memory of a process (and its children, e.g. gunicorn's workers)."""
    total = 0
    pids = [pid]
    if children:
        try:
            pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total
