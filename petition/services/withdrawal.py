"""Withdrawing a signature (RGPD): it leaves the count, the export and the
public list at once, and its personal data are erased (erasure.ERASED, the
same columns as at the end of retention). The row stays, emptied,
so a replayed token is refused; the person may sign again later."""
from dataclasses import dataclass

from sqlalchemy import update

from .. import tokens
from ..extensions import db
from ..models import Petition, Signature, SignatureState, utcnow
from ..urls import external_url
from . import counters
from .erasure import ERASED
from .signing import link_payload, linked_signature


def withdraw_token(signature):
    return tokens.make("withdraw", link_payload(signature))


def withdraw_url(signature):
    return external_url("public.withdraw", token=withdraw_token(signature))


@dataclass
class Withdrawal:
    outcome: str  # "ready", "withdrawn", "already", "invalid", "outdated", "expired"
    signature: Signature = None
    petition: Petition = None


def inspect(token):
    try:
        signature = linked_signature(tokens.read("withdraw", token))
    except tokens.TokenError as exc:
        return Withdrawal(exc.reason)
    if signature is None:
        return Withdrawal("invalid")
    if signature.status == SignatureState.WITHDRAWN:
        return Withdrawal("already", signature, signature.petition)
    return Withdrawal("ready", signature, signature.petition)


def withdraw(token):
    found = inspect(token)
    if found.outcome != "ready":
        return found
    signature = found.signature
    was_verified = signature.status == SignatureState.VERIFIED
    moved = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.status == signature.status)
        .values(status=SignatureState.WITHDRAWN, withdrawn_at=utcnow(), **ERASED)
    ).rowcount
    if moved and was_verified:
        counters.adjust(signature.petition_id, -1)
    db.session.commit()
    if moved and was_verified:
        counters.changed(signature.petition_id)
    db.session.refresh(signature)
    return Withdrawal("withdrawn" if moved else "already", signature, found.petition)
