"""The chore scheduler: `python scheduler.py` (run exactly ONE per deployment).

RQ 3's CronScheduler (`rq.cron`) enqueues each chore of petition.jobs.schedule.SCHEDULE
on the `default` queue at its interval or cron time; the workers (worker.py)
run them. Two schedulers would enqueue every chore twice: harmless (each
chore is idempotent) but wasteful. SIGTERM/SIGINT stop it cleanly.
"""

import logging

from rq.cron import CronScheduler

from petition import create_app
from petition.jobs import DEFAULT_QUEUE, make_redis
from petition.jobs.schedule import SCHEDULE


def build(connection):
    cron = CronScheduler(connection=connection, logging_level="INFO")
    for name, (func, when) in SCHEDULE.items():
        cron.register(func, queue_name=DEFAULT_QUEUE, name=name, job_timeout=1800, **when)
    return cron


def main():
    app = create_app()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    build(make_redis(app.config["REDIS_URL"])).start()


if __name__ == "__main__":
    main()
