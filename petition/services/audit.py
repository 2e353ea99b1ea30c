"""One audit log per petition: who changed access, who logged in (or failed
to), who exported and who moderated, as sentences its organizers can read.

`record` adds the rows to the caller's transaction (the action and its log
line commit together); what concerns an account (a login, a deactivation) is
written once for each petition that account organizes, or once with no
petition when it organizes none (administrators see those on their
Organisateurs page). Lines older than
AUDIT_RETENTION_DAYS are deleted by the nightly retention chore (`purge`).
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import AuditEvent, Organizer, Petition, utcnow


class Kind:
    """What an audit line records (the `kind` column)."""

    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    ACCESS_OFFERED = "access-offered"
    ACCESS_GRANTED = "access-granted"
    ACCESS_DECLINED = "access-declined"
    ACCESS_REMOVED = "access-removed"
    DEACTIVATED = "deactivated"
    ACTIVATED = "activated"
    EXPORT = "export"
    INVALIDATE = "invalidate"
    RESTORE = "restore"
    SAMPLE_AUDIT_STARTED = "sample-audit-started"
    SAMPLE_AUDIT_CLOSED = "sample-audit-closed"
    PAPER_RECORD = "paper-record"
    PAPER_IMPORT = "paper-import"
    PAPER_KEPT = "paper-kept"
    PAPER_WITHDRAWN = "paper-withdrawn"
    PANORAMA_HIDE = "panorama-hide"  # the organiser hid an organisation's profile
    PANORAMA_SHOW = "panorama-show"
    ALL = (
        LOGIN,
        LOGIN_FAILED,
        ACCESS_OFFERED,
        ACCESS_GRANTED,
        ACCESS_DECLINED,
        ACCESS_REMOVED,
        DEACTIVATED,
        ACTIVATED,
        EXPORT,
        INVALIDATE,
        RESTORE,
        SAMPLE_AUDIT_STARTED,
        SAMPLE_AUDIT_CLOSED,
        PAPER_RECORD,
        PAPER_IMPORT,
        PAPER_KEPT,
        PAPER_WITHDRAWN,
        PANORAMA_HIDE,
        PANORAMA_SHOW,
    )


def _actor(actor):
    if actor is None:
        return None, "cli"
    return getattr(actor, "id", None), getattr(actor, "email", None) or str(actor)


def record(
    petition_ids: Iterable[int | None],
    kind: str,
    actor: Organizer | str | None,
    subject: str | None = None,
    **details,
) -> None:
    """Add one line per petition to the session; the caller commits."""
    organizer_id, name = _actor(actor)
    body = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
    for petition_id in set(petition_ids) or {None}:
        db.session.add(
            AuditEvent(
                petition_id=petition_id,
                organizer_id=organizer_id,
                actor=name[:254],
                kind=kind,
                subject=(subject or None) and subject[:254],
                details=body,
            )
        )


def petitions_of(organizer: Organizer | None) -> list[int]:
    """The petitions whose log tells about this account."""
    return [p.id for p in organizer.petitions] if organizer is not None else []


def events(petition: Petition | None, limit: int | None = 200) -> Sequence[AuditEvent]:
    """The log of `petition` (None: lines of no petition), newest first."""
    where = (
        AuditEvent.petition_id.is_(None)
        if petition is None
        else AuditEvent.petition_id == petition.id
    )
    query = select(AuditEvent).where(where).order_by(AuditEvent.id.desc())
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def details(event: AuditEvent) -> dict:
    try:
        data = json.loads(event.details or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def purge(now: datetime | None = None) -> int:
    """Delete lines older than AUDIT_RETENTION_DAYS; returns how many."""
    before = (now or utcnow()) - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    deleted = db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.created_at < before)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return deleted
