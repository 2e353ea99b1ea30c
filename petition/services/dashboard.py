"""What an organizer's dashboard shows: counts, breakdowns, organisations,
signatures per day (as SVG bar geometry, drawn server-side), the latest
signatures and the emails that could not be delivered. Read-only."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Row, cast, distinct, func, select
from sqlalchemy.orm import InstrumentedAttribute

from ..extensions import db
from ..models import Petition, Signature, SignatureState
from . import exports, moderation

CHART_DAYS = 60


def state_counts(petition: Petition) -> dict[str, int]:
    rows = db.session.execute(
        select(Signature.state, func.count())
        .where(Signature.petition_id == petition.id)
        .group_by(Signature.state)
    ).all()
    counts = {state: 0 for state in SignatureState.ALL}
    counts.update(dict(rows))
    return counts


def _verified(petition):
    return (Signature.petition_id == petition.id, Signature.state == SignatureState.VERIFIED)


def by_column(petition: Petition, column: InstrumentedAttribute) -> Sequence[Row]:
    return db.session.execute(
        select(func.coalesce(column, ""), func.count())
        .where(*_verified(petition))
        .group_by(column)
        .order_by(func.count().desc(), column)
    ).all()


def organisations(petition: Petition) -> tuple[int, int]:
    """(distinct organisations, of which identified by SIREN).

    A SIRET's first 9 digits are its SIREN; without a number, the name
    (case-insensitive) stands for the organisation.
    """
    sirens = db.session.scalar(
        select(func.count(distinct(func.substr(Signature.siren, 1, 9)))).where(
            *_verified(petition), Signature.siren.is_not(None), Signature.siren != ""
        )
    )
    named = db.session.scalar(
        select(func.count(distinct(func.lower(func.trim(Signature.organisation))))).where(
            *_verified(petition),
            func.coalesce(Signature.siren, "") == "",
            Signature.organisation.is_not(None),
            func.trim(Signature.organisation) != "",
        )
    )
    return (sirens or 0) + (named or 0), sirens or 0


def _day_expression():
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("UTC", Signature.verified_at), Date)
    return func.date(Signature.verified_at)


def per_day(
    petition: Petition, days: int = CHART_DAYS, today: date | None = None
) -> list[tuple[date, int]]:
    """[(date, verified that day)] for the last `days` days, zero-filled."""
    today = today or date.today()
    first = today - timedelta(days=days - 1)
    day = _day_expression()
    rows = db.session.execute(
        select(day, func.count()).where(*_verified(petition)).group_by(day)
    ).all()
    found = {}
    for value, count in rows:
        value = date.fromisoformat(value) if isinstance(value, str) else value
        if value and value >= first:
            found[value] = found.get(value, 0) + count
    return [
        (first + timedelta(days=i), found.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


@dataclass
class Bar:
    day: date
    count: int
    x: float
    y: float
    height: float


def chart(
    series: Sequence[tuple[date, int]], width: int = 600, height: int = 160, pad: int = 24
) -> dict[str, Any]:
    """Bars in SVG user units; the template draws them (no script)."""
    peak = max((c for _d, c in series), default=0) or 1
    step = (width - pad) / max(len(series), 1)
    bars = []
    for i, (day, count) in enumerate(series):
        h = (height - pad) * count / peak
        bars.append(Bar(day, count, pad + i * step, height - pad - h, h))
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "pad": pad,
        "peak": peak,
        "bar_width": max(step - 1, 1),
        "total": sum(c for _d, c in series),
    }


def latest(petition: Petition, limit: int = 20) -> Sequence[Signature]:
    return db.session.scalars(
        select(Signature)
        .where(Signature.petition_id == petition.id)
        .order_by(Signature.created_at.desc(), Signature.id.desc())
        .limit(limit)
    ).all()


def failed_emails(petition: Petition, limit: int = 50) -> Sequence[Signature]:
    return db.session.scalars(
        select(Signature)
        .where(Signature.petition_id == petition.id, Signature.email_failed_at.is_not(None))
        .order_by(Signature.email_failed_at.desc())
        .limit(limit)
    ).all()


def summary(petition: Petition) -> dict[str, Any]:
    return {
        "counts": state_counts(petition),
        "by_category": by_column(petition, Signature.category),
        "by_commune": by_column(petition, Signature.commune),
        "organisations": organisations(petition),
        "chart": chart(per_day(petition)),
        "latest": latest(petition),
        "failed": failed_emails(petition),
        "exports": exports.logs(petition),
        "moderation": moderation.history(petition, limit=10),
    }
