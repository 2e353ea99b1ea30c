"""worker.py's worker class (petition.jobs.worker.LeanWorker): RQ's
SimpleWorker with fewer Redis round trips per job. A deep queue is sent once
per job, RQ's records of each job stay (finished, failed, retried on its own),
and a job costs a bounded number of round trips."""

from redis.connection import Connection
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
from sqlalchemy import select

from petition.jobs import EMAIL_QUEUE, AppJob, JobResult
from petition.models import Signature

from helpers import JobWorker, drain, post_signature, reread_all

SIGNERS = 12


def sign_many(client, count=SIGNERS):
    emails = [f"signer{i}@gmail.com" for i in range(count)]
    for email in emails:
        assert post_signature(client, email=email).status_code == 302
    return emails


def registries(app):
    connection = app.extensions["redis"]
    return (
        FinishedJobRegistry(EMAIL_QUEUE, connection=connection),
        FailedJobRegistry(EMAIL_QUEUE, connection=connection),
        StartedJobRegistry(EMAIL_QUEUE, connection=connection),
    )


def test_a_deep_queue_is_sent_once_per_job_and_recorded_as_rq_does(
    app, client, petition, smtp_sink, run_jobs
):
    emails = sign_many(client)
    assert Queue(EMAIL_QUEUE, connection=app.extensions["redis"]).count == SIGNERS

    assert drain(run_jobs) == SIGNERS
    recipients = [m["To"] for m in smtp_sink.messages]
    assert sorted(recipients) == sorted(emails), "each address once"
    assert all(s.email_sent_at is not None for s in reread_all(select(Signature)))
    finished, failed, started = registries(app)
    assert len(finished) == SIGNERS and len(failed) == 0 and len(started) == 0
    for job_id in finished.get_job_ids():
        job = Job.fetch(job_id, connection=app.extensions["redis"])
        assert job.get_status() == JobStatus.FINISHED
        assert job.return_value() == JobResult.SENT
    assert drain(run_jobs) == 0 and len(smtp_sink.messages) == SIGNERS


def test_one_refused_email_is_retried_alone(app, client, petition, smtp_sink, run_jobs):
    smtp_sink.refuse_next(1)  # the first message: 451, temporary
    emails = sign_many(client, 5)

    assert drain(run_jobs) == 6, "five jobs and one retry"
    recipients = [m["To"] for m in smtp_sink.messages]
    assert sorted(recipients) == sorted(emails), "each address once, the refused one too"
    assert recipients[-1] == emails[0], "the refused email came back on its own job, last"
    finished, failed, started = registries(app)
    assert len(finished) == 5 and len(failed) == 0 and len(started) == 0


def test_a_permanent_refusal_is_recorded_on_its_row_only(
    app, client, petition, smtp_sink, run_jobs
):
    smtp_sink.refuse_next(1, "550 5.1.1 No such user here")
    emails = sign_many(client, 4)

    assert drain(run_jobs) == 4, "a 5xx is not retried"
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(emails[1:])
    rows = {s.email: s for s in reread_all(select(Signature))}
    assert "550" in rows[emails[0]].email_error and rows[emails[0]].email_sent_at is None
    assert all(rows[e].email_sent_at and rows[e].email_error is None for e in emails[1:])


def round_trips_of_a_burst(app, monkeypatch):
    """Redis round trips of one burst of the worker, from start to exit."""
    trips = []
    send = Connection.send_packed_command

    def counted(self, command, *args, **kwargs):
        trips.append(command)
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    worker = JobWorker([EMAIL_QUEUE], connection=app.extensions["redis"], job_class=AppJob, app=app)
    worker.work(burst=True, with_scheduler=False)
    monkeypatch.undo()
    return len(trips), worker.jobs_run


def test_a_job_costs_about_half_the_redis_round_trips(
    app, client, petition, smtp_sink, monkeypatch
):
    """RQ's SimpleWorker made 22 per confirmation email (bench/profile_write.py):
    three unpipelined heartbeats of three commands, the suspension check, the
    state twice, the job's last heartbeat once more; this worker about 8 (one
    heartbeat and suspension check a second come on top: the bound leaves room
    for a slow machine). Counted over a deep queue, less what the worker's
    start and exit cost on an empty queue."""
    idle, _ = round_trips_of_a_burst(app, monkeypatch)
    sign_many(client)
    busy, ran = round_trips_of_a_burst(app, monkeypatch)
    assert ran == SIGNERS and len(smtp_sink.messages) == SIGNERS
    assert (busy - idle) / SIGNERS <= 12, f"{busy - idle} round trips for {SIGNERS} jobs"
