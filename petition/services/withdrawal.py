"""Withdrawing a signature (RGPD): it leaves the count, the export and the
public list at once, and its personal data are erased (erasure.ERASED, the
same columns as at the end of retention). The row stays, emptied, so a
replayed link says so; the person may sign again later.

A link works as long as the signature's personal data exist: it has no age
limit of its own (tokens.DEFAULT_MAX_AGE), since an open petition may run for
years; once retention or the purge of unconfirmed signatures removed the data,
it says there is nothing left to withdraw.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import update

from .. import tokens
from ..extensions import db
from ..models import Petition, Signature, SignatureSource, SignatureState, utcnow
from ..telemetry import metrics
from . import counters, erasure_log, panorama
from .erasure import ERASED, delete_linked, is_erased
from .signing import linked_signature


class WithdrawOutcome(StrEnum):
    """What a withdrawal link leads to (templates compare the strings)."""

    READY = "ready"  # the page shows the button
    WITHDRAWN = "withdrawn"  # this click withdrew it
    ALREADY = "already"  # withdrawn before
    ERASED = "erased"  # retention or the purge removed the data: nothing to withdraw
    INVALID = tokens.TokenReason.INVALID.value
    OUTDATED = tokens.TokenReason.OUTDATED.value
    EXPIRED = tokens.TokenReason.EXPIRED.value


@dataclass
class Withdrawal:
    outcome: WithdrawOutcome
    signature: Signature | None = None
    petition: Petition | None = None


def inspect(token: str) -> Withdrawal:
    try:
        signature = linked_signature(tokens.read("withdraw", token))
    except tokens.TokenError as exc:
        return Withdrawal(WithdrawOutcome(exc.reason))
    if signature is None:
        # A good link whose row is gone: the purge of unconfirmed signatures
        # deleted it (the id may now be another row's, which it never touches).
        return Withdrawal(WithdrawOutcome.ERASED)
    if signature.state == SignatureState.WITHDRAWN:
        return Withdrawal(WithdrawOutcome.ALREADY, signature, signature.petition)
    if is_erased(signature):  # retention: the count keeps it, nothing to withdraw
        return Withdrawal(WithdrawOutcome.ERASED, signature, signature.petition)
    return Withdrawal(WithdrawOutcome.READY, signature, signature.petition)


def withdraw(token: str) -> Withdrawal:
    """Withdraw the signature the link names; harmless when repeated."""
    for _attempt in range(3):  # a confirmation or moderation racing it moves the state
        found = inspect(token)
        if found.outcome != WithdrawOutcome.READY:
            return found
        if _withdraw_row(found.signature):
            return Withdrawal(WithdrawOutcome.WITHDRAWN, found.signature, found.petition)
    return found


def _withdraw_row(signature):
    """Guarded: only from the state just read, and only if not erased meanwhile."""
    was_verified = signature.state == SignatureState.VERIFIED
    was_local = bool(signature.local)  # never changes once placed, nor erased
    moved = db.session.execute(
        update(Signature)
        .where(
            Signature.id == signature.id,
            Signature.state == signature.state,
            Signature.email.is_not(None),
        )
        .values(state=SignatureState.WITHDRAWN, withdrawn_at=utcnow(), **ERASED)
    ).rowcount
    if moved and was_verified:
        paper = -1 if signature.source == SignatureSource.PAPER else 0
        counters.adjust(signature.petition_id, -1, local=-1 if was_local else 0, paper=paper)
    if moved:
        delete_linked(Signature.id == signature.id)
        erasure_log.record(signature)  # replayed if a backup older than this is restored
        panorama.prune(signature.petition_id)  # its organisation's last signer: profile goes
    db.session.commit()  # also expires the row: the next read sees the new state
    if moved and was_verified:
        counters.changed(signature.petition_id)
    if moved:
        metrics.signature("withdrawn")
    return bool(moved)
