"""The RQ worker: `python worker.py [queue …]`.

Jobs run in an app context (petition.jobs.AppJob); the scheduler is on, so
retries with backoff and scheduled chores run. SIGTERM finishes the current
job and stops (RQ's warm shutdown); a job lost to SIGKILL is found by RQ's
abandoned-job handling and retried.
"""

import argparse
import logging

from rq import Worker

from petition import create_app
from petition.jobs import QUEUES, AppJob, bind_worker_app, make_redis
from petition.jobs.recovery import recover_abandoned
from petition.jobs.worker import LeanWorker


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queues", nargs="*", default=list(QUEUES))
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument(
        "--fork",
        action="store_true",
        help="fork a process per job (default: run jobs in this process)",
    )
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args(argv)

    app = create_app()
    bind_worker_app(app)
    connection = make_redis(app.config["REDIS_URL"])
    worker_class = Worker if args.fork else LeanWorker
    worker = worker_class(args.queues, connection=connection, job_class=AppJob)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    recover_abandoned(connection, args.queues, job_class=AppJob)  # after a SIGKILL
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler, logging_level="INFO")


if __name__ == "__main__":
    main()
