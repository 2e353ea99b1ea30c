"""The webhook events no signature triggers: the daily summary and the
petition's closing. Run by the scheduler (jobs/schedule.py); idempotent, since
each event's key (`daily-<date>`, `closed`) is unique per endpoint."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Endpoint,
    Petition,
    PetitionState,
    Signature,
    SignatureState,
    WebhookEvent,
    utcnow,
)
from ..urls import external_url
from . import webhooks


def _petitions_with_endpoints():
    ids = select(Endpoint.petition_id).where(Endpoint.active.is_(True)).distinct()
    return db.session.scalars(select(Petition).where(Petition.id.in_(ids))).all()


def _summary(petition: Petition, since) -> dict[str, Any]:
    new = db.session.scalar(
        select(func.count()).where(
            Signature.petition_id == petition.id,
            Signature.state == SignatureState.VERIFIED,
            Signature.verified_at >= since,
        )
    )
    return {
        "petition": {
            "slug": petition.slug,
            "title": petition.title,
            "goal": petition.goal,
            "url": external_url("public.petition", slug=petition.slug),
        },
        "signature_count": petition.signature_count,
        "verified_last_24h": new,
        "state": petition.state,
    }


def send_daily() -> int:
    """One `petition.daily_summary` per open petition and endpoint and day."""
    now = utcnow()
    sent = 0
    for petition in _petitions_with_endpoints():
        if petition.state != PetitionState.OPEN:
            continue
        data = _summary(petition, now - timedelta(days=1))
        key = f"daily-{now.date().isoformat()}"
        sent += len(webhooks.dispatch(petition, WebhookEvent.DAILY, key, data))
    return sent


def send_closed() -> int:
    """One `petition.closed` per endpoint once the petition is closed (by its
    state or its closing date)."""
    sent = 0
    for petition in _petitions_with_endpoints():
        if petition.state == PetitionState.DRAFT or petition.is_open():
            continue
        data = _summary(petition, utcnow() - timedelta(days=1))
        sent += len(webhooks.dispatch(petition, WebhookEvent.CLOSED, "closed", data))
    return sent
