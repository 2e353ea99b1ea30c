"""Exactly one scheduler enqueues the chores (scheduler.py): a Redis lease
(petition/jobs/lease.py), renewed while it works and released on stop; a
second scheduler waits, and takes over when the first stops or dies."""

import signal
import subprocess
import sys
import threading
import time

import pytest
from rq import Queue

import scheduler
from petition.jobs import DEFAULT_QUEUE, schedule
from petition.jobs.lease import Lease

from servers import ROOT, server_env, until

SWEEP = "petition.jobs.sweeper.sweep_unsent_emails"  # every 300 s: once at start
#: The chores run at an interval (the sweep among them), each queued once at start.
INTERVAL_CHORES = [
    f"{func.__module__}.{func.__name__}"
    for func, when in schedule.SCHEDULE.values()
    if "interval" in when
]


def each_interval_chore(times):
    return dict.fromkeys(INTERVAL_CHORES, times)


def enqueued(redis_client):
    """func name -> how many times the chores were queued on `default`."""
    counts = {}
    for job in Queue(DEFAULT_QUEUE, connection=redis_client).get_jobs():
        counts[job.func_name] = counts.get(job.func_name, 0) + 1
    return counts


def test_a_lease_has_one_holder_until_released_or_expired(redis_client):
    first = Lease(redis_client, "test:lease", "first", ttl=0.5)
    second = Lease(redis_client, "test:lease", "second", ttl=0.5)
    assert first.acquire() and not second.acquire()
    assert first.renew() and not second.renew()
    assert not second.release() and first.holder() == "first", "only the holder releases"
    assert first.release() and second.acquire()
    time.sleep(0.7)  # the second stopped renewing (it died)
    assert not second.renew(), "an expired lease is nobody's"
    assert first.acquire() and first.holder() == "first"


class Running:
    def __init__(self, redis_client, lease_seconds):
        self.scheduler = scheduler.build(redis_client, lease_seconds=lease_seconds)
        self.thread = threading.Thread(target=self.scheduler.start, kwargs={"signals": False})
        self.thread.start()

    def stop(self):
        self.scheduler.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def schedulers(redis_client):
    started = []

    def start(lease_seconds=0.9):
        started.append(Running(redis_client, lease_seconds))
        return started[-1]

    yield start
    for running in started:
        running.scheduler.stop()
    for running in started:
        running.thread.join(10)


def test_two_schedulers_enqueue_each_chore_once(redis_client, schedulers):
    first, second = schedulers(), schedulers()
    assert until(lambda: enqueued(redis_client).get(SWEEP) == 1, timeout=5)
    time.sleep(1.5)  # several renewals: the other keeps waiting
    assert enqueued(redis_client) == each_interval_chore(1), "the cron chores wait for 3 a.m."
    holder = first if first.scheduler.holding else second
    standby = second if holder is first else first
    assert holder.scheduler.holding and not standby.scheduler.holding

    holder.stop()  # releases the lease: the other takes over within a third of it
    assert until(lambda: standby.scheduler.holding, timeout=5)
    assert until(lambda: enqueued(redis_client).get(SWEEP) == 2, timeout=5)
    time.sleep(1.0)
    assert enqueued(redis_client) == each_interval_chore(2), (
        "one more sweep, by the new holder only"
    )
    standby.stop()
    assert redis_client.get(scheduler.LEASE_KEY) is None, "released on stop"


def test_a_scheduler_that_dies_is_replaced_once_its_lease_expires(redis_client, schedulers):
    first = schedulers()
    assert until(lambda: first.scheduler.holding, timeout=5)
    first.scheduler.holding = False  # dies: no renewal, no release
    first.scheduler.stop()
    first.thread.join(10)
    assert redis_client.get(scheduler.LEASE_KEY) is not None, "still held, for a moment"
    second = schedulers()
    assert until(lambda: second.scheduler.holding, timeout=5)


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_two_scheduler_processes_one_lease_released_on_sigterm(
    database_url, redis_server, smtp_sink, redis_client, tmp_path, processes
):
    env = server_env(database_url, redis_server, smtp_sink, tmp_path, SCHEDULER_LEASE_SECONDS=1.5)
    for _ in range(2):
        processes.append(
            subprocess.Popen(
                [sys.executable, "scheduler.py"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    assert until(lambda: enqueued(redis_client).get(SWEEP) == 1, timeout=30)
    holder_name = redis_client.get(scheduler.LEASE_KEY).decode()
    pids = {str(p.pid): p for p in processes}
    holder = pids[holder_name.split(":")[1]]
    time.sleep(1.5)
    assert enqueued(redis_client) == each_interval_chore(1)

    holder.send_signal(signal.SIGTERM)
    assert holder.wait(15) == 0, "a clean stop"
    other = next(p for p in processes if p is not holder)
    assert until(
        lambda: (
            (redis_client.get(scheduler.LEASE_KEY) or b"").decode().split(":")[1:2]
            == [str(other.pid)]
        ),
        timeout=10,
    ), "the waiting scheduler took over"
    assert until(lambda: enqueued(redis_client).get(SWEEP) == 2, timeout=10)
    other.send_signal(signal.SIGTERM)
    assert other.wait(15) == 0
    assert redis_client.get(scheduler.LEASE_KEY) is None, "released on stop"
