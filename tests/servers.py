"""Real servers and raw clients for tests that need what a browser or an
attacker does to a server: gunicorn started with the project's
gunicorn.conf.py, live streams held open, requests that stall, bodies sent
as a client sends them.

Clients can come from any address of 127.0.0.0/8 (`source`): on Linux the
whole block is the loopback, so one machine plays many visitors.
"""

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import make_url

from petition.dev.servers import SmtpSink, _Handler, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-0123456789"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
EVENTS = "/api/v1/petitions/saint-etienne/events"


def server_env(database_url, redis_server, smtp_sink, instance, **settings):
    """The environment of a web process on the tests' database, Redis and sink."""
    env = dict(
        os.environ,
        APP_ENV="test",
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        REDIS_URL=redis_server.url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_sink.port),
        BASE_URL="http://localhost",
        MAIL_DEFAULT_SENDER="Pétitions <petition@test.example>",
        INSTANCE_PATH=str(instance),
        WEB_CONCURRENCY="1",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_GRACEFUL_TIMEOUT="2",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    for name in (
        "DEV_MAIL_DIR",
        "PROXY_COUNT",
        "SSE_MAX_STREAMS",
        "SSE_MAX_PER_CLIENT",
        "WEB_THREADS",
        "MAX_CONTENT_LENGTH",
    ):
        env.pop(name, None)
    env.update({key: str(value) for key, value in settings.items()})
    return env


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a free port, in its own session."""

    def __init__(self, env, log_dir, name="gunicorn"):
        self.port = free_port()
        self.log = Path(log_dir) / f"{name}-{self.port}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "-c",
                    "gunicorn.conf.py",
                    "--no-control-socket",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(self.port, timeout=60)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"gunicorn never listened:\n{self.output()}") from None

    def output(self):
        return self.log.read_text(errors="replace")[-4000:]

    def worker_pids(self):
        """The worker processes under the master, from /proc."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def get(port, path, headers=None, source="127.0.0.1", timeout=15):
    """One GET on its own connection: (status, headers, body)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class RawStream:
    """A live stream held open on its own socket, as EventSource holds it.

    After construction `status` and `headers` are known; an accepted stream
    has also delivered its first count event (`first`), a refused one its
    JSON body (`body`).
    """

    def __init__(self, port, path=EVENTS, source="127.0.0.1", headers="", timeout=15):
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout, source_address=(source, 0)
        )
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\n"
            f"Accept: text/event-stream\r\n{headers}\r\n".encode()
        )
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {
            k.strip().lower(): v.strip()
            for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
        }
        if self.status == 200:
            self.first = self._until(b"\n\n", after=b"event: count")
        else:
            length = int(self.headers.get("content-length", 0))
            while len(self.buffer) < length:
                self._recv()
            self.body = json.loads(self.buffer[:length])

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed by the server after {self.buffer!r}")
        self.buffer += chunk

    def _until(self, marker, after=b""):
        while True:
            start = self.buffer.find(after) if after else 0
            end = self.buffer.find(marker, start) if start >= 0 else -1
            if end >= 0:
                found, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
                return found
            self._recv()

    def read_until(self, text):
        """Read the stream until `text` arrives; returns what came before."""
        return self._until(text.encode()).decode(errors="replace")

    def close(self):
        self.sock.close()


def stall(port, source="127.0.0.1", request=b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n"):
    """A client that sends part of its request, then nothing: a socket to close later."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=15, source_address=(source, 0))
    sock.sendall(request)
    return sock


