"""Scale-out: two gunicorn web processes and two worker.py processes on the
same database and Redis behave as one site. On PostgreSQL they reach it
through a real PgBouncer in transaction mode, as docs/production.md advises
(prepared statements off: DATABASE_PREPARED_STATEMENTS=off).

A confirmation made through one web process reaches the live stream and the
counter served by the other; signatures made through both are each emailed
exactly once, whichever worker picked the job.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from petition.dev.servers import free_port, wait_for_port

from helpers import csrf_from, link_in, sign_data
from servers import PgBouncer, pgbouncer_or_skip

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-0123456789"
SIGNERS = 12


@pytest.fixture
def bouncer(database_url):
    """On PostgreSQL, a PgBouncer in transaction mode the cluster goes through
    (None on SQLite). Skipped without PgBouncer, unless REQUIRE_PGBOUNCER=1."""
    if not database_url.startswith("postgresql"):
        yield None
        return
    pgbouncer_or_skip()
    server = PgBouncer(database_url)
    yield server
    server.stop()


@pytest.fixture
def cluster(app, petition, database_url, bouncer, redis_server, smtp_sink, tmp_path):
    """Two web processes (ports) and two workers, stopped before the app fixture empties the DB."""
    env = dict(
        os.environ,
        APP_ENV="test",
        SECRET_KEY=SECRET,
        DATABASE_URL=bouncer.url if bouncer else database_url,
        DATABASE_PREPARED_STATEMENTS="off" if bouncer else "on",
        REDIS_URL=redis_server.url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_sink.port),
        MAIL_DEFAULT_SENDER="Pétitions <petition@test.example>",
        BASE_URL="http://localhost",
        PROXY_COUNT="1",
        MAIL_RETRY_INTERVALS="1,1,1",
        INSTANCE_PATH=str(tmp_path),
        WEB_CONCURRENCY="1",
        WEB_THREADS="4",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_GRACEFUL_TIMEOUT="2",  # an open SSE stream would hold the stop 20 s
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.pop("DEV_MAIL_DIR", None)
    processes, ports = [], []
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    for _ in range(2):
        port = free_port()
        processes.append(
            _spawn(
                [
                    gunicorn,
                    "-c",
                    "gunicorn.conf.py",
                    "--no-control-socket",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "wsgi:app",
                ],
                env,
                tmp_path,
            )
        )
        ports.append(port)
    for _ in range(2):
        processes.append(_spawn([sys.executable, "worker.py"], env, tmp_path))
    try:
        for port in ports:
            wait_for_port(port, timeout=30)
        yield ports
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _spawn(argv, env, tmp_path):
    log = open(tmp_path / f"process-{time.monotonic_ns()}.log", "wb")
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


class Browser:
    """One visitor of one web process: keeps its session cookie, comes from its own IP."""

    def __init__(self, port, ip):
        self.port, self.ip, self.cookie = port, ip, None

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-Forwarded-For": self.ip}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def post_form(self, path, **fields):
        status, page = self.request("GET", path)
        assert status == 200, page[:500]
        return self.request("POST", path, dict(fields, csrf_token=csrf_from(page)))


class EventStream:
    """Reads an SSE stream in a thread; keeps each `signature_count` it sees."""

    def __init__(self, port, path):
        self.counts = []
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for line in self.file:
                if line.startswith(b"data:"):
                    try:
                        self.counts.append(json.loads(line[5:])["signature_count"])
                    except (ValueError, KeyError):
                        pass
        except OSError:
            pass

    def close(self):
        self.sock.close()


def _count(port, slug):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/api/v1/petitions/{slug}/count")
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return json.loads(body)["signature_count"] if response.status == 200 else None


def _until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_two_web_processes_and_two_workers_send_each_email_once(cluster, smtp_sink):
    addresses = [f"signer{i}@gmail.com" for i in range(SIGNERS)]
    for i, address in enumerate(addresses):
        browser = Browser(cluster[i % 2], f"10.9.0.{i + 1}")
        status, page = browser.post_form("/p/saint-etienne", **sign_data(email=address))
        assert status == 302, page[:500]

    messages = smtp_sink.wait_for(SIGNERS, timeout=60)
    time.sleep(2)  # a duplicate would arrive now
    recipients = sorted(m["To"] for m in smtp_sink.messages)
    assert recipients == sorted(addresses), "each signer gets exactly one email"
    assert len(messages) == SIGNERS


def test_confirmation_through_one_process_shows_on_the_others_stream_and_counter(
    cluster, smtp_sink
):
    web_a, web_b = cluster
    events_path = "/api/v1/petitions/saint-etienne/events"
    assert _count(web_b, "saint-etienne") == 0
    stream = EventStream(web_b, events_path)
    try:
        assert stream.status == 200, f"web B refused the live stream ({stream.status})"
        status, page = Browser(web_a, "10.9.1.1").post_form(
            "/p/saint-etienne", **sign_data(email="camille@gmail.com")
        )
        assert status == 302, page[:500]
        (message,) = smtp_sink.wait_for(1, timeout=30)
        path = link_in(message, "/confirm/")
        status, page = Browser(web_a, "10.9.1.2").post_form(path)
        assert status == 200 and re.search("confirm", page, re.I), page[:500]

        assert _until(lambda: _count(web_b, "saint-etienne") == 1), (
            "web B's counter shows the confirmation made through web A"
        )
        assert _until(lambda: 1 in stream.counts), (
            f"web B's live stream saw {stream.counts}, not the confirmation made on web A"
        )
    finally:
        stream.close()


def test_on_postgresql_the_cluster_goes_through_pgbouncer(cluster, bouncer):
    if bouncer is None:
        pytest.skip("SQLite: no PgBouncer in front of a file")
    status, page = Browser(cluster[0], "10.9.2.1").post_form(
        "/p/saint-etienne", **sign_data(email="pool@gmail.com")
    )
    assert status == 302, page[:500]
    assert "login attempt" in bouncer.output(), "the web processes connected through PgBouncer"
