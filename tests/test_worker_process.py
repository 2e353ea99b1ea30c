"""The real worker process (worker.py) against the test's Redis, database and
a slow SMTP sink: killed with SIGKILL mid-send, the job runs again after a
restart and the email goes out once; SIGTERM lets the current job finish."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from petition.dev.servers import SmtpSink, _Handler

from helpers import only_signature, post_signature

ROOT = Path(__file__).resolve().parent.parent


class SlowHandler(_Handler):
    """Holds the reply to RCPT TO for the next `delays` (no message sent yet)."""

    def __init__(self):
        super().__init__()
        self.delays = []
        self.rcpt_seen = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.set()
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def slow_sink():
    sink = SmtpSink()
    sink.handler = SlowHandler()
    sink.controller = Controller(sink.handler, hostname="127.0.0.1", port=sink.port)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def start_worker(app, slow_sink, tmp_path):
    processes = []

    def start(*args):
        env = dict(
            os.environ,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=app.config["REDIS_URL"],
            SECRET_KEY=app.config["SECRET_KEY"],
            BASE_URL=app.config["BASE_URL"],
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(slow_sink.port),
            MAIL_RETRY_INTERVALS="0,0,0",
            APP_ENV="test",
            INSTANCE_PATH=str(tmp_path),
        )
        log = open(tmp_path / f"worker{len(processes)}.log", "wb")
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py"), *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def sent_at():
    return only_signature().email_sent_at


def test_worker_killed_mid_send_runs_the_job_again_after_restart(
    client, petition, slow_sink, start_worker, tmp_path
):
    slow_sink.handler.delays = [120]
    post_signature(client)
    worker = start_worker()
    assert slow_sink.handler.rcpt_seen.wait(60), (tmp_path / "worker0.log").read_text()
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert slow_sink.messages == [] and sent_at() is None, "nothing half done"

    restarted = start_worker("--burst")
    assert restarted.wait(60) == 0, (tmp_path / "worker1.log").read_text()
    messages = slow_sink.wait_for(1, timeout=5)
    assert len(messages) == 1, (tmp_path / "worker1.log").read_text()
    assert "Confirmez" in messages[0]["Subject"]
    assert sent_at() is not None


def test_sigterm_lets_the_current_job_finish(client, petition, slow_sink, start_worker, tmp_path):
    slow_sink.handler.delays = [2]
    post_signature(client)
    worker = start_worker()
    assert slow_sink.handler.rcpt_seen.wait(60), (tmp_path / "worker0.log").read_text()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0, (tmp_path / "worker0.log").read_text()
    assert len(slow_sink.messages) == 1, "the job in progress finished before the stop"
    assert sent_at() is not None
