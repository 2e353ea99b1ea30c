"""Abuse resistance: event windows that lift the per-IP signing limit, and
soft signals that flag bursts for review (never refuse: a flag costs a
legitimate signer nothing, a refusal would cost the petition a signature).
"""

import functools
import ipaddress
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request, session
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from .. import tokens
from ..addresses import hash_ip
from ..extensions import db
from ..models import EventWindow, Petition, Signature, SignatureState, utcnow
from ..urls import external_url
from . import petitions

log = logging.getLogger(__name__)

#: Big mail providers: a burst from gmail.com is a popular petition, not a bot.
COMMON_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "outlook.fr",
        "hotmail.com",
        "hotmail.fr",
        "live.com",
        "live.fr",
        "msn.com",
        "yahoo.com",
        "yahoo.fr",
        "icloud.com",
        "me.com",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "neuf.fr",
        "laposte.net",
        "bbox.fr",
        "proton.me",
        "protonmail.com",
        "gmx.fr",
        "gmx.com",
        "aol.com",
    }
)
SESSION_KEY = "event_tokens"


class EventWindowError(ValueError):
    """The organizer's request is unusable; the message is for people."""


# ---- event windows -------------------------------------------------------


def open_window(
    petition: Petition,
    hours: int,
    label: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> EventWindow:
    """Open a window of `hours` for `ip` (None: for the QR link only)."""
    now = now or utcnow()
    limit = current_app.config["EVENT_WINDOW_MAX_HOURS"]
    if not 0 < hours <= limit:
        raise EventWindowError(_("La durée doit être comprise entre 1 et %(n)s heures.", n=limit))
    if ip:
        try:
            ip = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            raise EventWindowError(_("Cette adresse IP n’est pas valide.")) from None
    window = EventWindow(
        petition_id=petition.id,
        label=(label or "").strip()[:120],
        ip_hash=hash_ip(ip) if ip else None,
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
    )
    db.session.add(window)
    db.session.commit()
    return window


def close_window(petition: Petition, window_id: int, now: datetime | None = None) -> bool:
    """End a window now; returns whether one was open."""
    now = now or utcnow()
    moved = db.session.execute(
        update(EventWindow)
        .where(
            EventWindow.id == window_id,
            EventWindow.petition_id == petition.id,
            EventWindow.ends_at > now,
            EventWindow.starts_at < now,
        )
        .values(ends_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(moved)


def windows(petition: Petition) -> Sequence[EventWindow]:
    return db.session.scalars(
        select(EventWindow)
        .where(EventWindow.petition_id == petition.id)
        .order_by(EventWindow.ends_at.desc())
        .limit(20)
    ).all()


def event_link(window: EventWindow) -> str:
    """The QR link: opening it lifts the per-IP limit for this browser."""
    token = tokens.make("event", {"w": window.id})
    return external_url("public.petition", slug=window.petition.slug, event=token)


def remember_event_token(slug: str, token: str) -> bool:
    """Keep a valid QR token in the session so the form's POST carries it."""
    if _window_from_token(slug, token) is None:
        return False
    kept = dict(session.get(SESSION_KEY, {}))
    kept[slug] = token
    session[SESSION_KEY] = kept
    return True


def _window_from_token(slug, token, now=None):
    try:
        window_id = tokens.row_id(tokens.read("event", token), "w")
    except tokens.TokenError:
        return None
    window = db.session.get(EventWindow, window_id)
    if window is None or window.petition.slug != slug or not window.is_active(now):
        return None
    return window


def active_window(slug: str, ip: str | None, now: datetime | None = None) -> EventWindow | None:
    """The window that lets this request sign petition `slug` beyond the IP limit."""
    now = now or utcnow()
    token = session.get(SESSION_KEY, {}).get(slug) if has_request_context() else None
    if token:
        window = _window_from_token(slug, token, now)
        if window is not None:
            return window
    if not ip:
        return None
    return db.session.scalars(
        select(EventWindow)
        .join(Petition, Petition.id == EventWindow.petition_id)
        .where(
            Petition.slug == slug,
            EventWindow.ip_hash == hash_ip(ip),
            EventWindow.starts_at <= now,
            EventWindow.ends_at > now,
        )
        .limit(1)
    ).first()


def request_window() -> EventWindow | None:
    """The active window of the current sign request, computed once per request.

    Without a QR token in the session (nearly always), one SELECT brings the
    petition (kept for the view: petitions.get_public) and the id of a window
    open for this IP; the window itself is loaded only when there is one."""
    if "event_window" not in g:
        slug = (request.view_args or {}).get("slug", "")
        if session.get(SESSION_KEY, {}).get(slug):
            g.event_window = active_window(slug, request.remote_addr)
        else:
            g.event_window = _petition_and_ip_window(slug, request.remote_addr)
    return g.event_window


def _petition_and_ip_window(slug, ip, now=None):
    params = {"slug": slug, "ip_hash": hash_ip(ip) if ip else None, "now": now or utcnow()}
    result = db.session.execute(_petition_and_ip_window_query(), params)
    rows = result.unique().all()
    if not rows:
        g.public_petition = (slug, None)
        return None
    petition, found = rows[0]
    g.public_petition = (slug, petitions.visible(petition))
    return db.session.get(EventWindow, found) if found is not None else None


@functools.cache
def _petition_and_ip_window_query():
    """Built once: the same statement object each time skips SQLAlchemy's
    statement building and cache-key computation on every sign request."""
    now = bindparam("now")
    window_id = (
        select(EventWindow.id)
        .where(
            EventWindow.petition_id == Petition.id,
            EventWindow.ip_hash == bindparam("ip_hash"),  # NULL: no IP, no window
            EventWindow.starts_at <= now,
            EventWindow.ends_at > now,
        )
        .limit(1)
        .scalar_subquery()
    )
    return petitions.public_query(bindparam("slug")).add_columns(window_id)


# ---- soft signals --------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """One soft signal of a new signature: its IP hash or its email domain."""

    column: InstrumentedAttribute
    value: str
    threshold: int

    def key(self, petition_id, bucket):
        return f"abuse:burst:{petition_id}:{self.column.key}:{self.value}:{bucket}"


def signals(petition_id: int, ip_hash: str | None, domain: str | None) -> list[Signal]:
    """The signals a new signature of this IP hash and domain can be part of."""
    config = current_app.config
    under_event = has_request_context() and g.get("event_window") is not None
    found = []
    if ip_hash and not under_event:
        found.append(Signal(Signature.ip_hash, ip_hash, config["ABUSE_IP_BURST"]))
    if domain and domain not in COMMON_DOMAINS:
        found.append(Signal(Signature.email_domain, domain, config["ABUSE_DOMAIN_BURST"]))
    return found


def _window_seconds():
    return current_app.config["ABUSE_WINDOW_MINUTES"] * 60


def count_signals(pipe, petition_id: int, found: list[Signal]) -> int:
    """Add to a Redis pipeline the commands counting this signature in each
    signal's window (fixed buckets of the window's length); returns how many
    commands. See `flag_bursts` for why these counts are only a filter."""
    window = _window_seconds()
    bucket = int(time.time()) // window
    for signal in found:
        key = signal.key(petition_id, bucket)
        pipe.incr(key)
        pipe.expire(key, 2 * window)
        pipe.get(signal.key(petition_id, bucket - 1))
    return 3 * len(found)


def flag_bursts(petition_id: int, found: list[Signal], counted: list | None = None) -> int:
    """Flag the recent signatures of a burst from this IP hash or email domain.

    `counted`: the results of `count_signals`' commands, or None (Redis
    down). The SQL count of a signal's window is at most the sum of the
    current and the previous bucket, so when that sum is under the threshold
    there is no burst and no query is made; otherwise SQL decides, as before.
    """
    since = utcnow() - timedelta(seconds=_window_seconds())
    flagged = 0
    for i, signal in enumerate(found):
        if counted is not None:
            current, _expire, previous = counted[3 * i : 3 * i + 3]
            if int(current) + int(previous or 0) < signal.threshold:
                continue
        flagged += _flag_if_burst(petition_id, signal.column, signal.value, since, signal.threshold)
    if flagged:
        db.session.commit()
    return flagged


def _flag_if_burst(petition_id, column, value, since, threshold):
    where = (Signature.petition_id == petition_id, column == value, Signature.created_at >= since)
    count = db.session.scalar(select(func.count()).select_from(Signature).where(*where))
    if count < threshold:
        return 0
    moved = db.session.execute(
        update(Signature)
        .where(*where, Signature.flagged.is_(False))
        .values(flagged=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        log.warning(
            "Burst of %s signatures on petition %s from one %s: flagged %s",
            count,
            petition_id,
            column.key,
            moved,
        )
    return moved


@dataclass
class Trend:
    value: str
    count: int


def trending(
    petition: Petition,
    column: InstrumentedAttribute,
    hours: int = 1,
    minimum: int = 2,
    limit: int = 10,
) -> list[Trend]:
    """The IP hashes or email domains with the most signatures in the last hour."""
    since = utcnow() - timedelta(hours=hours)
    rows = db.session.execute(
        select(column, func.count().label("n"))
        .where(
            Signature.petition_id == petition.id,
            Signature.created_at >= since,
            column.is_not(None),
            Signature.state.in_((SignatureState.PENDING, SignatureState.VERIFIED)),
        )
        .group_by(column)
        .having(func.count() >= minimum)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [Trend(value, n) for value, n in rows]


def flagged(petition: Petition, limit: int = 50) -> Sequence[Signature]:
    return db.session.scalars(
        select(Signature)
        .where(
            Signature.petition_id == petition.id,
            Signature.flagged.is_(True),
            Signature.state.in_((SignatureState.PENDING, SignatureState.VERIFIED)),
        )
        .order_by(Signature.created_at.desc())
        .limit(limit)
    ).all()


def mail_failures(petition: Petition, limit: int = 50) -> Sequence[Signature]:
    """Signatures whose email was refused for good (5xx): shown to organizers."""
    return db.session.scalars(
        select(Signature)
        .where(Signature.petition_id == petition.id, Signature.email_failed_at.is_not(None))
        .order_by(Signature.email_failed_at.desc())
        .limit(limit)
    ).all()


def clear_flags(petition: Petition) -> int:
    """The organizer reviewed the flagged signatures and keeps them."""
    moved = db.session.execute(
        update(Signature)
        .where(Signature.petition_id == petition.id, Signature.flagged.is_(True))
        .values(flagged=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return moved


def delete_old_windows(before: datetime) -> int:
    """Ended windows hold an IP hash: drop them once they are history."""
    moved = db.session.execute(
        delete(EventWindow)
        .where(EventWindow.ends_at < before)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return moved


def window_of(petition: Petition, window_id: int) -> EventWindow | None:
    window = db.session.get(EventWindow, window_id)
    return window if window is not None and window.petition_id == petition.id else None
