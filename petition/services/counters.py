"""The petition's verified count: moved by guarded SQL inside the caller's
transaction, announced after commit, read from caches.

`adjust` runs inside the transaction that changes a signature's state, so the
count always equals the number of verified signatures. `changed` runs after
the commit: it refreshes the Redis copy and publishes the new count (live
updates). `read` serves the public count with no SQL on the hot path: an
in-process micro-cache (~1 s, bounded: services/local_counts.py) in front of
Redis, rebuilt from the database on a miss, so a Redis flush or restart loses
nothing.

Redis keys carry a generation number bumped by every change: a reader that
rebuilds a copy from the database writes it under the generation it saw, so a
slow reader can never overwrite a newer count with an older one.
"""

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC
from typing import Any, Self

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Integer, bindparam, func, select, update

from .. import jobs
from ..extensions import db
from ..models import Petition, PetitionState, Signature, SignatureState, utcnow
from . import local_counts

log = logging.getLogger(__name__)

#: Seconds a Redis copy lives without a change (bounds staleness after edits
#: that do not call `changed`, e.g. a goal edited by an organizer).
DOC_TTL = 60
SLUG_TTL = 300
BREAKDOWN_TTL = 300


def adjust(petition_id: int, delta: int, local: int = 0, paper: int = 0, also=None) -> Any:
    """Add `delta` to the count, `local` to its territory's part and `paper`
    to its paper part, in the current transaction, in one guarded statement
    (never below zero).

    Returns the row as this transaction leaves it (`signature_count`,
    `local_count`, `paper_count`, `updated_at`, and, when `also` is given,
    `also`: the SQL expression `also(petition_id)` evaluated on the updated
    row, e.g. milestones.due), or None when the guard refused the change.
    Objects of the session are not updated: the commit expires them."""
    return db.session.execute(
        _adjust_statement(also),
        {"petition_id": petition_id, "delta": delta, "local": local, "paper": paper},
    ).first()


@functools.cache
def _adjust_statement(also):
    """Built once per process: confirmations run it at every click."""
    petitions = Petition.__table__
    petition_id = bindparam("petition_id", type_=Integer)
    delta, local, paper = (bindparam(name, type_=Integer) for name in ("delta", "local", "paper"))
    returned = [
        petitions.c.signature_count,
        petitions.c.local_count,
        petitions.c.paper_count,
        petitions.c.updated_at,
    ]
    if also is not None:
        returned.append(also(petition_id).label("also"))
    return (
        update(petitions)
        .where(
            petitions.c.id == petition_id,
            petitions.c.signature_count + delta >= 0,
            petitions.c.local_count + local >= 0,
            petitions.c.paper_count + paper >= 0,
        )
        .values(
            signature_count=petitions.c.signature_count + delta,
            local_count=petitions.c.local_count + local,
            paper_count=petitions.c.paper_count + paper,
            # Evaluated at each execution, not once.
            updated_at=bindparam("now", callable_=utcnow, type_=Petition.updated_at.type),
        )
        .returning(*returned)
    )


