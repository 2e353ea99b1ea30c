"""Readiness: can this process reach what it needs to serve a signature?

The database is required; Redis is not (signing, confirming and counts go on
without it, the sweeper requeues the emails): Redis down is `degraded`.
"""

import logging

from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import jobs
from ..extensions import db

log = logging.getLogger(__name__)


OK = "ok"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"

#: The checks without which the process cannot serve: readiness depends on these.
REQUIRED = ("database",)


def readiness() -> dict[str, bool]:
    return {"database": _database(), "redis": _redis()}


def status(checks: dict[str, bool]) -> str:
    """`unavailable` when a required check fails, `degraded` when another does."""
    if not all(checks[name] for name in REQUIRED):
        return UNAVAILABLE
    return OK if all(checks.values()) else DEGRADED


def _database():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return True
    except SQLAlchemyError as exc:
        log.warning("Readiness: database unreachable: %s", exc)
        db.session.rollback()
        return False


def _redis():
    try:
        return bool(jobs.redis().ping())
    except RedisError as exc:
        log.warning("Readiness: Redis unreachable: %s", exc)
        return False


def redis_up(client=None) -> bool:
    """Whether Redis answers; False means degraded, not unready (metrics)."""
    try:
        return bool((client or jobs.redis()).ping())
    except RedisError:
        return False
