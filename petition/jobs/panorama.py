"""The later email that offers a signer to publish their organisation in the
panorama (issue 18), once the register check found it active.

`offer(signature)` is what the register check's job calls after writing an
`active` check; it queues at most one offer per signature (a Redis marker
keyed by the row's id and nonce, so a reused id gets its own). The job
reloads the row and sends nothing when the signer may no longer publish.
"""

import logging

from redis.exceptions import RedisError

from .. import jobs
from ..extensions import db
from ..mail import messages, smtp
from ..models import Signature
from ..services import panorama

log = logging.getLogger(__name__)

MARKER_TTL = 90 * 86400


def offer(signature: Signature) -> bool:
    """Queue the offer email once per signature; False when not queued."""
    if panorama.eligible_check(signature) is None:
        return False
    marker = f"panorama-offer:{signature.id}:{signature.token_nonce}"
    try:
        if not jobs.redis().set(marker, "1", nx=True, ex=MARKER_TTL):
            return False
        jobs.queue(jobs.EMAIL_QUEUE).enqueue_call(
            send_publish_invite,
            args=(signature.id, signature.token_nonce),
            retry=jobs.email_retry(),
            failure_ttl=30 * 86400,
            job_id=f"panorama-offer-{signature.id}-{signature.token_nonce}",
            description=f"send_publish_invite({signature.id})",
        )
    except RedisError:
        log.exception("Could not queue the panorama offer of signature %s", signature.id)
        return False
    return True


def send_publish_invite(signature_id, nonce):
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.token_nonce != nonce:
        return jobs.JobResult.SKIPPED
    check = panorama.eligible_check(signature)
    if check is None:  # withdrawn, invalidated, erased or closed meanwhile
        log.info("Signature %s may no longer publish; offer not sent", signature_id)
        return jobs.JobResult.SKIPPED
    smtp.send(smtp.build(messages.publish_invite, signature, check.registered_name))
    return jobs.JobResult.SENT
