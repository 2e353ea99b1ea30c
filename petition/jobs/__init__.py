"""Background work: Redis, the RQ queues, the job class that runs every job
in an app context, and the helpers that enqueue jobs.

The job class is set on the queues and on the worker, so a job finds its app
context under a forking worker, a `SimpleWorker` (tests) and `is_async=False`.
The jobs themselves live in one module per kind of work: `signatures` (emails
to signers), `organizers` (emails to organizers), `counts`, `sweeper`,
`retention`; `schedule` says when the chores run, `recovery` hands back the
jobs of a killed worker. Jobs are enqueued as function objects, so RQ stores
the dotted path of the function where it lives.
"""

import logging
import time
from enum import StrEnum

from flask import current_app, has_app_context
from redis import BlockingConnectionPool, Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, get_current_job

log = logging.getLogger(__name__)

EMAIL_QUEUE = "emails"
DEFAULT_QUEUE = "default"
QUEUES = (EMAIL_QUEUE, DEFAULT_QUEUE)


class JobResult(StrEnum):
    """What an email job did (RQ keeps it as the job's return value)."""

    SENT = "sent"
    SKIPPED = "skipped"  # the row moved on, or this job id already sent it
    FAILED = "failed"  # refused for good: recorded on the row, not retried


#: The app jobs run in when no app context is pushed (set by worker.py).
_worker_app = None


def bind_worker_app(app):
    global _worker_app
    _worker_app = app


class AppJob(Job):
    """A job that runs inside an application context."""

    def perform(self):
        if has_app_context():
            return super().perform()
        if _worker_app is None:
            raise RuntimeError("No Flask app bound: start jobs through worker.py")
        with _worker_app.app_context():
            return super().perform()


#: Connections one process may open. Live streams share one pub/sub connection
#: per process (services/fanout.py), so only requests and jobs take from this
#: pool; under gevent thousands of requests at once wait a moment for a free
#: connection (up to POOL_TIMEOUT) instead of opening one each: a crowd of
#: 5,000 viewers arriving opened ~940 connections in `make bench` before.
MAX_CONNECTIONS = 64
#: Seconds a request waits for a free connection before it counts as a Redis error.
POOL_TIMEOUT = 5


def make_redis(url):
    """A client for REDIS_URL (redis://, rediss:// or unix://). Connects lazily."""
    pool = BlockingConnectionPool.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_TIMEOUT,
    )
    return Redis(connection_pool=pool)


def redis():
    """The current app's Redis client."""
    return current_app.extensions["redis"]


def queue(name=EMAIL_QUEUE, connection=None):
    return Queue(name, connection=connection or redis(), job_class=AppJob)


def email_retry():
    intervals = current_app.config["MAIL_RETRY_INTERVALS"]
    return Retry(max=len(intervals), interval=intervals)


def email_job_id(signature, n):
    """The id of a signature's n-th email job, and the only place it is built.

    `signature`: a Signature or a row with its `id` and `token_nonce`. The
    nonce is in the id: SQLite reuses a deleted row's id, and a new row must
    not find the old row's job, or its "already sent" marker (jobs/signatures.py),
    and lose its email. The sweeper uses it to tell a lost job from a queued one.
    """
    return f"email-{signature.id}-{signature.token_nonce}-{n}"


def enqueue_email(job, signature, n):
    """Queue the n-th email job of a signature; False when Redis is unreachable
    (the sweeper retries)."""
    return enqueue_email_with(job, signature, n) is not None


def enqueue_email_with(job, signature, n, also=None):
    """Queue the n-th email job of a signature in one Redis round trip with
    the commands `also(pipeline)` adds (it returns how many); their results,
    or None when Redis is unreachable (the sweeper retries).

    `job` is a function of jobs/signatures.py; it gets the row's id and nonce,
    and sends nothing if the row with that id is another one. The retry
    policy also covers a job abandoned by a killed worker (RQ retries it on
    cleanup while retries are left).
    """
    try:
        pipe = redis().pipeline()
        queue(EMAIL_QUEUE).enqueue_call(
            job,
            args=(signature.id, signature.token_nonce),
            retry=email_retry(),
            failure_ttl=30 * 86400,
            job_id=email_job_id(signature, n),
            timeout=current_app.config.get("EMAIL_JOB_TIMEOUT", 120),
            description=f"{job.__name__}({signature.id})",
            pipeline=pipe,
        )
        # After RQ's commands: it opens the transaction (MULTI) on the pipeline.
        extra = also(pipe) if also is not None else 0
        results = pipe.execute()
    except RedisError:
        log.exception("Could not enqueue %s for signature %s", job.__name__, signature.id)
        return None
    return results[len(results) - extra :]


def fail_without_retry():
    """Make the failure of the running job final: RQ moves it to the failed
    registry instead of retrying (for errors no retry can mend)."""
    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def resume_lost_chains(ids, chain_key, unsettled, enqueue, label):
    """For chores: each of `ids` with rows left to send (`unsettled(id)`) whose
    chain of batch jobs Redis lost (no `chain_key(id)`) gets a new first batch
    (`enqueue(id, n)`). Two chains at once would only send faster: the rows'
    claims keep each email single."""
    resumed = 0
    for item_id in ids:
        if redis().exists(chain_key(item_id)) or not unsettled(item_id):
            continue
        if enqueue(item_id, int(time.time())):
            log.warning("%s %s: its batches were lost; sending resumed", label, item_id)
            resumed += 1
    return {"resumed": resumed}
