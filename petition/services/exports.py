"""The verified-signer CSV export and its signed manifest.

Only verified rows leave (pending, withdrawn and invalidated never do). The
file is UTF-8 with a BOM (so Excel reads the accents), `;` by default (French
Excel) or `,`, and every cell a spreadsheet would take for a formula gets a
leading `'`. Rows are streamed from the database and gathered into ~64 KiB
chunks: PostgreSQL writes the CSV itself (`COPY … TO STDOUT`, the formula
guard done in SQL); SQLite goes through a plain cursor and `csv.writer`.
The SHA-256 is computed while streaming and stored in the ExportLog with the
row count once the last byte went out; the manifest is built from that log and
signed with the platform's Ed25519 key (petition/keys.py), so anyone holding
the public key verifies it; manifests signed before (HMAC with SECRET_KEY,
no "alg") still verify with the secret.

The category column holds the category's name in the export's language
(`language`: the organizer's page language, `fr` for the CLI), so a reader
sees "Étudiant·e", not `student`; `flask petition export --keys` keeps the
machine keys for scripts (`language` empty).
"""

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import Signer
from sqlalchemy import select

from .. import keys, tokens
from .. import verify as verifier
from ..categories import label as category_label
from ..extensions import db
from ..models import (
    CATEGORIES,
    ExportLog,
    Organizer,
    Petition,
    SignatureSource,
    SignatureState,
    utcnow,
)
from ..sirene import display as register_display
from . import audit

#: (header, column) in file order; README "Export" documents them.
COLUMNS = (
    ("prenom", "first_name"),
    ("nom", "last_name"),
    ("email", "email"),
    ("code_postal", "postal_code"),
    ("code_insee", "insee"),
    ("commune", "commune"),
    ("territoire", "local"),
    ("categorie", "category"),
    ("organisation", "organisation"),
    ("siren_siret", "siren"),
    ("verifie_le_utc", "verified_at"),
    ("liste_publique", "public"),
    ("statut_registre", "register_status"),
    ("nom_au_registre", "registered_name"),
    ("naf", "naf"),
    ("tranche_effectif", "headcount"),
    ("commune_etablissement", "establishment_commune"),
    ("origine", "source"),
    ("reference_feuille", "sheet_ref"),
    ("recueillie_le", "collected_on"),
    ("evenement", "event_name"),
)
#: The register check's columns (organisation_checks, joined as `o`).
REGISTER = {
    "register_status": "o.status",
    "registered_name": "o.registered_name",
    "naf": "o.naf",
    "headcount": "o.headcount",
    "establishment_commune": "o.commune",
}
#: A signature naming a SIREN and not checked yet reads `not_checked`, not empty.
REGISTER_STATUS = (
    "COALESCE(o.status, CASE WHEN s.siren IS NOT NULL AND s.siren <> '' THEN 'not_checked' END)"
)
FROM = "signatures s LEFT JOIN organisation_checks o ON o.signature_id = s.id"
#: Free-text columns a signer typed: the formula guard applies to them.
TEXT = {
    "first_name",
    "last_name",
    "email",
    "postal_code",
    "commune",
    "organisation",
    "siren",
    "sheet_ref",
    "event_name",
}
#: Filters fields that hold labels, not filters (kept out of the export log).
LABEL_FIELDS = ("labels", "status_labels", "sources")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_START)  # for SQL's ascii()
DELIMITERS = (";", ",")
#: The place filter -> its SQL condition on column {c} (both dialects read TRUE/FALSE).
PLACES = {"": "", "local": "{c} = true", "outside": "({c} = false OR {c} IS NULL)"}
#: The local/outside cell: "local", "hors territoire", or empty when never placed.
PLACE_CELL = "CASE WHEN {c} THEN 'local' WHEN NOT {c} THEN 'hors territoire' ELSE '' END"
CHUNK = 64 * 1024
MANIFEST_SALT = "petition.export.manifest.v1"


class ExportError(ValueError):
    """A filter is unusable; the message is for people."""