@dataclass(frozen=True)
class CountDoc:
    """What the count endpoint, the embed, the badge and the stream show."""

    petition_id: int
    slug: str
    title: str
    state: str
    goal: int
    signature_count: int
    updated_at: str
    # Defaults: a copy cached in Redis by the previous release still reads.
    local_count: int = 0
    goal_scope: str = "total"
    paper_count: int = 0

    @property
    def public(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "signature_count": self.signature_count,
            "local_count": self.local_count,
            "paper_count": self.paper_count,
            # signature_count and local_count include the paper signatures.
            "paper_included": True,
            "goal": self.goal,
            "goal_scope": self.goal_scope,
            "updated_at": self.updated_at,
        }

    @property
    def goal_count(self) -> int:
        return self.local_count if self.goal_scope == "local" else self.signature_count

    @property
    def body(self) -> bytes:
        return self.__dict__.setdefault(
            "_body", json.dumps(self.public, separators=(",", ":")).encode()
        )

    @property
    def etag(self) -> str:
        return self.__dict__.setdefault(
            "_etag", '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Self:
        return cls(**json.loads(raw))


def _key(kind, *parts):
    return "counts:" + kind + ":" + ":".join(str(p) for p in parts)


def channel(petition_id: int) -> str:
    """The pub/sub channel on which each new count of a petition is published."""
    return _key("events", petition_id)


#: Where every petition's new count is also published: the overview's one
#: stream for the whole page (/api/v1/events), whatever the number of petitions.
ALL_CHANNEL = _key("events", "all")
#: Bumped by every change of any petition: the overview's caches are keyed by it.
ALL_GENERATION = _key("gen", "all")


def _iso(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def load(petition_id: int | None = None, slug: str | None = None) -> CountDoc | None:
    """Build a CountDoc from the database (the one place reads do SQL)."""
    where = Petition.id == petition_id if slug is None else Petition.slug == slug
    row = db.session.execute(
        select(
            Petition.id,
            Petition.slug,
            Petition.title,
            Petition.state,
            Petition.goal,
            Petition.signature_count,
            Petition.updated_at,
            Petition.local_count,
            Petition.goal_scope,
            Petition.paper_count,
        ).where(where)
    ).first()
    if row is None:
        return None
    return CountDoc(
        row.id,
        row.slug,
        row.title,
        row.state,
        row.goal,
        row.signature_count,
        _iso(row.updated_at),
        row.local_count,
        row.goal_scope,
        row.paper_count,
    )


def _generation(redis, petition_id):
    return int(redis.get(_key("gen", petition_id)) or 0)


def _from_redis(redis, slug):
    petition_id = redis.get(_key("slug", slug))
    if petition_id is None:
        doc = load(slug=slug)
        if doc is None:
            return None
        redis.set(_key("slug", slug), doc.petition_id, ex=SLUG_TTL)
        petition_id = doc.petition_id
    petition_id = int(petition_id)
    gen = _generation(redis, petition_id)
    raw = redis.get(_key("doc", petition_id, gen))
    if raw is not None:
        doc = CountDoc.from_json(raw)
    else:
        doc = load(petition_id=petition_id)
        if doc is not None:
            redis.set(_key("doc", doc.petition_id, gen), doc.to_json(), ex=DOC_TTL, nx=True)
    if doc is None or doc.slug != slug:  # renamed or deleted: forget the old address
        redis.delete(_key("slug", slug))
        return load(slug=slug) if doc is not None else None
    return doc


def _fetch(slug):
    try:
        return _from_redis(jobs.redis(), slug)
    except RedisError as exc:
        log.warning("Redis unavailable, count of %s read from the database: %s", slug, exc)
        return load(slug=slug)


def _local():
    return local_counts.of(current_app)


def clear_local() -> None:
    """Forget this process's micro-cache (tests, and after a failed refresh)."""
    _local().clear()


def _forget_local(slug: str) -> None:
    _local().forget(slug)


def read(slug: str, fresh: bool = False) -> CountDoc | None:
    """The public CountDoc of a petition by slug, or None (unknown or draft).

    A hit of the in-process micro-cache does no I/O at all; `fresh` skips it.
    """
    local = _local()
    if not fresh:
        hit, doc = local.get(slug)
        if hit:
            return doc
    ticket = local.begin(slug)  # before the fetch: a change after it wins
    doc = _fetch(slug)
    if doc is not None and doc.state == PetitionState.DRAFT:
        doc = None
    local.store(slug, ticket, doc, current_app.config.get("COUNT_LOCAL_TTL", 1.0))
    return doc


def changed(petition_id: int) -> CountDoc | None:
    """Called after a commit that moved the count. Must never raise.

    Bumps the generation, stores the count read from the database under it,
    and publishes it on the petition's channel.
    """
    try:
        redis = jobs.redis()
        gen = redis.incr(_key("gen", petition_id))
        doc = load(petition_id=petition_id)  # read after the bump: never older than it
        if doc is None:
            return None
        _forget_local(doc.slug)
        pipe = redis.pipeline(transaction=False)
        pipe.set(_key("doc", petition_id, gen), doc.to_json(), ex=DOC_TTL)
        pipe.set(_key("slug", doc.slug), petition_id, ex=SLUG_TTL)
        pipe.publish(channel(petition_id), doc.body)
        pipe.publish(ALL_CHANNEL, doc.body)
        pipe.incr(ALL_GENERATION)
        pipe.execute()
        return doc
    except Exception:  # a confirmation must succeed even when Redis is down
        log.exception("Could not refresh the cached count of petition %s", petition_id)
        clear_local()  # at least this process reads the database again
        return None


def breakdown(petition_id: int) -> dict[str, Any]:
    """Verified counts by category and by commune, cached per generation."""
    return cached(petition_id, "by", _breakdown_from_db)


def cached(petition_id: int, kind: str, compute: Callable[[int], Any]) -> Any:
    """`compute(petition_id)`, JSON, kept in Redis under the count's generation:
    every change of the count (changed()) makes the next read compute it again,
    and between changes every process answers from the one copy."""
    try:
        redis = jobs.redis()
        key = _key(kind, petition_id, _generation(redis, petition_id))
        raw = redis.get(key)
        if raw is not None:
            return json.loads(raw)
    except RedisError as exc:
        log.warning("Redis unavailable, %s computed from the database: %s", kind, exc)
        redis = None
    data = compute(petition_id)
    if redis is not None:
        try:
            redis.set(key, json.dumps(data), ex=BREAKDOWN_TTL, nx=True)
        except RedisError:
            pass  # the next read computes it again
    return data


def _breakdown_from_db(petition_id):
    verified = (Signature.petition_id == petition_id, Signature.state == SignatureState.VERIFIED)
    by_category = db.session.execute(
        select(Signature.category, func.count())
        .where(*verified)
        .group_by(Signature.category)
        .order_by(func.count().desc(), Signature.category)
    ).all()
    by_commune = db.session.execute(
        select(Signature.commune, func.count())
        .where(*verified)
        .group_by(Signature.commune)
        .order_by(func.count().desc(), Signature.commune)
    ).all()
    return {
        "by_category": {category: n for category, n in by_category},
        "by_commune": [{"commune": commune, "count": n} for commune, n in by_commune],
    }