def until(predicate, timeout=20.0):
    """Wait for `predicate()` to be true; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


PGBOUNCER = "/usr/sbin/pgbouncer"


class PgBouncer:
    """Debian's PgBouncer on a free port, in transaction mode, in front of the
    PostgreSQL server of `url` (never the machine's shared one on 6432).

    PgBouncer refuses to run as root: as root it runs as `postgres`, from a
    folder that user owns. `pool_size` server connections in all.
    """

    def __init__(self, url, pool_size=10):
        target = make_url(url)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        user = target.username or "postgres"
        (self.dir / "userlist.txt").write_text(f'"{user}" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={target.host or '127.0.0.1'} port={target.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'userlist.txt'}\n"
            "pool_mode = transaction\nmax_client_conn = 500\n"
            f"default_pool_size = {pool_size}\nmin_pool_size = 0\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\npidfile = {self.dir / 'pgbouncer.pid'}\n"
        )
        argv = [PGBOUNCER, str(self.dir / "pgbouncer.ini")]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            for path in self.dir.iterdir():
                shutil.chown(path, "postgres")
            argv = ["runuser", "-u", "postgres", "--", *argv]
        self.process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_port(self.port, timeout=15)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"pgbouncer never listened:\n{self.output()}") from None
        self.url = target.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False
        )

    def output(self):
        log = self.dir / "pgbouncer.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def pgbouncer_or_skip():
    """Skip (with the reason) when PgBouncer is not installed, unless
    REQUIRE_PGBOUNCER=1 (CI), where that is a failure."""
    if os.path.exists(PGBOUNCER):
        return
    reason = f"PgBouncer is not installed ({PGBOUNCER}: apt-get install pgbouncer)"
    if os.environ.get("REQUIRE_PGBOUNCER") == "1":
        pytest.fail(reason + " and REQUIRE_PGBOUNCER=1")
    pytest.skip(reason)


class StallingHandler(_Handler):
    """Holds the `stall_at`-th recipient for ten minutes: the message is never
    accepted, so a worker can be killed while it waits on the SMTP server."""

    def __init__(self, stall_at):
        super().__init__()
        self.stall_at, self.rcpts = stall_at, 0
        self.stalled = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts == self.stall_at:
            self.stalled.set()
            await asyncio.sleep(600)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def sink_answering_with(handler):
    """A started SMTP sink on a free port whose replies come from `handler` (a
    subclass of the dev sink's handler that holds or slows one of them)."""
    sink = SmtpSink()
    sink.handler = handler
    sink.controller = Controller(handler, hostname="127.0.0.1", port=sink.port)
    sink.start()
    return sink


class Workers:
    """Real `python worker.py` processes on the test app's database and Redis,
    mailing `sink`, each logging to its own file in `directory`; `stop()` kills
    whichever still run, with their children: RQ's scheduler is a child process
    that outlives a worker killed alone, holding the worker's Redis connections
    (its subscription among them) until it is killed too."""

    def __init__(self, app, sink, directory, **settings):
        self.directory = directory
        self.env = dict(
            os.environ,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=app.config["REDIS_URL"],
            SECRET_KEY=app.config["SECRET_KEY"],
            BASE_URL=app.config["BASE_URL"],
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(sink.port),
            MAIL_RETRY_INTERVALS="0,0,0",
            APP_ENV="test",
            INSTANCE_PATH=str(directory),
            **settings,
        )
        self.processes, self.logs = [], []

    def start(self, *args):
        log = open(self.directory / f"worker{len(self.processes)}.log", "wb")
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py"), *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group per worker: stop() kills it whole
        )
        self.processes.append(process)
        return process

    def stop(self):
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # the worker and its children are gone already
            process.wait(10)
        for log in self.logs:
            log.close()


class FakeSireneApi:
    """A local stand-in for `recherche-entreprises` (api.gouv.fr), which these
    machines cannot reach: `GET /search?q=<number>` answers as the API does.

    `answers[number]` is a result dict (found), an int (that HTTP status, e.g.
    429 or 500) or "timeout" (answers after `slow` seconds); any other number
    gets an empty `results` list. `asked` lists the numbers asked, in order.
    """

    def __init__(self, slow=2.0):
        fake = self
        self.answers, self.asked, self.slow = {}, [], slow

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                number = parse_qs(parts.query).get("q", [""])[0]
                fake.asked.append(number)
                answer = fake.answers.get(number)
                if answer == "timeout":
                    time.sleep(fake.slow)
                    answer = None
                if isinstance(answer, int):
                    self._send(answer, {"erreur": "fake"}, {"Retry-After": "0"})
                    return
                results = [answer] if answer else []
                body = {"results": results, "total_results": len(results)}
                body.update(page=1, per_page=5, total_pages=1 if results else 0)
                self._send(200 if parts.path == "/search" else 404, body)

            def _send(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in dict(headers).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def sirene_result(siren, siret, commune, closed=False, partial=False, name="DEMO API SAS"):
    """One result of `/search` as recherche-entreprises writes it (trimmed)."""
    place = {
        "siret": siret,
        "commune": commune,
        "code_postal": "42000",
        "activite_principale": "62.01Z",
        "tranche_effectif_salarie": "11",
        "etat_administratif": "F" if closed else "A",
        "est_siege": True,
        "latitude": "45.4397",
        "longitude": "4.3872",
        "liste_enseignes": None,
        "nom_commercial": None,
    }
    return {
        "siren": siren,
        "nom_complet": name,
        "nom_raison_sociale": name,
        "etat_administratif": "C" if closed else "A",
        "statut_diffusion": "P" if partial else "O",
        "categorie_entreprise": "PME",
        "activite_principale": "62.01Z",
        "section_activite_principale": "J",
        "tranche_effectif_salarie": "11",
        "nombre_etablissements": 1,
        "siege": place,
        "matching_etablissements": [place],
    }
