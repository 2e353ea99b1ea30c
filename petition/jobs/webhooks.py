"""Post one webhook delivery (services/webhooks.py builds and signs them).

Reloads the row; does nothing once delivered. A 2xx answer delivers it; any
other answer or a network error is recorded (the dashboard's delivery log
shows the last response code) and raised, so RQ retries with the backoff of
WEBHOOK_RETRY_INTERVALS. After WEBHOOK_MAX_FAILURES failed attempts in a row
the endpoint is disabled, and its pending deliveries stop. An address the
SSRF guard refuses is never retried.
"""

import logging
import time

from flask import current_app
from rq import get_current_job

from .. import jobs, outbound
from ..extensions import db
from ..models import Delivery, WebhookDeliveryState, utcnow
from ..webhook_signature import signature

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The receiver did not take the event; RQ retries the job."""


def deliver(delivery_id):
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.state == WebhookDeliveryState.DELIVERED:
        return jobs.JobResult.SKIPPED
    endpoint = delivery.endpoint
    if not endpoint.active:
        delivery.state = WebhookDeliveryState.FAILED
        delivery.error = "endpoint disabled"
        db.session.commit()
        return jobs.JobResult.SKIPPED
    body = delivery.payload.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "petition-webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(endpoint.secret, delivery.message_id, timestamp, body),
    }
    delivery.attempts += 1
    delivery.attempted_at = utcnow()
    try:
        code = outbound.post(endpoint.url, body, headers, current_app.config["WEBHOOK_TIMEOUT"])
    except outbound.Refused as exc:
        _failed(delivery, None, str(exc), final=True)
        jobs.fail_without_retry()
        raise DeliveryFailed(f"delivery {delivery_id} refused: {exc}") from None
    except OSError as exc:
        code, error = None, f"{type(exc).__name__}: {exc}"[:300]
    else:
        error = None if 200 <= code < 300 else f"HTTP {code}"
    if error is None:
        delivery.state = WebhookDeliveryState.DELIVERED
        delivery.response_code = code
        delivery.error = None
        endpoint.consecutive_failures = 0
        db.session.commit()
        log.info("Webhook delivery %s delivered (%s)", delivery_id, code)
        return jobs.JobResult.SENT
    job = get_current_job()
    last = job is None or not job.retries_left
    _failed(delivery, code, error, final=last)
    if not endpoint.active:
        jobs.fail_without_retry()
    raise DeliveryFailed(f"webhook delivery {delivery_id}: {error}")


def _failed(delivery, code, error, final):
    endpoint = delivery.endpoint
    delivery.response_code = code
    delivery.error = error
    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= current_app.config["WEBHOOK_MAX_FAILURES"]:
        endpoint.active = False
        endpoint.disabled_at = utcnow()
        log.warning("Webhook endpoint %s disabled after repeated failures", endpoint.id)
    if final or not endpoint.active:
        delivery.state = WebhookDeliveryState.FAILED
    db.session.commit()
    log.warning("Webhook delivery %s failed: %s", delivery.id, error)