@dataclass
class Filters:
    category: str = ""
    commune: str = ""
    place: str = ""  # "local": only the territory's supporters; "outside": the others
    since: str = ""  # YYYY-MM-DD, verified on or after
    until: str = ""  # YYYY-MM-DD, verified on or before
    delimiter: str = ";"
    language: str = ""  # of the category column; "" keeps the machine keys
    labels: dict[str, str] = field(default_factory=dict, repr=False)
    status_labels: dict[str, str] = field(default_factory=dict, repr=False)
    sources: dict[str, str] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v and k not in LABEL_FIELDS}

    def query_args(self) -> dict[str, str]:
        return self.as_dict()


#: Verification dates a filter may name. Beyond them a date is a typo, and at
#: 9999-12-31 the end bound (the next midnight) overflowed in the middle of the
#: streamed response: a 200 cut short and an export log left unfinished.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _day(text):
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ExportError(_("Date invalide : %(d)s (format AAAA-MM-JJ).", d=text)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ExportError(
            _(
                "Date hors limites : %(d)s (entre le %(first)s et le %(last)s).",
                d=text,
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return day


def parse_filters(petition: Petition, args: Mapping[str, str | None]) -> Filters:
    """Filters from the export form or CLI options; raises ExportError.

    Everything the stream needs is checked here: once the response has
    started, an error can only cut the file short.
    """
    f = Filters(
        **{
            k: (args.get(k) or "").strip()
            for k in ("category", "commune", "place", "since", "until")
        }
    )
    f.delimiter = args.get("delimiter") or ";"
    if f.delimiter not in DELIMITERS:
        raise ExportError(_("Séparateur inconnu : choisissez « ; » ou « , »."))
    f.language = (args.get("language") or "").strip()
    if f.language:
        if f.language not in current_app.config["LANGUAGES"]:
            raise ExportError(_("Langue inconnue : %(l)s", l=f.language))
        f.labels = category_labels(f.language)
        f.status_labels = status_labels(f.language)
        f.sources = source_labels(f.language)
    if f.category and f.category not in CATEGORIES:
        raise ExportError(_("Catégorie inconnue : %(c)s", c=f.category))
    if f.commune and f.commune not in petition.commune_names:
        raise ExportError(_("Commune inconnue pour cette pétition : %(c)s", c=f.commune))
    if f.place not in PLACES:
        raise ExportError(_("Provenance inconnue : choisissez « local » ou « outside »."))
    since, until = _day(f.since), _day(f.until)
    if since and until and until < since:
        raise ExportError(_("La fin de la période doit suivre son début."))
    _bounds(f)  # whatever the stream will compute is computed now, before a byte goes out
    return f


def category_labels(language: str) -> dict[str, str]:
    """Each category key's name in `language` (the cells of the category column)."""
    with force_locale(language):
        return {key: str(category_label(key)) for key in CATEGORIES}


def status_labels(language: str) -> dict[str, str]:
    """Each register status in `language` (the cells of statut_registre)."""
    with force_locale(language):
        return {key: register_display.status_text(key) for key in register_display.STATUS}


def _guarded(column, ascii_function):
    # The formula guard on a typed (or registered) text column.
    return (
        f"CASE WHEN {ascii_function}({column}) IN ({FORMULA_CODES}) "
        f"THEN '''' || {column} ELSE {column} END"
    )


def _register_column(column, filters, postgres):
    if column == "registered_name":
        return _guarded(REGISTER[column], "ascii" if postgres else "unicode")
    if column == "register_status" and filters.status_labels:
        return _case(filters.status_labels, REGISTER_STATUS, percent=postgres)
    return REGISTER_STATUS if column == "register_status" else REGISTER[column]


def source_labels(language: str) -> dict[str, str]:
    """Each source key's name in `language` (the cells of the origine column)."""
    with force_locale(language):
        return {SignatureSource.ONLINE: _("en ligne"), SignatureSource.PAPER: _("papier")}


def _case(labels, column, percent=False):
    """SQL mapping each key to its name; the names are our catalog's, quoted here."""

    def quoted(text):
        text = text.replace("'", "''")
        return "'" + (text.replace("%", "%%") if percent else text) + "'"

    whens = " ".join(f"WHEN {quoted(k)} THEN {quoted(v)}" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


def _bounds(filters):
    since, until = _day(filters.since), _day(filters.until)
    lower = datetime.combine(since, time(), UTC) if since else None
    upper = datetime.combine(until + timedelta(days=1), time(), UTC) if until else None
    return lower, upper


def filename(petition: Petition, today: date | None = None) -> str:
    return f"{petition.slug}-signataires-{(today or utcnow().date()).isoformat()}.csv"


def start(petition: Petition, filters: Filters, actor: Organizer | str) -> ExportLog:
    """Log the export (rows and hash come at the end); commits."""
    entry = ExportLog(
        petition_id=petition.id,
        organizer_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or str(actor),
        filters=json.dumps(filters.as_dict(), ensure_ascii=False, sort_keys=True),
        filename=filename(petition),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record([petition.id], audit.Kind.EXPORT, actor, export_id=entry.id)
    db.session.commit()
    return entry


def stream(
    petition: Petition, filters: Filters, log_id: int, snapshot: str | None = None
) -> Iterator[bytes]:
    """The CSV as an iterator of bytes chunks; the ExportLog is completed at the end.

    The id is read now: a server iterates the body after the view returned and
    the app context (with its session) was torn down, so the generator must
    hold no ORM object. `snapshot` (PostgreSQL): a snapshot exported by an open
    transaction (`pg_export_snapshot()`), so the rows are the ones it saw.
    """
    return _stream(petition.id, filters, log_id, snapshot)


def _stream(petition_id, filters, log_id, snapshot=None):
    digest = hashlib.sha256()
    header = io.StringIO()
    csv.writer(header, delimiter=filters.delimiter, lineterminator=_newline()).writerow(
        [h for h, _c in COLUMNS]
    )
    first = codecs.BOM_UTF8 + header.getvalue().encode()
    digest.update(first)
    yield first
    rows = [0]
    if db.engine.dialect.name == "postgresql":
        chunks = _postgres(petition_id, filters, rows, snapshot)
    else:
        chunks = _sqlite(petition_id, filters, rows)
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    _finish(log_id, rows[0], digest.hexdigest())


def _newline():
    """COPY ends lines with LF. Python's csv quotes a cell holding CR only when
    CR is in the line terminator, so SQLite files end lines with CRLF."""
    return "\n" if db.engine.dialect.name == "postgresql" else "\r\n"


def _finish(log_id, rows, sha256):
    entry = db.session.get(ExportLog, log_id)
    entry.rows, entry.sha256, entry.finished_at = rows, sha256, utcnow()
    db.session.commit()


def _sqlite(petition_id, filters, rows):
    """SQLite computes the cells (guard, date, oui/non) and a plain cursor feeds
    csv.writerows: no ORM, no Row objects, no per-cell Python. The same bytes
    as a per-row loop, at a fraction of its time (measured with `make bench`)."""
    sql, params = _sqlite_query(petition_id, filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=filters.delimiter, lineterminator=_newline())
    with db.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(2000):
                writer.writerows(batch)
                rows[0] += len(batch)
                if buffer.tell() >= CHUNK:
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
        finally:
            cursor.close()
    if buffer.tell():
        yield buffer.getvalue().encode()


#: How SQLAlchemy stores DateTime on SQLite (UTC wall time): bounds compare as text.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _sqlite_column(column, filters):
    if column in REGISTER:
        return _register_column(column, filters, postgres=False)
    if column == "category" and filters.labels:
        return _case(filters.labels, "s.category")
    if column == "source" and filters.sources:
        return _case(filters.sources, "s.source")
    if column == "verified_at":  # stored UTC "YYYY-MM-DD HH:MM:SS.ffffff": keep the second
        return "COALESCE(substr(s.verified_at, 1, 19), '')"
    if column == "public":
        return "CASE WHEN s.public THEN 'oui' ELSE 'non' END"
    if column == "local":
        return PLACE_CELL.format(c="s.local")
    if column in TEXT:
        return _guarded(f"s.{column}", "unicode")
    return f"s.{column}"


def _sqlite_query(petition_id, filters):
    lower, upper = _bounds(filters)
    where = ["s.petition_id = ?", "s.status = ?"]
    params = [petition_id, SignatureState.VERIFIED]
    for clause, value in (
        ("s.category = ?", filters.category),
        ("s.commune = ?", filters.commune),
        ("s.verified_at >= ?", lower),
        ("s.verified_at < ?", upper),
    ):
        if value:
            where.append(clause)
            params.append(
                value.astimezone(UTC).strftime(SQLITE_DATETIME)
                if isinstance(value, datetime)
                else value
            )
    if filters.place:
        where.append(PLACES[filters.place].format(c="s.local"))
    columns = ", ".join(_sqlite_column(c, filters) for _h, c in COLUMNS)
    return (
        f"SELECT {columns} FROM {FROM} WHERE {' AND '.join(where)} ORDER BY s.verified_at, s.id",
        params,
    )


def neutralise(value: str | None) -> str | None:
    """A cell a spreadsheet would run as a formula starts with a quote instead."""
    if value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _utc(value, fmt="%Y-%m-%d %H:%M:%S"):
    """UTC to the second; spreadsheets read `YYYY-MM-DD HH:MM:SS` as a date."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(fmt)


def _pg_column(column, filters):
    # ascii() and date_trunc cost far less per row than left() IN (...), a regex
    # and to_char (measured at 1M rows): the export stays near a plain COPY.
    if column in REGISTER:
        return _register_column(column, filters, postgres=True)
    if column == "category" and filters.labels:
        return _case(filters.labels, "s.category", percent=True)
    if column == "source" and filters.sources:
        return _case(filters.sources, "s.source", percent=True)
    if column == "verified_at":
        return "date_trunc('second', s.verified_at AT TIME ZONE 'UTC')"
    if column == "public":
        return "CASE WHEN s.public THEN 'oui' ELSE 'non' END"
    if column == "local":
        return PLACE_CELL.format(c="s.local")
    if column in TEXT:
        return _guarded(f"s.{column}", "ascii")
    return f"s.{column}"


def _pg_query(filters):
    where = ["s.petition_id = %(petition)s", "s.status = 'verified'"]
    if filters.category:
        where.append("s.category = %(category)s")
    if filters.commune:
        where.append("s.commune = %(commune)s")
    if filters.place:
        where.append(PLACES[filters.place].format(c="s.local"))
    if filters.since:
        where.append("s.verified_at >= %(lower)s")
    if filters.until:
        where.append("s.verified_at < %(upper)s")
    columns = ", ".join(_pg_column(c, filters) for _h, c in COLUMNS)
    delimiter = "','" if filters.delimiter == "," else "';'"  # from DELIMITERS only
    return (
        f"COPY (SELECT {columns} FROM {FROM} WHERE {' AND '.join(where)} "
        f"ORDER BY s.verified_at, s.id) TO STDOUT WITH (FORMAT csv, DELIMITER {delimiter})"
    )


#: What pg_export_snapshot() returns, e.g. 00000003-0000001B-1.
SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


def _postgres(petition_id, filters, rows, snapshot=None):
    lower, upper = _bounds(filters)
    params = {
        "petition": petition_id,
        "category": filters.category,
        "commune": filters.commune,
        "lower": lower,
        "upper": upper,
    }
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if snapshot:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # SET takes no bind parameters: the id (hex and dashes) is checked instead.
            if not SNAPSHOT_ID.fullmatch(snapshot):
                raise ValueError(f"not a snapshot id: {snapshot!r}")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        if raw.driver_connection.info.encoding != "utf-8":
            cursor.execute("SET client_encoding TO 'UTF8'")
        pending = bytearray()
        with cursor.copy(_pg_query(filters), params) as copy:
            for data in copy:
                pending += data
                if len(pending) >= CHUNK:
                    yield bytes(pending)
                    pending.clear()
        if pending:
            yield bytes(pending)
        rows[0] = cursor.rowcount
        raw.rollback()
    finally:
        raw.close()


def export_to_file(
    petition: Petition,
    filters: Filters,
    actor: Organizer | str,
    out: BinaryIO,
    snapshot: str | None = None,
) -> ExportLog:
    """Write the CSV to a binary file object; returns the completed ExportLog."""
    entry = start(petition, filters, actor)
    for chunk in stream(petition, filters, entry.id, snapshot):
        out.write(chunk)
    db.session.refresh(entry)
    return entry


# --- manifest ----------------------------------------------------------------


def _signer():
    return Signer(
        tokens.signing_keys(),  # a manifest signed before a key rotation still verifies
        salt=MANIFEST_SALT,
        digest_method=hashlib.sha256,
        key_derivation="hmac",
    )


_canonical = verifier.canonical  # sorted keys, no spaces, UTF-8: the signed bytes


def manifest(entry: ExportLog) -> dict[str, Any]:
    """The signed manifest of a finished export, as a dict ready for JSON."""
    body = {
        "petition": entry.petition.slug,
        "export_id": entry.id,
        "filename": entry.filename,
        "filters": json.loads(entry.filters),
        "rows": entry.rows,
        "sha256": entry.sha256,
        "generated_at": _utc(entry.finished_at, "%Y-%m-%dT%H:%M:%SZ"),
        "exported_by": entry.actor,
    }
    ring = keys.keyring()
    if ring.private is None:  # attestations off and no key: the server-only HMAC
        body["signature"] = _signer().get_signature(_canonical(body)).decode()
        return body
    body["alg"], body["kid"] = verifier.ALG, ring.kid
    body["signature"] = ring.sign(_canonical(body))
    return body


class ManifestCheck(StrEnum):
    """What `verify` found."""

    OK = "ok"
    SIGNATURE = "signature"  # the manifest's signature is wrong: edited, or another key
    KEY = "key"  # signed by a key the given public keys do not hold
    SHA256 = "sha256"  # the CSV is not the exported file


def verify(
    csv_bytes_iter: Iterable[bytes],
    manifest_data: Mapping[str, Any],
    jwks: Mapping[str, Any] | None = None,
) -> tuple[bool, ManifestCheck]:
    """(ok, ManifestCheck) — is the file exactly the one the signed manifest describes?

    An Ed25519 manifest is checked with `jwks` (a JWKS: the public keys alone),
    or the keys this platform publishes; an old HMAC one with SECRET_KEY.
    """
    body = dict(manifest_data)
    if body.get("alg") == verifier.ALG:
        public = verifier.keys_from_jwks(jwks if jwks is not None else keys.keyring().jwks)
        result = verifier.verify_document(body, public)
        if not result.valid:
            key_missing = result.reason == "unknown_key"
            return False, ManifestCheck.KEY if key_missing else ManifestCheck.SIGNATURE
        body.pop("signature")
    else:
        signature = body.pop("signature", "")
        if not isinstance(signature, str) or not _signer().verify_signature(
            _canonical(body), signature.encode()
        ):
            return False, ManifestCheck.SIGNATURE
    digest = hashlib.sha256()
    for chunk in csv_bytes_iter:
        digest.update(chunk)
    if digest.hexdigest() != body.get("sha256"):
        return False, ManifestCheck.SHA256
    return True, ManifestCheck.OK


def logs(petition: Petition, limit: int = 20) -> Sequence[ExportLog]:
    return db.session.scalars(
        select(ExportLog)
        .where(ExportLog.petition_id == petition.id)
        .order_by(ExportLog.created_at.desc(), ExportLog.id.desc())
        .limit(limit)
    ).all()


def finished_log(petition: Petition, export_id: int) -> ExportLog | None:
    entry = db.session.get(ExportLog, export_id)
    if entry is None or entry.petition_id != petition.id or entry.sha256 is None:
        return None
    return entry
