"""Emailing an audit's sample, in batches of NEWS_BATCH_SIZE every
NEWS_BATCH_INTERVAL seconds, as news are sent (jobs/news.py): each batch
claims its rows under its own job id (services/sample_sending.py), sends
each email and settles its row at once; killed mid-batch, RQ retries the
same job id, which claims its own unsent rows again. Each email is checked
against the signature as it is now: withdrawn (its sample row is then
deleted), invalidated, erased or at its email cap, it is skipped. SMTP
errors a retry may mend raise; a permanent refusal is recorded on the row.
"""

import logging
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import get_current_job

from .. import jobs
from ..extensions import db
from ..mail import messages, smtp
from ..models import AuditSample, SampleState, Signature, SignatureState
from ..services import sample_sending

log = logging.getLogger(__name__)

#: Seconds before looking again when every row left is claimed by another job.
WAIT_FOR_CLAIMS = 60


def batch_job_id(audit_id, n):
    return f"sample-audit-{audit_id}-{n}"


def _chain_key(audit_id):
    """Present while a batch of the audit is queued or running (its TTL covers
    the wait and the run): the chore below resumes only audits without one."""
    return f"petition:sample-audit-chain:{audit_id}"


def enqueue(audit_id, n=1, delay=0):
    """Queue the n-th batch of an audit; False when Redis is unreachable."""
    options = dict(
        args=(audit_id, n),
        retry=jobs.email_retry(),
        failure_ttl=30 * 86400,
        job_id=batch_job_id(audit_id, n),
        timeout=current_app.config["EMAIL_JOB_TIMEOUT"]
        * max(1, current_app.config["NEWS_BATCH_SIZE"] // 10),
        description=f"send_sample_batch({audit_id}, {n})",
    )
    queue = jobs.queue(jobs.EMAIL_QUEUE)
    try:
        if delay:
            queue.enqueue_in(timedelta(seconds=delay), send_sample_batch, **options)
        else:
            queue.enqueue_call(send_sample_batch, **options)
        jobs.redis().set(_chain_key(audit_id), n, ex=delay + options["timeout"] + 600)
    except RedisError:
        log.exception("Could not enqueue batch %s of sample audit %s", n, audit_id)
        return False
    return True


def send_sample_batch(audit_id, n):
    """Email one batch of the audit's sample, then queue the next."""
    if not sample_sending.is_open(audit_id):
        log.info("Sample audit %s is closed; batch %s does nothing", audit_id, n)
        return jobs.JobResult.SKIPPED
    job = get_current_job()
    claimant = job.id if job is not None else batch_job_id(audit_id, n)
    claimed = sample_sending.claim(audit_id, claimant, current_app.config["NEWS_BATCH_SIZE"])
    sent = 0
    for sample_id in claimed:
        if not sample_sending.is_open(audit_id):  # closed meanwhile
            sample_sending.skip_unsent(audit_id, claimant)
            db.session.commit()
            return jobs.JobResult.SKIPPED
        sent += _deliver(sample_id, claimant) == SampleState.SENT
    if sample_sending.unsettled(audit_id):
        interval = current_app.config["NEWS_BATCH_INTERVAL"]
        enqueue(audit_id, n + 1, delay=interval if claimed else max(interval, WAIT_FOR_CLAIMS))
    log.info("Sample audit %s batch %s: %s sent", audit_id, n, sent)
    return jobs.JobResult.SENT


def _deliver(sample_id, claimant):
    sample = db.session.get(AuditSample, sample_id)
    signature = db.session.get(Signature, sample.signature_id)
    if (
        signature is None
        or signature.state != SignatureState.VERIFIED
        or not signature.email
        or not sample_sending.spend_email(sample.id, signature.id)
    ):
        sample_sending.settle(sample_id, claimant, SampleState.SKIPPED)
        return SampleState.SKIPPED
    error = smtp.send_bulk(messages.sample_question, signature, sample)
    if error is not None:
        log.error("Sample %s not sent: %s", sample_id, error)
        return _failed(sample_id, claimant, error)
    sample_sending.settle(sample_id, claimant, SampleState.SENT)
    return SampleState.SENT


def _failed(sample_id, claimant, error):
    sample_sending.settle(sample_id, claimant, SampleState.FAILED, error)
    return SampleState.FAILED


def resume_sending():
    """The chore (every 5 minutes, jobs/schedule.py), as news's: an open audit
    with emails left to send whose chain of batches Redis lost gets a new
    first batch."""
    return jobs.resume_lost_chains(
        sample_sending.open_ids(), _chain_key, sample_sending.unsettled, enqueue, "Sample audit"
    )
