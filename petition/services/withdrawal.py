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

from sqlalchemy import update

from .. import tokens
from ..extensions import db
from ..models import Petition, Signature, SignatureState, utcnow
from . import counters
from .erasure import ERASED, is_erased
from .signing import linked_signature


@dataclass
class Withdrawal:
    # "ready", "withdrawn", "already", "erased", "invalid", "outdated", "expired"
    outcome: str
    signature: Signature = None
    petition: Petition = None


def inspect(token):
    try:
        signature = linked_signature(tokens.read("withdraw", token))
    except tokens.TokenError as exc:
        return Withdrawal(exc.reason)
    if signature is None:
        # A good link whose row is gone: the purge of unconfirmed signatures
        # deleted it (the id may now be another row's, which it never touches).
        return Withdrawal("erased")
    if signature.state == SignatureState.WITHDRAWN:
        return Withdrawal("already", signature, signature.petition)
    if is_erased(signature):  # retention: the count keeps it, nothing to withdraw
        return Withdrawal("erased", signature, signature.petition)
    return Withdrawal("ready", signature, signature.petition)


def withdraw(token):
    """Withdraw the signature the link names; harmless when repeated."""
    for _attempt in range(3):  # a confirmation or moderation racing it moves the state
        found = inspect(token)
        if found.outcome != "ready":
            return found
        if _withdraw_row(found.signature):
            return Withdrawal("withdrawn", found.signature, found.petition)
    return found


def _withdraw_row(signature):
    """Guarded: only from the state just read, and only if not erased meanwhile."""
    was_verified = signature.state == SignatureState.VERIFIED
    moved = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.state == signature.state,
               Signature.email.is_not(None))
        .values(state=SignatureState.WITHDRAWN, withdrawn_at=utcnow(), **ERASED)
    ).rowcount
    if moved and was_verified:
        counters.adjust(signature.petition_id, -1)
    db.session.commit()  # also expires the row: the next read sees the new state
    if moved and was_verified:
        counters.changed(signature.petition_id)
    return bool(moved)
