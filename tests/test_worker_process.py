"""The real worker process (worker.py) against the test's Redis, database and
a slow SMTP sink: killed with SIGKILL mid-send, the job runs again after a
restart and the email goes out once; SIGTERM lets the current job finish."""

import asyncio
import signal
import threading

import pytest

from petition.dev.servers import _Handler

from helpers import only_signature, post_signature
from servers import Workers, sink_answering_with


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
    sink = sink_answering_with(SlowHandler())
    yield sink
    sink.stop()


@pytest.fixture
def start_worker(app, slow_sink, tmp_path):
    workers = Workers(app, slow_sink, tmp_path)
    yield workers.start
    workers.stop()


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
