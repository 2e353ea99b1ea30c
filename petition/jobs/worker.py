"""The worker class worker.py runs: RQ's SimpleWorker with less bookkeeping
per job.

Profiled (`bench/profile_write.py emails`), one confirmation email cost 22
Redis round trips, 15 of them RQ's own bookkeeping around the job: the
worker's heartbeat three times per job, each three commands sent one by one
(HSET, EXPIRE, EXPIRE), the suspension check, the worker's state set to idle
twice, the job's last heartbeat written once more after it ended. None of
them guards a job: a job's safety against a killed worker is its entry in
the started registry and its execution (written in RQ's preparation
pipeline, untouched here); the worker's own key only has to outlive the
worker by its TTL (minutes). So this worker:

- sends its own heartbeat in one pipeline, at most once per `REFRESH` second
  (RQ's heartbeats with a TTL or inside a pipeline are kept as they are);
- checks `rq suspend` at most once per `REFRESH` second;
- writes its state only when it changes, and `idle` inside the pipeline that
  ends each job (success, failure or retry);
- does not write the job's informational `last_heartbeat` once more between
  the end of the job and that pipeline, which follows at once.

Jobs, their retries, registries, results and executions are RQ's, unchanged.
"""

import time

from rq import SimpleWorker
from rq.utils import now
from rq.worker import WorkerStatus

#: Seconds between two of the worker's own heartbeats, and two suspension checks.
REFRESH = 1.0


class LeanWorker(SimpleWorker):
    """A SimpleWorker (jobs run in this process) with fewer Redis round trips per job."""

    _beat_at = float("-inf")
    _suspension_checked_at = float("-inf")

    def heartbeat(self, timeout=None, pipeline=None):
        if timeout is not None or pipeline is not None:
            return super().heartbeat(timeout, pipeline)
        if time.monotonic() - self._beat_at < REFRESH:
            return None
        with self.connection.pipeline(transaction=False) as batch:
            super().heartbeat(None, batch)
            batch.execute()
        self._beat_at = time.monotonic()
        return None

    def check_for_suspension(self, burst):
        if time.monotonic() - self._suspension_checked_at < REFRESH:
            return
        super().check_for_suspension(burst)  # its pipeline carries a heartbeat too
        self._suspension_checked_at = self._beat_at = time.monotonic()

    def set_state(self, state, pipeline=None):
        if pipeline is None and state == self._state:
            return
        super().set_state(state, pipeline)

    def cleanup_execution(self, job, pipeline, execution=None):
        super().cleanup_execution(job, pipeline, execution)
        self.set_state(WorkerStatus.IDLE, pipeline=pipeline)

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        job.ended_at = now()
