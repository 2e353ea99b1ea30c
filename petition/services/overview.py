"""The national overview (`/`, `/embed/classement`, the list API): every public
petition with its verified count, local part, progress and signatures of the
last 7 days, sorted and searched as the visitor asks.

Nothing here is personal: counts only. The rows come from two queries (the
petitions with their areas, then the verified signatures of the last 7 days
grouped by petition). Each process keeps them while the generation of all
counts in Redis (bumped by every change: counters.changed) stays the same, and
at most `OVERVIEW_TTL` seconds (signatures age out of the 7 days; without Redis,
the only bound): one Redis GET per request, no SQL between changes. The page's
one live stream (/api/v1/events) keeps it current afterwards. Each (sort,
search) answer is kept as long, in a bounded cache keyed by the generation and
the folded search text, so no request input grows memory.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from cachetools import TTLCache
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import jobs
from ..extensions import db
from ..geo import fold, geography
from ..geo.territory import label
from ..models import Petition, PetitionState, Signature, SignatureState, utcnow
from . import counters

log = logging.getLogger(__name__)

EXTENSION = "overview"
#: The orders a visitor may choose (`?tri=`), the first by default.
SORTS = ("nombre", "progression", "croissance", "nom")
WEEK = timedelta(days=7)
#: Longest search kept: a commune or territory name, never a paragraph.
MAX_QUERY = 80
#: Communes a search looks at: the names starting with (then holding) the text.
COMMUNES_SEARCHED = 50
#: Answers kept per process (sorts × searches).
CACHE_SIZE = 256


@dataclass(frozen=True)
class Row:
    slug: str
    title: str
    territory: str
    state: str
    goal: int
    goal_scope: str
    signature_count: int
    local_count: int
    week_count: int
    updated_at: object
    paper_count: int = 0  # the part of signature_count collected on paper
    codes: frozenset = field(repr=False, default=frozenset())
    names: str = field(repr=False, default="")  # folded title, territory, area names
    matched: str = ""  # the commune a search found the petition by

    @property
    def goal_count(self) -> int:
        return self.local_count if self.goal_scope == "local" else self.signature_count

    @property
    def progress(self) -> float:
        return self.goal_count / self.goal if self.goal else 0.0

    @property
    def percent(self) -> int:
        return int(self.progress * 100)


@dataclass(frozen=True)
class Overview:
    sort: str
    query: str
    open: list
    closed: list
    total: int  # every public petition's verified count, whatever the search
    total_local: int
    territories: int
    counts: dict  # slug -> count, what the live script adds changes to


def normalise_sort(value: str | None) -> str:
    return value if value in SORTS else SORTS[0]


def normalise_query(value: str | None) -> str:
    return " ".join((value or "").split())[:MAX_QUERY]


def overview(sort: str | None = None, query: str | None = None) -> Overview:
    """The rows, split open/closed, sorted by `sort`, filtered by `query`."""
    sort, query = normalise_sort(sort), normalise_query(query)
    state = _state(current_app)
    generation = _generation()
    key = (generation, sort, fold(query))
    with state.lock:
        found = state.answers.get(key)
    if found is None:
        found = _answer(rows(generation), sort, query)
        with state.lock:
            state.answers[key] = found
    return found


def rows(generation: int | None = None) -> tuple[Row, ...]:
    """Every public petition's Row, by title, as of `generation` of the counts."""
    state = _state(current_app)
    with state.lock:
        kept = state.rows
        if kept is not None and kept[0] > time.monotonic() and kept[1] == generation:
            return kept[2]
    found = _load()
    expires = time.monotonic() + current_app.config.get("OVERVIEW_TTL", 30.0)
    with state.lock:
        state.rows = (expires, generation, found)
    return found


def _generation() -> int | None:
    """The generation of all counts, or None when Redis is down (then the TTL alone)."""
    try:
        return int(jobs.redis().get(counters.ALL_GENERATION) or 0)
    except RedisError as exc:
        log.warning("Redis unavailable, the overview is kept by time only: %s", exc)
        return None


