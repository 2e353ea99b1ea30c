"""News to signers: organizers write an update, then the worker sends it to
the signers who opted in (jobs/news.py), once each, and the page lists it;
signers unsubscribe through here too.

Sending starts by writing one delivery row per (update, signature) at once,
in the transaction that moves the update from draft to sending: the unique
constraint makes the list fixed and duplicate-free. The job then claims and
settles rows by guarded UPDATEs (services/deliveries.py)."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, insert, literal, select, update

from .. import tokens
from ..extensions import db
from ..jobs import news as news_jobs
from ..models import (
    DeliveryState,
    Petition,
    PetitionUpdate,
    Signature,
    SignatureState,
    UpdateDelivery,
    UpdateState,
    utcnow,
)
from .signing import linked_signature


class NewsError(Exception):
    """An action the update's state does not allow; the text is for the organizer."""


def updates_of(petition: Petition) -> list[PetitionUpdate]:
    """Every update of the petition, newest first (the organizers' list)."""
    return db.session.scalars(
        select(PetitionUpdate)
        .where(PetitionUpdate.petition_id == petition.id)
        .order_by(PetitionUpdate.created_at.desc(), PetitionUpdate.id.desc())
    ).all()


def published(petition: Petition) -> list[PetitionUpdate]:
    """The updates the public page lists, newest first: sent or being sent."""
    return db.session.scalars(
        select(PetitionUpdate)
        .where(
            PetitionUpdate.petition_id == petition.id,
            PetitionUpdate.state.in_(UpdateState.PUBLISHED),
        )
        .order_by(PetitionUpdate.sent_at.desc(), PetitionUpdate.id.desc())
    ).all()


def get(petition: Petition, update_id: int) -> PetitionUpdate | None:
    found = db.session.get(PetitionUpdate, update_id)
    return found if found is not None and found.petition_id == petition.id else None


def subscribers(petition: Petition) -> int:
    """How many signers an update sent now would reach."""
    return db.session.scalar(
        select(func.count()).select_from(Signature).where(*_subscribed(petition.id))
    )


def _subscribed(petition_id):
    return (
        Signature.petition_id == petition_id,
        Signature.state == SignatureState.VERIFIED,
        Signature.news_opt_in.is_(True),
        Signature.email.is_not(None),
    )


def write(petition, title, body, organizer, update_id=None):
    """A new draft, or the draft `update_id` rewritten; NewsError once it is sent."""
    if update_id is None:
        found = PetitionUpdate(petition_id=petition.id, organizer_id=organizer.id)
        db.session.add(found)
    else:
        found = get(petition, update_id)
        if found is None or found.state != UpdateState.DRAFT:
            raise NewsError("sent")
    found.title, found.body = title, body
    db.session.commit()
    return found


def start(found: PetitionUpdate) -> int:
    """Draft -> sending: list the recipients and queue the first batch.
    Returns how many signers it will reach; NewsError if it is no draft."""
    now = utcnow()
    moved = db.session.execute(
        update(PetitionUpdate)
        .where(PetitionUpdate.id == found.id, PetitionUpdate.state == UpdateState.DRAFT)
        .values(state=UpdateState.SENDING, sent_at=now)
    ).rowcount
    if not moved:
        db.session.rollback()
        raise NewsError("not-draft")
    recipients = select(literal(found.id), Signature.id, literal(DeliveryState.QUEUED)).where(
        *_subscribed(found.petition_id)
    )
    db.session.execute(
        insert(UpdateDelivery).from_select(["update_id", "signature_id", "state"], recipients)
    )
    # Counted, not the INSERT's rowcount: psycopg reports -1 for INSERT … SELECT here.
    count = db.session.scalar(select(func.count()).where(UpdateDelivery.update_id == found.id))
    db.session.commit()
    news_jobs.enqueue_batch(found.id, 1)
    return count


def cancel(found: PetitionUpdate) -> bool:
    """Stop sending: the rows not yet sent stay unsent. True if this call stopped it."""
    moved = db.session.execute(
        update(PetitionUpdate)
        .where(PetitionUpdate.id == found.id, PetitionUpdate.state == UpdateState.SENDING)
        .values(state=UpdateState.CANCELLED, cancelled_at=utcnow())
    ).rowcount
    db.session.commit()
    return bool(moved)


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0  # queued or claimed, not sent yet
    unsubscribed: int = 0


def progress(update_id: int) -> Progress:
    rows = db.session.execute(
        select(UpdateDelivery.state, func.count(), func.count(UpdateDelivery.unsubscribed_at))
        .where(UpdateDelivery.update_id == update_id)
        .group_by(UpdateDelivery.state)
    ).all()
    found = Progress()
    for state, count, unsubscribed in rows:
        found.total += count
        found.unsubscribed += unsubscribed
        if state in (DeliveryState.QUEUED, DeliveryState.SENDING):
            found.waiting += count
        else:
            setattr(found, state, count)
    return found


# --- unsubscribing -----------------------------------------------------------------


class UnsubscribeOutcome(StrEnum):
    READY = "ready"  # the page shows the button
    DONE = "done"  # unsubscribed (now or before: saying which tells nothing more)
    ERASED = "erased"  # the signature's data are gone: nothing will be sent
    INVALID = tokens.TokenReason.INVALID.value
    OUTDATED = tokens.TokenReason.OUTDATED.value
    EXPIRED = tokens.TokenReason.EXPIRED.value


@dataclass
class Unsubscription:
    outcome: UnsubscribeOutcome
    petition: Petition | None = None


def _read(token):
    """(signature or None, update id), or TokenError."""
    payload = tokens.read("unsubscribe", token)
    return linked_signature(payload), tokens.row_id(payload, "u")


def inspect_unsubscribe(token: str) -> Unsubscription:
    try:
        signature, _update_id = _read(token)
    except tokens.TokenError as exc:
        return Unsubscription(UnsubscribeOutcome(exc.reason))
    if signature is None or signature.email is None:
        return Unsubscription(UnsubscribeOutcome.ERASED)
    if not signature.news_opt_in:
        return Unsubscription(UnsubscribeOutcome.DONE, signature.petition)
    return Unsubscription(UnsubscribeOutcome.READY, signature.petition)


def unsubscribe(token: str) -> Unsubscription:
    """No more news for this signature (RFC 8058 one-click, or the page's
    button); harmless when repeated. Its pending deliveries are skipped when
    their turn comes (jobs/news.py checks the opt-in before each email)."""
    found = inspect_unsubscribe(token)
    if found.outcome != UnsubscribeOutcome.READY:
        return found
    signature, update_id = _read(token)
    moved = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.news_opt_in.is_(True))
        .values(news_opt_in=False)
    ).rowcount
    if moved:
        db.session.execute(
            update(UpdateDelivery)
            .where(
                UpdateDelivery.update_id == update_id,
                UpdateDelivery.signature_id == signature.id,
            )
            .values(unsubscribed_at=utcnow())
        )
    db.session.commit()
    return Unsubscription(UnsubscribeOutcome.DONE, found.petition)
