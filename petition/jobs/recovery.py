"""Jobs abandoned by a killed worker, handed back to RQ at worker start.

RQ 3 notices an abandoned job only when its StartedJobRegistry entry expires
(job heartbeat TTL: at least 60 s after the last heartbeat), at the next
registry cleanup (worker maintenance, every 10 minutes by default). Then
`StartedJobRegistry.cleanup()` retries the job if its Retry policy has
retries left (every email job has one), else moves it to the failed registry.

A worker that restarts after SIGKILL need not wait: an execution whose
worker is gone (its Redis key expired, or same host and its pid is dead) is
marked expired now, and RQ's own cleanup does the rest. Nothing is half done
meanwhile: a job commits its row only after the SMTP server accepted the
message (at worst the email goes twice: see README, Security and privacy).
"""

import logging
import os
import socket

from rq import Worker
from rq.executions import Execution
from rq.registry import StartedJobRegistry

log = logging.getLogger(__name__)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _worker_gone(connection, execution_id, job_id):
    try:
        execution = Execution.fetch(execution_id, job_id, connection)
    except ValueError:
        return True
    if not execution.worker_name:
        return False
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + execution.worker_name, connection=connection
    )
    if worker is None:
        return True
    return (
        worker.hostname == socket.gethostname() and bool(worker.pid) and not _pid_alive(worker.pid)
    )


def recover_abandoned(connection, queue_names, job_class=None):
    """Hand jobs of dead workers back to RQ's cleanup; returns how many."""
    recovered = 0
    for name in queue_names:
        registry = StartedJobRegistry(name, connection=connection, job_class=job_class)
        entries = registry.get_job_and_execution_ids(cleanup=False)
        dead = [
            f"{job_id}:{execution_id}"
            for job_id, execution_id in entries
            if _worker_gone(connection, execution_id, job_id)
        ]
        if dead:
            connection.zadd(registry.key, {entry: 0 for entry in dead}, xx=True)
            registry.cleanup()
            recovered += len(dead)
            log.warning("Handed %s abandoned job(s) of queue %s back to RQ", len(dead), name)
    return recovered
