"""Attestations of support: what a petition's verified support is, how it was
verified, signed with the platform's Ed25519 key (petition/keys.py).

`create()` takes one instant: the verified total with its breakdown, the
organisations, the method, and a CSV export made then, whose SHA-256 the
document states. The counts come from one grouped pass (`tallies`), run
side by side with the export; on PostgreSQL both read one snapshot, on
SQLite the whole is retried if a confirmation landed in between. Either
way the export's rows always equal the total. The payload is signed as
canonical JSON into an envelope (petition/verify.py checks it), rendered as a
PDF that carries the envelope and is signed in turn, and stored under a
random id for /verifier.
Format: docs/attestations.md.
"""

import hashlib
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import func, select, text

from .. import keys
from ..extensions import db
from ..geo import geography
from ..models import (
    Attestation,
    ModerationAction,
    Organizer,
    Petition,
    Signature,
    SignatureState,
    utcnow,
)
from ..urls import external_url
from ..verify import FORMAT, TYPE, canonical
from . import attestation_pdf, exports, organisation_counts, sample_audits

#: Register statuses of an organisation (the Sirene check fills them in).
ORGANISATION_STATUSES = ("active", "closed", "not_found", "not_checked")
#: Tries before giving up when confirmations keep landing during the export.
TRIES = 5


class AttestationError(RuntimeError):
    """The attestation could not be made; the message is for people."""


class _Digest:
    """A file object that only hashes what is written (no copy of the CSV kept)."""

    def __init__(self):
        self.sha256 = hashlib.sha256()

    def write(self, data):
        self.sha256.update(data)


def territory(petition: Petition) -> dict[str, Any]:
    """The territory as official codes: the areas the organizer gave (EPCI by
    SIREN, départements, communes) and the INSEE code of every commune they
    hold; hand-typed communes no official one matched are listed apart."""
    return {
        "name": petition.territory,
        "areas": [{"kind": a.kind, "code": a.code} for a in petition.area_key],
        "insee_codes": sorted(petition.territory_codes),
        "unmapped": sorted(c.name for c in petition.unmapped_communes),
    }


@dataclass
class Tallies:
    """What one pass over a petition's signatures counts."""

    by_category_commune: list[dict[str, Any]]
    states: dict[str, int]  # every signature of the petition, by state
    signers_by_siren: dict[str, int]  # verified signers per SIREN (a SIRET counts as its SIREN)

    @property
    def verified_total(self) -> int:
        return sum(r["count"] for r in self.by_category_commune)

    @property
    def local_total(self) -> int:
        return sum(r["count"] for r in self.by_category_commune if r["local"])


def tallies(petition_id: int, reader=None) -> Tallies:
    """Every count the attestation states, from ONE grouped pass over the
    petition's signatures (state × category × commune × place × SIREN): at a
    million rows each full pass costs about as much as a tenth of the export,
    and there used to be four (docs/performance.md, "Attestation").
    `reader`: the connection holding the attestation's snapshot (`_one_instant`),
    else the session."""
    siren = func.substr(Signature.siren, 1, 9)
    keys = (
        Signature.state,
        Signature.category,
        Signature.insee,
        Signature.commune,
        Signature.local,
        siren,
    )
    rows = (
        (reader or db.session)
        .execute(
            select(*keys, func.count()).where(Signature.petition_id == petition_id).group_by(*keys)
        )
        .all()
    )
    states: dict[str, int] = {}
    places: dict[tuple, int] = {}
    sirens: dict[str, int] = {}
    for state, category, insee, typed, local, siren_, n in rows:
        states[state] = states.get(state, 0) + n
        if state != SignatureState.VERIFIED:
            continue
        key = (category, insee, typed, local)
        places[key] = places.get(key, 0) + n
        if siren_:
            sirens[siren_] = sirens.get(siren_, 0) + n
    return Tallies(by_category_commune(places), states, sirens)


