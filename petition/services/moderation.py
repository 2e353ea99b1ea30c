"""Invalidating abusive signatures and restoring them.

A rule (email domain, IP hash, time window, name pattern — combined with AND)
is previewed first; applying it moves each matching pending or verified row
to `invalidated` by a guarded UPDATE (`WHERE status = <what it was>`), so a
row confirmed meanwhile is counted exactly once. The count moves in the same
transaction; every action is logged with the rows it moved, so it can be
restored exactly.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select, update

from ..extensions import db
from ..models import (
    MAX_ID,
    ModerationAction,
    ModerationItem,
    Organizer,
    Petition,
    Signature,
    SignatureSource,
    SignatureState,
    utcnow,
)
from . import audit, counters, milestones, organisation_checks, panorama

MOVABLE = (SignatureState.PENDING, SignatureState.VERIFIED)
LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class Moved:
    """How many verified rows one guarded UPDATE moved, and their local and paper parts."""

    rows: int = 0
    local: int = 0
    paper: int = 0

    @classmethod
    def of(cls, returned) -> "Moved":
        return cls(
            len(returned),
            sum(1 for row in returned if row.local),
            sum(1 for row in returned if row.source == SignatureSource.PAPER),
        )


class ModerationError(ValueError):
    """A rule or reason is unusable; the message is for people."""


@dataclass
class Rule:
    domain: str = ""
    ip_hash: str = ""
    since: datetime | None = None
    until: datetime | None = None
    name_pattern: str = ""
    signature_id: int | None = None
    extra: dict = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.domain
            or self.ip_hash
            or self.since
            or self.until
            or self.name_pattern
            or self.signature_id
        )

    def as_json(self) -> str:
        data = {
            "domain": self.domain or None,
            "ip_hash": self.ip_hash or None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "name_pattern": self.name_pattern or None,
            "signature_id": self.signature_id,
        }
        return json.dumps(
            {k: v for k, v in data.items() if v is not None}, ensure_ascii=False, sort_keys=True
        )


def _like(pattern):
    """`*` is the wildcard people type; SQL's own wildcards are taken literally."""
    escaped = (
        pattern.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return escaped.replace("*", "%").lower()


def _conditions(petition, rule):
    if rule.is_empty():
        raise ModerationError(_("Indiquez au moins un critère."))
    if rule.since and rule.until and rule.until <= rule.since:
        raise ModerationError(_("La fin de la période doit suivre son début."))
    where = [Signature.petition_id == petition.id]
    if rule.signature_id:
        where.append(Signature.id == rule.signature_id)
    if rule.domain:
        where.append(Signature.email_domain == rule.domain.strip().lower().lstrip("@"))
    if rule.ip_hash:
        where.append(Signature.ip_hash == rule.ip_hash.strip().lower())
    if rule.since:
        where.append(Signature.created_at >= rule.since)
    if rule.until:
        where.append(Signature.created_at < rule.until)
    if rule.name_pattern:
        full = func.lower(
            func.coalesce(Signature.first_name, "") + " " + func.coalesce(Signature.last_name, "")
        )
        where.append(full.like(_like(rule.name_pattern), escape=LIKE_ESCAPE))
    return where


def preview(petition: Petition, rule: Rule) -> dict[str, int]:
    """{state: rows} the rule would move (pending and verified only)."""
    rows = db.session.execute(
        select(Signature.state, func.count())
        .where(*_conditions(petition, rule), Signature.state.in_(MOVABLE))
        .group_by(Signature.state)
    ).all()
    counts = {state: 0 for state in MOVABLE}
    counts.update(dict(rows))
    return counts


def sample(petition: Petition, rule: Rule, limit: int = 20) -> Sequence[Signature]:
    """Which signatures the rule would move: the first `limit`, newest first."""
    return db.session.scalars(
        select(Signature)
        .where(*_conditions(petition, rule), Signature.state.in_(MOVABLE))
        .order_by(Signature.created_at.desc(), Signature.id.desc())
        .limit(limit)
    ).all()


def _check_reason(reason):
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise ModerationError(_("Indiquez la raison (300 caractères au plus)."))
    return reason


def invalidate(
    petition: Petition, rule: Rule, reason: str, actor: Organizer | str | None
) -> ModerationAction:
    """Apply the rule; returns the logged ModerationAction (rows = rows moved)."""
    reason = _check_reason(reason)
    where = _conditions(petition, rule)
    action = _log(petition, actor, "invalidate", rule.as_json(), reason)
    verified = Moved()
    for state in MOVABLE:
        moved = db.session.execute(
            update(Signature)
            .where(*where, Signature.state == state)
            .values(
                state=SignatureState.INVALIDATED,
                invalidated_at=utcnow(),
                invalidation_reason=reason,
            )
            .returning(Signature.id, Signature.local, Signature.source)
            .execution_options(synchronize_session=False)
        ).all()
        ids = [row.id for row in moved]
        _record_items(action, ids, state)
        action.rows += len(ids)
        if state == SignatureState.VERIFIED:
            verified = Moved.of(moved)
    moved_verified = verified.rows
    if moved_verified:
        counters.adjust(petition.id, -moved_verified, local=-verified.local, paper=-verified.paper)
    _audit(petition, action, actor)
    panorama.prune(petition.id)  # organisations left with no verified signer leave the panorama
    db.session.commit()
    if moved_verified:
        counters.changed(petition.id)
    return action


def restore(
    petition: Petition,
    action_id: int,
    reason: str,
    actor: Organizer | str | None,
    signature_id: int | None = None,
) -> ModerationAction:
    """Put back every row an invalidation moved that is still invalidated
    (only `signature_id` when given) in the state it had before."""
    reason = _check_reason(reason)
    original = db.session.get(ModerationAction, action_id)
    if original is None or original.petition_id != petition.id or original.action != "invalidate":
        raise ModerationError(_("Action de modération introuvable."))
    rule = {"action_id": original.id}
    if signature_id:
        rule["signature_id"] = signature_id
    log_entry = _log(petition, actor, "restore", json.dumps(rule, sort_keys=True), reason)
    verified = Moved()
    for state in MOVABLE:
        item_ids = select(ModerationItem.signature_id).where(
            ModerationItem.action_id == original.id, ModerationItem.previous_state == state
        )
        if signature_id:
            item_ids = item_ids.where(ModerationItem.signature_id == signature_id)
        moved = db.session.execute(
            update(Signature)
            .where(
                Signature.petition_id == petition.id,
                Signature.id.in_(item_ids),
                Signature.state == SignatureState.INVALIDATED,
            )
            .values(state=state, invalidated_at=None, invalidation_reason=None)
            .returning(Signature.id, Signature.local, Signature.source)
            .execution_options(synchronize_session=False)
        ).all()
        ids = [row.id for row in moved]
        _record_items(log_entry, ids, SignatureState.INVALIDATED)
        log_entry.rows += len(ids)
        if state == SignatureState.VERIFIED:
            verified = Moved.of(moved)
    if not signature_id:
        original.restored_at = utcnow()
    reached = []
    moved_verified = verified.rows
    if moved_verified:
        counters.adjust(petition.id, moved_verified, local=verified.local, paper=verified.paper)
        reached = milestones.reach(petition.id)
    _audit(petition, log_entry, actor)
    db.session.commit()
    if moved_verified:
        counters.changed(petition.id)
        milestones.announce(reached)
    return log_entry


def _log(petition, actor, action, rule_json, reason):
    entry = ModerationAction(
        petition_id=petition.id,
        organizer_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or str(actor),
        action=action,
        rule=rule_json,
        reason=reason,
        rows=0,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _audit(petition, entry, actor):
    kind = audit.Kind.INVALIDATE if entry.action == "invalidate" else audit.Kind.RESTORE
    audit.record(
        [petition.id],
        kind,
        actor,
        action_id=entry.id,
        rows=entry.rows,
        reason=entry.reason,
        rule=json.loads(entry.rule),
    )


def _record_items(action, ids, previous_state):
    if ids:
        db.session.execute(
            insert(ModerationItem),
            [
                {"action_id": action.id, "signature_id": i, "previous_state": previous_state}
                for i in ids
            ],
        )


def latest_invalidation(petition: Petition, signature_id: int) -> int | None:
    """The id of the action that last invalidated this signature, or None."""
    return db.session.scalar(
        select(ModerationAction.id)
        .join(ModerationItem, ModerationItem.action_id == ModerationAction.id)
        .where(
            ModerationAction.petition_id == petition.id,
            ModerationAction.action == "invalidate",
            ModerationItem.signature_id == signature_id,
        )
        .order_by(ModerationAction.id.desc())
        .limit(1)
    )


def history(petition: Petition, limit: int = 50) -> Sequence[ModerationAction]:
    return db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.petition_id == petition.id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(limit)
    ).all()


def _as_id(text):
    """A signature number typed in the search box, or None.

    ASCII digits only (`str.isdigit` also accepts `²` and `①`, which int()
    refuses) and within MAX_ID (23 digits overflowed the driver); anything
    else is searched as text.
    """
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and int(text) <= MAX_ID:
        return int(text)
    return None


def search(
    petition: Petition, text: str | None = "", limit: int = 50, register_status: str = ""
) -> Sequence[Signature]:
    """Signatures to moderate one by one: by name, e-mail or id, and by the
    register status of their organisation."""
    query = select(Signature).where(Signature.petition_id == petition.id)
    if register_status:
        query = organisation_checks.with_status(query, register_status)
    text = (text or "").strip()
    number = _as_id(text)
    if number is not None:
        query = query.where(Signature.id == number)
    elif text:
        like = "%" + _like(text) + "%"
        query = query.where(
            or_(
                func.lower(Signature.email).like(like, escape=LIKE_ESCAPE),
                func.lower(Signature.last_name).like(like, escape=LIKE_ESCAPE),
                func.lower(Signature.first_name).like(like, escape=LIKE_ESCAPE),
            )
        )
    return db.session.scalars(query.order_by(Signature.created_at.desc()).limit(limit)).all()
