"""Probes for load balancers: /healthz (the process answers) and /readyz
(the database answers; 503 otherwise, so traffic goes elsewhere).

Redis is not part of readiness: signing goes on without it (the sweeper
requeues the emails), and every web host shares the same Redis, so a 503
on Redis would take them all out at once. Redis down is `degraded`.
"""

from flask import Blueprint, jsonify

from ..services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = health.readiness()
    status = health.status(checks)
    body = {
        "status": status,
        "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    return jsonify(body), 503 if status == health.UNAVAILABLE else 200
