"""The register check of signers' organisations, on the worker
(services/organisation_checks.py holds the rules).

`check_organisation` is queued after a confirmation that carries a SIREN or
SIRET; `check_due_organisations` (jobs/schedule.py) catches what the queue
missed (Redis down at confirmation) and retries `not_checked` answers, and
`after_import` reopens `not_found` answers when a new extract is in. All are
idempotent; errors raise so RQ records them.
"""

import logging

from redis.exceptions import RedisError

from .. import jobs
from ..extensions import db
from ..models import RegisterStatus, Signature
from ..services import counters
from ..services.organisation_checks import check, due, needs_check, recheck_unfound
from . import panorama as panorama_jobs

log = logging.getLogger(__name__)


def check_organisation(signature_id):
    """Check one signature's organisation; its results page is computed again."""
    status = check(signature_id)
    if status is not None:
        _changed({_petition_of(signature_id)})
        _offer(signature_id, status)
    return status


def check_due_organisations():
    """Check every signature whose check is missing or due again; returns
    how many got each status."""
    done, petitions = {}, set()
    for signature_id in due():
        status = check(signature_id)
        if status is not None:
            done[status] = done.get(status, 0) + 1
            petitions.add(_petition_of(signature_id))
            _offer(signature_id, status)
    _changed(petitions)  # once per petition, not once per signature
    return done


def after_import():
    """After `flask sirene import`: reopen the `not_found` and `not_checked`
    answers and have the worker ask the new register now rather than at the
    chore's next run (which takes what one run leaves). Returns how many were
    reopened. Redis down: logged; the chore finds them later."""
    reopened = recheck_unfound()
    if reopened:
        try:
            jobs.queue(jobs.DEFAULT_QUEUE).enqueue_call(
                check_due_organisations, description="check_due_organisations (after import)"
            )
        except RedisError:
            log.exception("Could not queue the checks after the import; the chore will run them")
    return reopened


def queue_check(signature):
    """After a confirmation's commit: queue the check of its organisation, if
    it names one. Redis down: logged; the chore finds the signature later."""
    if not needs_check(signature):
        return
    try:
        jobs.queue(jobs.DEFAULT_QUEUE).enqueue_call(
            check_organisation,
            args=(signature.id,),
            job_id=f"orgcheck-{signature.id}-{signature.token_nonce}",
            failure_ttl=30 * 86400,
            description=f"check_organisation({signature.id})",
        )
    except RedisError:
        log.exception("Could not queue the organisation check of signature %s", signature.id)


def _offer(signature_id, status):
    """An organisation found active may join the panorama: its signer is asked
    once, by email (jobs/panorama.py decides who may publish)."""
    if status == RegisterStatus.ACTIVE:
        signature = db.session.get(Signature, signature_id)
        if signature is not None:
            panorama_jobs.offer(signature)


def _petition_of(signature_id):
    return db.session.scalar(db.select(Signature.petition_id).where(Signature.id == signature_id))


def _changed(petition_ids):
    for petition_id in petition_ids - {None}:
        counters.changed(petition_id)
