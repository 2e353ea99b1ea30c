"""Probes for load balancers: /healthz (the process answers) and /readyz
(the database and Redis answer; 503 otherwise, so traffic goes elsewhere)."""

from flask import Blueprint, jsonify

from ..services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = health.readiness()
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    return jsonify(body), 200 if ready else 503
