"""Emails to signers: the confirmation, and the notice to an address that
already signed. Each job is given the row's id and nonce.

Jobs reload their row and do nothing if its state has moved on. SMTP errors
raise, so RQ retries with backoff; a permanent refusal (5xx), or a message
that cannot be built (mail.smtp.Unsendable: a line break in an old title…), is
recorded on the signature and shown to organizers instead of being retried.
"""

import logging
import smtplib

from rq import get_current_job
from sqlalchemy.orm import joinedload

from .. import jobs
from ..extensions import db
from ..mail import messages, smtp
from ..models import Signature, SignatureState, utcnow
from ..telemetry import metrics

log = logging.getLogger(__name__)


def send_confirmation(signature_id, nonce=None):
    return _send(signature_id, nonce, SignatureState.PENDING, messages.confirmation)


def send_already_signed(signature_id, nonce=None):
    return _send(signature_id, nonce, SignatureState.VERIFIED, messages.already_signed)


#: The email a signature gets when its address signs (again), by its state;
#: other states get none.
EMAILS = {
    SignatureState.PENDING: send_confirmation,
    SignatureState.VERIFIED: send_already_signed,
}


def _send(signature_id, nonce, expected_state, build):
    """`nonce` None: a job queued before jobs carried it; the row is its own."""
    # The petition in the same SELECT: the email needs its title and slug.
    signature = db.session.get(Signature, signature_id, options=[joinedload(Signature.petition)])
    if (
        signature is None
        or (nonce is not None and signature.token_nonce != nonce)
        or signature.state != expected_state
        or not signature.email
    ):
        log.info("Signature %s moved on; %s not sent", signature_id, build.__name__)
        return jobs.JobResult.SKIPPED
    if _job_already_sent():  # the same job id queued twice (sweeper, race): once is enough
        log.info("Signature %s: %s already sent", signature_id, build.__name__)
        return jobs.JobResult.SKIPPED
    try:
        smtp.send(smtp.build(build, signature))  # one SMTP connection reused across jobs
    except smtp.Unsendable as exc:  # no retry can mend it
        return _record_failure(signature, str(exc), "unsendable")
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and min(codes) >= 500:
            return _record_failure(signature, f"{codes[0]} recipient refused", "refused")
        metrics.email("failed", "temporary")
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            return _record_failure(signature, f"{exc.smtp_code} {exc.smtp_error!r}", "refused")
        metrics.email("failed", "temporary")
        raise
    except (smtplib.SMTPException, OSError):
        metrics.email("failed", "temporary")  # RQ retries it
        raise
    _mark_job_sent()
    signature.email_sent_at = utcnow()
    signature.email_failed_at = None
    signature.email_error = None
    db.session.commit()
    metrics.email("sent")
    log.info("Sent %s for signature %s", build.__name__, signature_id)
    return jobs.JobResult.SENT


def _sent_key():
    job = get_current_job()
    return f"petition:email-sent:{job.id}" if job is not None else None


def _job_already_sent():
    key = _sent_key()
    return bool(key and jobs.redis().exists(key))


def _mark_job_sent():
    key = _sent_key()
    if key:
        jobs.redis().set(key, 1, ex=30 * 86400)


def _record_failure(signature, error, reason):
    log.error("Permanent mail failure for signature %s: %s", signature.id, error)
    signature.email_failed_at = utcnow()
    signature.email_error = error[:500]
    db.session.commit()
    metrics.email("failed", reason)
    return jobs.JobResult.FAILED
