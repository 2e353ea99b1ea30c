"""The chore scheduler: `python scheduler.py`.

RQ 3's CronScheduler (`rq.cron`) enqueues each chore of petition.jobs.schedule.SCHEDULE
on the `default` queue at its interval or cron time; the workers (worker.py)
run them. Exactly one scheduler enqueues: each holds a Redis lease
(petition/jobs/lease.py) while it works, renewed every third of
SCHEDULER_LEASE_SECONDS and released on stop, and any other one waits, ready
to take over within that time if the holder dies. So a second one (a
deploy's overlap, a second host for safety) is harmless. SIGTERM/SIGINT stop
it cleanly.
"""

import logging
import signal
import threading

from redis.exceptions import RedisError
from rq.cron import CronScheduler

from petition import create_app
from petition.jobs import DEFAULT_QUEUE, make_redis
from petition.jobs.lease import Lease
from petition.jobs.schedule import SCHEDULE

LEASE_KEY = "petition:scheduler:lease"
log = logging.getLogger("petition.scheduler")


class Scheduler(CronScheduler):
    """RQ's cron scheduler, enqueuing only while it holds the lease."""

    def __init__(self, connection, lease_seconds=30.0, **kwargs):
        super().__init__(connection, **kwargs)
        self.lease = Lease(connection, LEASE_KEY, self.name, lease_seconds)
        self.stopping = threading.Event()
        self.holding = False

    def start(self, signals=True):
        if signals:  # only the main thread may install them (tests run threads)
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stopping.set())
        self.register_birth()
        try:
            while not self.stopping.is_set():
                self.stopping.wait(self._tick())
        finally:
            self._let_go()
            self.register_death()
            log.info("Scheduler %s stopped", self.name)

    def stop(self):
        self.stopping.set()

    def _tick(self):
        """One round: hold (or wait for) the lease, enqueue what is due;
        returns the seconds until the next round."""
        renew_every = self.lease.ttl / 3
        try:
            held = self.lease.renew() if self.holding else self.lease.acquire()
            if held and not self.holding:
                log.info("Scheduler %s holds the lease: it enqueues the chores", self.name)
            elif self.holding and not held:
                log.warning("Scheduler %s lost the lease: it stops enqueuing", self.name)
            elif not held:
                log.debug("Scheduler %s waits: %s holds the lease", self.name, self.lease.holder())
            self.holding = held
            if held and self.enqueue_jobs():
                self.save()
            self.heartbeat()
        except RedisError as exc:  # Redis down: nothing can be enqueued anyway
            log.warning("Scheduler %s: Redis unavailable: %s", self.name, exc)
            self.holding = False
            return renew_every
        if not self.holding:
            return renew_every
        return min(self.calculate_sleep_interval(), renew_every)

    def _let_go(self):
        if self.holding:
            try:
                self.lease.release()
            except RedisError as exc:  # it expires by itself
                log.warning("Scheduler %s could not release the lease: %s", self.name, exc)
            self.holding = False


def build(connection, lease_seconds=30.0):
    cron = Scheduler(connection, lease_seconds=lease_seconds, logging_level="INFO")
    for name, (func, when) in SCHEDULE.items():
        cron.register(func, queue_name=DEFAULT_QUEUE, name=name, job_timeout=1800, **when)
    return cron


def main():
    app = create_app()
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    connection = make_redis(app.config["REDIS_URL"])
    build(connection, app.config["SCHEDULER_LEASE_SECONDS"]).start()


if __name__ == "__main__":
    main()
