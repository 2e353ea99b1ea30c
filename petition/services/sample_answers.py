"""A sampled signer's answer: the emailed link opens a page with two buttons
(mail scanners open links; GET changes nothing), the POST records "yes" or
"no". No login: the signed token, bound to the sample row's own nonce, is the
authority. An answer may be changed while the audit is open."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update

from .. import tokens
from ..extensions import db
from ..models import (
    Answer,
    AuditSample,
    AuditState,
    Petition,
    SampleAudit,
    Signature,
    SignatureState,
    utcnow,
)


class AnswerOutcome(StrEnum):
    READY = "ready"  # the page shows the buttons
    RECORDED = "recorded"  # the answer is recorded
    CLOSED = "closed"  # the audit is closed: answers are no longer counted
    GONE = "gone"  # the sample row is gone (the signature was withdrawn or erased)
    INVALID = tokens.TokenReason.INVALID.value
    OUTDATED = tokens.TokenReason.OUTDATED.value
    EXPIRED = tokens.TokenReason.EXPIRED.value


#: Outcomes whose page answers 400 (the link itself is wrong).
REFUSED = (AnswerOutcome.INVALID, AnswerOutcome.OUTDATED, AnswerOutcome.EXPIRED)


@dataclass
class Reply:
    outcome: AnswerOutcome
    petition: Petition | None = None
    answer: str | None = None


def _sample(token):
    """The sample row the token names, or None if gone; TokenError when refused."""
    payload = tokens.read("sample", token)
    sample_id = tokens.row_id(payload, "a")
    nonce = tokens.text(payload, "n")
    found = db.session.get(AuditSample, sample_id)
    return found if found is not None and found.nonce == nonce else None


def inspect(token: str) -> Reply:
    try:
        sample = _sample(token)
    except tokens.TokenError as exc:
        return Reply(AnswerOutcome(exc.reason))
    if sample is None:
        return Reply(AnswerOutcome.GONE)
    audit = db.session.get(SampleAudit, sample.audit_id)
    signature_state = db.session.scalar(
        select(Signature.state).where(Signature.id == sample.signature_id)
    )
    if signature_state != SignatureState.VERIFIED:
        return Reply(AnswerOutcome.GONE)
    if audit.state != AuditState.OPEN:
        return Reply(AnswerOutcome.CLOSED, audit.petition, sample.answer)
    return Reply(AnswerOutcome.READY, audit.petition, sample.answer)


def answer(token: str, value: str) -> Reply:
    """Record `value` ("yes" or "no"); INVALID for anything else."""
    found = inspect(token)
    if found.outcome != AnswerOutcome.READY:
        return found
    if value not in Answer.ALL:
        return Reply(AnswerOutcome.INVALID)
    sample = _sample(token)
    open_audit = (
        select(SampleAudit.id)
        .where(SampleAudit.id == sample.audit_id, SampleAudit.state == AuditState.OPEN)
        .exists()
    )
    moved = db.session.execute(
        update(AuditSample)
        .where(AuditSample.id == sample.id, open_audit)
        .values(answer=value, answered_at=utcnow())
    ).rowcount
    db.session.commit()
    if not moved:  # closed in between
        return Reply(AnswerOutcome.CLOSED, found.petition, found.answer)
    return Reply(AnswerOutcome.RECORDED, found.petition, value)
