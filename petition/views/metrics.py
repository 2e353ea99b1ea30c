"""GET /metrics: Prometheus's scrape, for a holder of METRICS_TOKEN only
(404 to anyone else: docs/operations.md)."""

from flask import Blueprint, Response

from ..extensions import limiter
from ..telemetry import metrics

bp = Blueprint("metrics", __name__)
limiter.exempt(bp)


@bp.get("/metrics")
def scrape():
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