def by_category_commune(places: dict[tuple, int]) -> list[dict[str, Any]]:
    """Verified signatures by category × commune: the commune's INSEE code and
    official name, and whether it lies in the territory (None: never placed).
    `places`: counts by (category, insee, typed commune, local)."""
    geo = geography()
    found = {}
    for (category, insee, typed, local), n in places.items():
        commune = geo.commune(insee) if insee else None
        name = commune.name if commune else (typed or "")
        key = (category, insee or "", name, local)
        found[key] = found.get(key, 0) + n
    return sorted(
        (
            {"category": c, "insee": i, "commune": m, "local": local, "count": n}
            for (c, i, m, local), n in found.items()
        ),
        key=lambda r: (r["category"], r["commune"], r["insee"]),
    )


def organisations_by_status(
    petition_id: int, signers_by_siren: dict[str, int], reader=None
) -> dict[str, Any]:
    """Distinct organisations (by SIREN) of the verified signers, by register status.

    Each SIREN once, with its best-known status among its signatures' checks
    (organisation_checks; none yet: `not_checked`), and its registered name
    unless the unit is partially diffusible (services/organisation_counts.py).
    The signers per SIREN come from the one pass (`tallies`), so only the
    checked signatures are read here.
    """
    found = {status: [] for status in ORGANISATION_STATUSES}
    for org in organisation_counts.organisations(petition_id, signers_by_siren, reader):
        item = {"siren": org.siren, "signers": org.signers}
        if org.name:
            item["name"] = org.name
        found[org.status].append(item)
    return {
        status: {"count": len(items), "organisations": items} for status, items in found.items()
    }


def method(petition: Petition, states: dict[str, int]) -> dict[str, Any]:
    """How the count was obtained, with the moderation and withdrawals behind it.
    `states`: the petition's signatures by state (`tallies`)."""
    config = current_app.config
    actions = db.session.execute(
        select(
            ModerationAction.action,
            ModerationAction.reason,
            func.count(),
            func.coalesce(func.sum(ModerationAction.rows), 0),
        )
        .where(ModerationAction.petition_id == petition.id, ModerationAction.restored_at.is_(None))
        .group_by(ModerationAction.action, ModerationAction.reason)
    ).all()
    return {
        "confirmation": "email_double_opt_in",
        "confirmation_detail": "link_opens_page_then_button_post",  # mail scanners click links
        "confirm_link_max_age_seconds": config["CONFIRM_TOKEN_MAX_AGE"],
        "deduplication": "one_signature_per_canonical_email_per_petition",
        "deduplication_detail": "lower_case_nfkc_plus_tag_dropped_gmail_dots_dropped",
        "email_cap_per_signature": config["MAX_EMAILS_PER_SIGNATURE"],
        "moderation": sorted(
            (
                {"action": a, "reason": r, "actions": n, "signatures": int(rows)}
                for a, r, n, rows in actions
            ),
            key=lambda m: (m["action"], m["reason"]),
        ),
        "invalidated": states.get(SignatureState.INVALIDATED, 0),
        "withdrawn": states.get(SignatureState.WITHDRAWN, 0),
        "pending_not_counted": states.get(SignatureState.PENDING, 0),
    }


def _counted(petition_id, reader):
    counts = tallies(petition_id, reader)
    return counts, organisations_by_status(petition_id, counts.signers_by_siren, reader)


def _counted_in(app, petition_id, reader):
    """`_counted` on another thread: the grouped pass (0.5-1.5 s at a million
    rows, in the database's C code, which lets go of the GIL) overlaps the
    export, which waits on the database and hashes."""
    with app.app_context():
        if reader is None:  # SQLite: a connection of this thread
            with db.engine.connect() as conn:
                return _counted(petition_id, conn)
        return _counted(petition_id, reader)


@contextmanager
def _one_instant():
    """Where the counts are read, and the snapshot the export reads its rows in.

    PostgreSQL: one REPEATABLE READ transaction exports its snapshot; the counts
    are read in it and the export's COPY takes the same snapshot, so they see
    the very same rows whatever commits meanwhile. SQLite (no such sharing):
    the counting thread opens its own connection, and `payload` retries when
    the export's rows differ from the counted total.
    """
    if db.engine.dialect.name != "postgresql":
        yield None, None
        return
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn, conn.scalar(text("SELECT pg_export_snapshot()"))
        conn.rollback()


