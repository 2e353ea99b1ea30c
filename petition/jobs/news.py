"""Sending an update to the signers who opted in, in batches at the rate
NEWS_BATCH_SIZE / NEWS_BATCH_INTERVAL, and the organizer's test send.

A batch job claims its rows (services/deliveries.py) under its own job id,
sends each email and settles its row at once. Killed mid-batch, RQ retries
the same job id, which claims its own unsent rows again; each batch queues
the next one until no row is left. Each email is checked against the
signature as it is now: withdrawn, invalidated or unsubscribed since the
update started, it is skipped. SMTP errors that a retry may mend raise (RQ
retries the batch); a permanent refusal is recorded on the row.
"""

import logging
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import get_current_job

from .. import jobs
from ..extensions import db
from ..mail import messages, smtp
from ..models import (
    DeliveryState,
    Organizer,
    PetitionUpdate,
    Signature,
    SignatureState,
    UpdateDelivery,
    UpdateState,
)
from ..services import deliveries

log = logging.getLogger(__name__)

#: Seconds before looking again when every row left is claimed by another job.
WAIT_FOR_CLAIMS = 60


def batch_job_id(update_id, n):
    return f"news-{update_id}-{n}"


def _chain_key(update_id):
    """Present while a batch of the update is queued or running (its TTL covers
    the wait and the run): the chore below resumes only updates without one."""
    return f"petition:news-chain:{update_id}"


def enqueue_batch(update_id, n, delay=0):
    """Queue the n-th batch of an update; False when Redis is unreachable."""
    queue = jobs.queue(jobs.EMAIL_QUEUE)
    timeout = current_app.config["EMAIL_JOB_TIMEOUT"] * max(
        1, current_app.config["NEWS_BATCH_SIZE"] // 10
    )
    options = dict(
        args=(update_id, n),
        retry=jobs.email_retry(),
        failure_ttl=30 * 86400,
        job_id=batch_job_id(update_id, n),
        timeout=timeout,
        description=f"send_update_batch({update_id}, {n})",
    )
    try:
        if delay:
            queue.enqueue_in(timedelta(seconds=delay), send_update_batch, **options)
        else:
            queue.enqueue_call(send_update_batch, **options)
        jobs.redis().set(_chain_key(update_id), n, ex=delay + timeout + 600)
    except RedisError:
        log.exception("Could not enqueue batch %s of update %s", n, update_id)
        return False
    return True


def send_update_batch(update_id, n):
    """Send one batch of update `update_id`, then queue the next."""
    if deliveries.state_of(update_id) != UpdateState.SENDING:
        log.info("Update %s is not sending; batch %s does nothing", update_id, n)
        return jobs.JobResult.SKIPPED
    job = get_current_job()
    claimant = job.id if job is not None else batch_job_id(update_id, n)
    size = current_app.config["NEWS_BATCH_SIZE"]
    sent = 0
    claimed = deliveries.claim(update_id, claimant, size)
    for delivery_id in claimed:
        if deliveries.state_of(update_id) != UpdateState.SENDING:  # cancelled meanwhile
            deliveries.release(update_id, claimant)
            log.info("Update %s cancelled during batch %s", update_id, n)
            return jobs.JobResult.SKIPPED
        sent += _deliver(delivery_id, claimant) == DeliveryState.SENT
    if deliveries.unsettled(update_id):
        # Nothing claimable: the rows left are another job's, or a dead job's
        # until NEWS_CLAIM_LEASE; look again later rather than spin.
        interval = current_app.config["NEWS_BATCH_INTERVAL"]
        enqueue_batch(
            update_id, n + 1, delay=interval if claimed else max(interval, WAIT_FOR_CLAIMS)
        )
    else:
        deliveries.finish(update_id)
    log.info("Update %s batch %s: %s sent", update_id, n, sent)
    return jobs.JobResult.SENT


def _deliver(delivery_id, claimant):
    delivery = db.session.get(UpdateDelivery, delivery_id)
    signature = db.session.get(Signature, delivery.signature_id)
    if (
        signature is None
        or signature.state != SignatureState.VERIFIED
        or not signature.news_opt_in
        or not signature.email
    ):
        deliveries.settle(delivery_id, claimant, DeliveryState.SKIPPED)
        return DeliveryState.SKIPPED
    update = db.session.get(PetitionUpdate, delivery.update_id)
    error = smtp.send_bulk(messages.news_update, signature, update)
    if error is not None:
        log.error("Update %s not sent to signature %s: %s", update.id, signature.id, error)
        return _failed(delivery_id, claimant, error)
    deliveries.settle(delivery_id, claimant, DeliveryState.SENT)
    return DeliveryState.SENT


def _failed(delivery_id, claimant, error):
    deliveries.settle(delivery_id, claimant, DeliveryState.FAILED, error)
    return DeliveryState.FAILED


def send_update_test(update_id, organizer_id):
    """The update as signers will see it, to the organizer who asked."""
    update = db.session.get(PetitionUpdate, update_id)
    organizer = db.session.get(Organizer, organizer_id)
    if update is None or organizer is None or not organizer.active:
        return jobs.JobResult.SKIPPED
    smtp.send(smtp.build(messages.news_test, organizer, update))
    return jobs.JobResult.SENT


def enqueue_test(update, organizer):
    """Queue the test send; False when Redis is unreachable."""
    try:
        jobs.queue(jobs.EMAIL_QUEUE).enqueue_call(
            send_update_test,
            args=(update.id, organizer.id),
            retry=jobs.email_retry(),
            timeout=current_app.config.get("EMAIL_JOB_TIMEOUT", 120),
        )
    except RedisError:
        log.exception("Could not enqueue the test send of update %s", update.id)
        return False
    return True


def resume_sending():
    """The chore (every 5 minutes, jobs/schedule.py): an update still sending
    whose chain of batches Redis lost (flushed, restored from an old
    snapshot, the next batch never queued) gets a new first batch."""
    return jobs.resume_lost_chains(
        deliveries.sending_ids(), _chain_key, deliveries.unsettled, enqueue_batch, "Update"
    )
