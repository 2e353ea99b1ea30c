"""Signed webhooks: endpoints per petition, the events they get, and the
signature (Standard Webhooks: https://www.standardwebhooks.com/).

A delivery is a row first (unique per endpoint and event key, so an event
fanned out twice is delivered once), then a job (jobs/webhooks.py) that posts
it with retries and backoff. Each attempt is signed afresh:

    webhook-id: msg_…            (the same across retries: the receiver's idempotency key)
    webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the secret>

The secret is `whsec_` + base64 of 32 random bytes; the key is those bytes.
"""

import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import jobs, outbound
from ..extensions import db
from ..jobs.webhooks import deliver
from ..models import Delivery, Endpoint, Petition, WebhookEvent, utcnow
from ..webhook_signature import new_secret

log = logging.getLogger(__name__)

#: Endpoints one petition may have.
MAX_ENDPOINTS = 5


class WebhookError(ValueError):
    """An endpoint an organizer typed breaks a rule; the message is for people."""


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def register(petition: Petition, url: str, events: Iterable[str]) -> Endpoint:
    """A new endpoint; its URL checked (form and addresses) now. Commits."""
    events = [e for e in WebhookEvent.CHOICES if e in set(events)]
    if not events:
        raise WebhookError(_("Choisissez au moins un événement."))
    url = (url or "").strip()
    if len(url) > 500:
        raise WebhookError(_("Adresse trop longue (500 caractères au plus)."))
    try:
        outbound.check(url)
    except outbound.Refused as exc:
        raise WebhookError(str(exc)) from None
    count = len(endpoints(petition))
    if count >= MAX_ENDPOINTS:
        raise WebhookError(_("%(n)s adresses au plus par pétition.", n=MAX_ENDPOINTS))
    endpoint = Endpoint(
        petition_id=petition.id, url=url, secret=new_secret(), events=" ".join(events)
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def endpoints(petition: Petition) -> Sequence[Endpoint]:
    return db.session.scalars(
        select(Endpoint).where(Endpoint.petition_id == petition.id).order_by(Endpoint.id)
    ).all()


def endpoint_of(petition: Petition, endpoint_id: int) -> Endpoint | None:
    return db.session.scalar(
        select(Endpoint).where(Endpoint.id == endpoint_id, Endpoint.petition_id == petition.id)
    )


def remove(petition: Petition, endpoint_id: int) -> bool:
    moved = db.session.execute(
        delete(Endpoint).where(Endpoint.id == endpoint_id, Endpoint.petition_id == petition.id)
    ).rowcount
    db.session.commit()
    return bool(moved)


def enable(endpoint: Endpoint) -> None:
    """Turn a disabled endpoint back on (after its owner fixed it). Commits."""
    endpoint.active = True
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    db.session.commit()


def recent_deliveries(endpoint: Endpoint, limit: int = 10) -> Sequence[Delivery]:
    return db.session.scalars(
        select(Delivery)
        .where(Delivery.endpoint_id == endpoint.id)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(limit)
    ).all()


def _payload(event: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {"type": event, "timestamp": iso(utcnow()), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def dispatch(petition: Petition, event: str, key: str, data: dict[str, Any]) -> list[int]:
    """One delivery per active endpoint of the petition that wants `event`,
    unless that endpoint already has one for `key`; queue each. Commits."""
    created = []
    for endpoint in endpoints(petition):
        if not endpoint.active or not endpoint.wants(event):
            continue
        delivery = _create(endpoint, event, key, data)
        if delivery is not None:
            created.append(delivery.id)
    for delivery_id in created:
        queue_delivery(delivery_id)
    return created


def _create(endpoint, event, key, data):
    delivery = Delivery(
        endpoint_id=endpoint.id,
        message_id="msg_" + secrets.token_hex(12),
        event_key=key,
        event=event,
        payload=_payload(event, data),
    )
    db.session.add(delivery)
    try:
        db.session.commit()
    except IntegrityError:  # this endpoint already has this event
        db.session.rollback()
        return None
    return delivery


def send_test(endpoint: Endpoint) -> int | None:
    """The dashboard's "send a test event": a delivery of its own, queued."""
    data = {"petition": {"slug": endpoint.petition.slug, "title": endpoint.petition.title}}
    delivery = _create(endpoint, WebhookEvent.TEST, "test-" + secrets.token_hex(8), data)
    if delivery is None:
        return None
    queue_delivery(delivery.id)
    return delivery.id


def queue_delivery(delivery_id: int) -> bool:
    intervals = current_app.config["WEBHOOK_RETRY_INTERVALS"]
    try:
        jobs.queue(jobs.DEFAULT_QUEUE).enqueue_call(
            deliver,
            args=(delivery_id,),
            job_id=f"webhook-{delivery_id}",
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            failure_ttl=30 * 86400,
            timeout=int(current_app.config["WEBHOOK_TIMEOUT"]) + 30,
        )
    except RedisError:
        log.exception("Could not queue webhook delivery %s", delivery_id)
        return False
    return True