def _instant(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def payload(
    petition: Petition, actor: Organizer | str, csv_out: BinaryIO | None, att_id: str
) -> dict[str, Any]:
    """The document, at one instant; the CSV goes to csv_out (else only hashed)."""
    for _try in range(TRIES):
        at = utcnow()
        sink = csv_out or _Digest()
        if csv_out is not None:
            csv_out.seek(0)
            csv_out.truncate()
        with _one_instant() as (reader, snapshot):
            # The counts run in the database while this thread writes the CSV.
            app = current_app._get_current_object()
            with ThreadPoolExecutor(max_workers=1) as pool:
                counting = pool.submit(_counted_in, app, petition.id, reader)
                entry = exports.export_to_file(petition, exports.Filters(), actor, sink, snapshot)
                counts, organisations = counting.result()
        if entry.rows == counts.verified_total:
            break
        db.session.rollback()
    else:
        raise AttestationError("Signatures kept changing during the export; try again.")
    return {
        "type": TYPE,
        "id": att_id,
        "verify_url": external_url("verifier.verify_page", id=att_id),
        "instant": _instant(at),
        "petition": {
            "slug": petition.slug,
            "title": petition.title,
            "state": petition.state,
            "goal": petition.goal,
        },
        "territory": territory(petition),
        "verified_total": counts.verified_total,
        "local_total": counts.local_total,
        "by_category_commune": counts.by_category_commune,
        "organisations_by_status": organisations,
        "method": method(petition, counts.states),
        "sample_audit": sample_audits.attestation_section(petition.id),
        "export": {
            "id": entry.id,
            "filename": entry.filename,
            "rows": entry.rows,
            "sha256": entry.sha256,
            "format": "csv;utf-8-bom;delimiter=;",
        },
        "platform": {"name": "petition", "version": current_app.config["PLATFORM_VERSION"]},
    }


def create(
    petition: Petition, actor: Organizer | str, csv_out: BinaryIO | None = None
) -> Attestation:
    """Make, sign, render and store an attestation; commits."""
    ring = keys.keyring()
    att_id = secrets.token_urlsafe(12)
    body = payload(petition, actor, csv_out, att_id)
    envelope = ring.envelope(body, FORMAT)
    pdf = attestation_pdf.signed_pdf(envelope, ring, "fr")
    entry = Attestation(
        id=att_id,
        petition_id=petition.id,
        organizer_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or str(actor),
        kid=ring.kid,
        verified_total=body["verified_total"],
        export_sha256=body["export"]["sha256"],
        document=canonical(envelope).decode(),
        pdf=pdf,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def envelope_of(entry: Attestation) -> dict[str, Any]:
    return json.loads(entry.document)


def pdf_of(entry: Attestation, lang: str) -> bytes:
    """The stored French PDF, or the same document rendered in English (signed now)."""
    if lang == "fr":
        return entry.pdf
    return attestation_pdf.signed_pdf(envelope_of(entry), keys.keyring(), lang)


def find(att_id: str) -> Attestation | None:
    if not isinstance(att_id, str) or not 8 <= len(att_id) <= 24:
        return None
    return db.session.get(Attestation, att_id)


def of_petition(petition: Petition, limit: int = 20) -> list[Attestation]:
    return db.session.scalars(
        select(Attestation)
        .where(Attestation.petition_id == petition.id)
        .order_by(Attestation.created_at.desc())
        .limit(limit)
    ).all()


@dataclass
class Live:
    """Today's figures of the petition an attestation names, if it is here."""

    title: str
    verified_total: int
    instant: str
    local_total: int = 0


def live_figures(slug: Any) -> Live | None:
    if not isinstance(slug, str):
        return None
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        return None
    return Live(petition.title, petition.signature_count, _instant(utcnow()), petition.local_count)