def clear() -> None:
    """Forget this process's rows and answers (tests, after an edit)."""
    state = _state(current_app)
    with state.lock:
        state.rows = None
        state.answers.clear()


def _answer(all_rows, sort, query):
    shown = search(all_rows, query) if query else list(all_rows)
    shown.sort(key=SORT_KEYS[sort])
    return Overview(
        sort=sort,
        query=query,
        open=[r for r in shown if r.state == PetitionState.OPEN],
        closed=[r for r in shown if r.state == PetitionState.CLOSED],
        total=sum(r.signature_count for r in all_rows),
        total_local=sum(r.local_count for r in all_rows),
        territories=len(all_rows),
        counts={r.slug: r.signature_count for r in all_rows},
    )


SORT_KEYS = {
    "nombre": lambda r: (-r.signature_count, fold(r.title)),
    "progression": lambda r: (-r.progress, -r.signature_count, fold(r.title)),
    "croissance": lambda r: (-r.week_count, -r.signature_count, fold(r.title)),
    "nom": lambda r: fold(r.title),
}


def search(all_rows, query: str) -> list[Row]:
    """Rows whose title, territory or area names hold `query` (accents and case
    aside), then those whose territory holds a commune of that name (else,
    of a name starting with or holding it)."""
    wanted = fold(query)
    if not wanted:
        return list(all_rows)
    found = [r for r in all_rows if wanted in r.names]
    communes = geography().search(query, limit=COMMUNES_SEARCHED)
    # "Saint-Étienne" is the city, not Saint-Étienne-de-Tinée: a commune of
    # that very name wins over those whose name merely starts with it.
    exact = [c for c in communes if fold(c.name) == wanted]
    communes = exact or communes
    for row in all_rows:
        if row in found:
            continue
        commune = next((c for c in communes if c.commune_code in row.codes), None)
        if commune is not None:
            found.append(_with_match(row, commune.name))
    return found


def _with_match(row, name):
    values = {f: getattr(row, f) for f in row.__dataclass_fields__}
    return Row(**{**values, "matched": name})


def _load() -> tuple[Row, ...]:
    petitions = db.session.scalars(
        select(Petition)
        .where(Petition.state != PetitionState.DRAFT)
        .options(selectinload(Petition.areas))
        .order_by(Petition.title)
    ).all()
    week = dict(
        db.session.execute(
            select(Signature.petition_id, func.count())
            .where(
                Signature.state == SignatureState.VERIFIED,
                Signature.verified_at >= utcnow() - WEEK,
            )
            .group_by(Signature.petition_id)
        ).all()
    )
    return tuple(
        Row(
            slug=p.slug,
            title=p.title,
            territory=p.territory,
            state=p.state,
            goal=p.goal,
            goal_scope=p.goal_scope,
            signature_count=p.signature_count,
            local_count=p.local_count,
            week_count=week.get(p.id, 0),
            updated_at=p.updated_at,
            paper_count=p.paper_count,
            codes=p.territory_codes,
            names=fold(" | ".join([p.title, p.territory, *map(label, p.area_key)])),
        )
        for p in petitions
    )


def counts() -> list[dict]:
    """Every public petition's count as the count endpoint words it, read now
    (the first event of the overview's stream: a reconnect misses nothing)."""
    found = db.session.execute(
        select(
            Petition.slug,
            Petition.signature_count,
            Petition.local_count,
            Petition.goal,
            Petition.goal_scope,
        ).where(Petition.state != PetitionState.DRAFT)
    ).all()
    return [
        {"slug": s, "signature_count": n, "local_count": local, "goal": g, "goal_scope": scope}
        for s, n, local, g, scope in found
    ]


class _State:
    def __init__(self, ttl):
        self.lock = threading.Lock()
        self.rows = None
        self.answers = TTLCache(maxsize=CACHE_SIZE, ttl=ttl, timer=time.monotonic)


def _state(app) -> _State:
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, _State(app.config.get("OVERVIEW_TTL", 30.0)))
    return found
