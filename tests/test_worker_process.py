"""The real worker process (worker.py) against the test's Redis, database and
a slow SMTP sink: killed with SIGKILL mid-send, the job runs again after a
restart and the email goes out once, in a deep queue too; SIGTERM lets the
current job finish."""

import asyncio
import signal
import threading

import pytest
from sqlalchemy import select

from petition.dev.servers import _Handler
from petition.models import Signature

from helpers import only_signature, post_signature, reread_all
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


class HoldingHandler(SlowHandler):
    """SlowHandler that says when it starts holding a reply."""

    def __init__(self):
        super().__init__()
        self.holding = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delays and self.delays[0]:
            self.holding.set()
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_worker_killed_in_a_deep_queue_loses_nothing_and_sends_nothing_twice(
    app, client, petition, tmp_path
):
    sink = sink_answering_with(HoldingHandler())
    workers = Workers(app, sink, tmp_path)
    try:
        emails = [f"signer{i}@gmail.com" for i in range(5)]
        for email in emails:
            post_signature(client, email=email)
        sink.handler.delays = [0, 0, 120]  # the third email hangs at RCPT TO
        worker = workers.start()
        assert sink.handler.holding.wait(60), (tmp_path / "worker0.log").read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert len(sink.messages) == 2

        restarted = workers.start("--burst")
        assert restarted.wait(60) == 0, (tmp_path / "worker1.log").read_text()
        messages = sink.wait_for(5, timeout=5)
        assert sorted(m["To"] for m in messages) == sorted(emails), "each address once"
        assert all(s.email_sent_at is not None for s in reread_all(select(Signature)))
    finally:
        workers.stop()
        sink.stop()
