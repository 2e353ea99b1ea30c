"""Prometheus metrics, served at /metrics to a holder of METRICS_TOKEN.

Counters and the latency histogram are kept per process; under gunicorn,
with PROMETHEUS_MULTIPROC_DIR set for the web processes and worker.py alike
(one directory per host, emptied before they start), prometheus-client writes
them to files there and any web process's /metrics adds them all up. Queue
depth, oldest job age and Redis health are facts of Redis, read at scrape
time by a collector, never summed. The metric objects are made on first use,
in the process that uses them (nothing at import).
"""

import functools
import hmac
import os
import time

from flask import abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from rq import Queue

from .. import jobs
from ..services import health

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: The label of a request no view matched (404, 405).
UNMATCHED = "unmatched"


class Metrics:
    def __init__(self):
        self.signatures = Counter(
            "petition_signatures",
            "Signatures by event: signed (a new pending row), confirmed, withdrawn",
            ["event"],
        )
        self.emails = Counter(
            "petition_emails",
            "Emails to signers by outcome (sent, failed) and reason of failure",
            ["outcome", "reason"],
        )
        self.streams = Gauge(
            "petition_open_streams", "Live streams open", multiprocess_mode="livesum"
        )
        self.latency = Histogram(
            "petition_request_duration_seconds",
            "Time to the response's headers, by endpoint",
            ["endpoint"],
            buckets=BUCKETS,
        )


@functools.cache
def metrics() -> Metrics:
    return Metrics()


def signature(event: str) -> None:
    metrics().signatures.labels(event).inc()


def email(outcome: str, reason: str = "") -> None:
    metrics().emails.labels(outcome, reason).inc()


def stream_opened() -> None:
    metrics().streams.inc()


def stream_closed() -> None:
    metrics().streams.dec()


def observe_request(endpoint: str | None, seconds: float) -> None:
    metrics().latency.labels(endpoint or UNMATCHED).observe(seconds)


class RedisFacts:
    """Collected at scrape time: each queue's depth and oldest job's age, and
    whether Redis answers (`petition_redis_degraded` 1: signing goes on, emails
    wait for the sweeper)."""

    def __init__(self, redis):
        self.redis = redis

    def collect(self):
        degraded = GaugeMetricFamily(
            "petition_redis_degraded", "1 when Redis does not answer (emails wait)"
        )
        depth = GaugeMetricFamily("petition_queue_depth", "Jobs waiting", labels=["queue"])
        age = GaugeMetricFamily(
            "petition_queue_oldest_job_age_seconds",
            "Age of the oldest waiting job (0 when none)",
            labels=["queue"],
        )
        try:
            for name in jobs.QUEUES:
                waiting, oldest = _queue_facts(Queue(name, connection=self.redis))
                depth.add_metric([name], waiting)
                age.add_metric([name], oldest)
            degraded.add_metric([], 0 if health.redis_up(self.redis) else 1)
        except RedisError:
            degraded.add_metric([], 1)
        yield degraded
        yield depth
        yield age


def _queue_facts(queue):
    waiting = queue.count
    ids = queue.get_job_ids(0, 1)
    job = queue.fetch_job(ids[0]) if ids else None
    when = job and (job.enqueued_at or job.created_at)
    oldest = max(0.0, time.time() - when.timestamp()) if when else 0.0
    return waiting, oldest


def registry(redis) -> CollectorRegistry:
    """Every process's counters (multiprocess mode) or this one's, plus Redis's facts."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        found = CollectorRegistry()
        multiprocess.MultiProcessCollector(found)
    else:
        found = CollectorRegistry()
        found.register(_ThisProcess())
    found.register(RedisFacts(redis))
    return found


class _ThisProcess:
    def collect(self):
        metrics()  # the families exist even before their first event
        yield from REGISTRY.collect()


def authorized() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def exposition():
    """(body, content type) of a scrape; 404 without METRICS_TOKEN set or the right bearer."""
    if not authorized():
        abort(404)
    return generate_latest(registry(jobs.redis())), CONTENT_TYPE_LATEST


def note_endpoint(endpoint, _values):
    """The latency label: the matched view, known before any hook can refuse."""
    request.environ["petition.endpoint"] = endpoint


def init_app(app):
    app.url_value_preprocessor(note_endpoint)
