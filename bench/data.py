"""Test data for the benchmark: petitions, bulk signatures, sessions, tokens.

Bulk rows go in the fastest way each database offers (PostgreSQL:
INSERT … SELECT generate_series in the server; SQLite: one executemany in
one transaction), so loading a million signatures takes seconds, not hours.
"""

import http.client
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update

from petition.extensions import db
from petition.links import confirm_token
from petition.models import Petition, Signature, SignatureState
from petition.services.petitions import parse_communes, save

# A common provider, as most real signers use: the burst detector (services/abuse.py)
# rightly flags many signatures from one rare domain.
DOMAIN = "gmail.com"
#: Bulk rows are spread over the last 30 days, as a petition's signatures are:
#: queries on recent rows (burst detection) must not see a million "just now".
SPREAD = 30 * 86400
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)

PG_BULK = text(f"""
INSERT INTO signatures (petition_id, status, first_name, last_name, email, canonical_email,
    postal_code, commune, category, organisation, public, locale, email_domain,
    created_at, verified_at, flagged, email_count, token_nonce)
SELECT :pid, CAST(:status AS VARCHAR), 'Prénom' || g, 'Nom' || g,
    CAST(:prefix AS TEXT) || '-' || g || '@{DOMAIN}',
    CAST(:prefix AS TEXT) || '-' || g || '@{DOMAIN}', '42000', 'Saint-Étienne', 'developer',
    CASE WHEN g % 100 = 0 THEN '=HYPERLINK("http://x.example")' ELSE 'Société ' || g END,
    g % 2 = 0, 'fr', '{DOMAIN}', now() - (g % {SPREAD}) * interval '1 second',
    CASE WHEN CAST(:status AS VARCHAR) = 'verified'
         THEN now() - (g % {SPREAD}) * interval '1 second' + interval '5 minutes' END, false, 1,
    md5(random()::text || g)
FROM generate_series(1, :n) AS g
""")

SQLITE_BULK = """
INSERT INTO signatures (petition_id, status, first_name, last_name, email, canonical_email,
    postal_code, commune, category, organisation, public, locale, email_domain,
    created_at, verified_at, flagged, email_count, token_nonce)
VALUES (?, ?, ?, ?, ?, ?, '42000', 'Saint-Étienne', 'developer', ?, ?, 'fr', ?, ?, ?, 0, 1, ?)
"""


def create_petition(slug):
    return save(
        {
            "slug": slug,
            "title": f"Benchmark {slug}",
            "territory": "Saint-Étienne Métropole",
            "goal": 2_000_000,
            "state": "open",
            "description": "Pétition de mesure.",
            "controller_name": "Bench",
        },
        parse_communes("Saint-Étienne:42000,42100"),
    )


def bulk_signatures(petition_id, n, state, prefix):
    """Insert `n` signatures `<prefix>-<i>@petition-bench.fr`; verified ones are counted."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(PG_BULK, {"pid": petition_id, "status": state, "prefix": prefix, "n": n})
    else:
        _sqlite_bulk(petition_id, n, state, prefix)
    # Placed as the sign form places them: two in three in Saint-Étienne (local),
    # one in Paris 1er (outside), so the results page has real breakdowns to make.
    db.session.execute(
        text(
            "UPDATE signatures SET"
            " postal_code = CASE WHEN id % 3 = 0 THEN '75001' ELSE '42000' END,"
            " insee = CASE WHEN id % 3 = 0 THEN '75101' ELSE '42218' END,"
            " commune = CASE WHEN id % 3 = 0 THEN 'Paris 1er Arrondissement'"
            " ELSE 'Saint-Étienne' END,"
            " local = (id % 3 <> 0) WHERE petition_id = :pid"
        ),
        {"pid": petition_id},
    )
    if state == SignatureState.VERIFIED:
        local = db.session.scalar(
            select(func.count()).where(Signature.petition_id == petition_id, Signature.local)
        )
        db.session.execute(
            update(Petition)
            .where(Petition.id == petition_id)
            .values(signature_count=Petition.signature_count + n, local_count=local)
        )
    db.session.commit()
    # Fresh statistics, as after any large import: without them SQLite's planner
    # picks a (petition, created_at) index over the selective (ip_hash, created_at).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text(
                "VACUUM ANALYZE signatures" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            )
        )


def _sqlite_bulk(petition_id, n, state, prefix):
    now = datetime.now(UTC)
    fmt = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite
    verified = state == SignatureState.VERIFIED

    def rows():
        for g in range(1, n + 1):
            email = f"{prefix}-{g}@{DOMAIN}"
            organisation = '=HYPERLINK("http://x.example")' if g % 100 == 0 else f"Société {g}"
            created = now - timedelta(seconds=g % SPREAD)
            yield (
                petition_id,
                state,
                f"Prénom{g}",
                f"Nom{g}",
                email,
                email,
                organisation,
                g % 2 == 0,
                DOMAIN,
                created.strftime(fmt),
                (created + timedelta(minutes=5)).strftime(fmt) if verified else None,
                secrets.token_urlsafe(16),
            )

    raw = db.session.connection().connection.dbapi_connection
    raw.executemany(SQLITE_BULK, rows())


def rows_with_prefix(petition_id, prefix):
    """(id, token_nonce) of one run's rows: what links and email jobs carry."""
    return db.session.execute(
        select(Signature.id, Signature.token_nonce)
        .where(Signature.petition_id == petition_id, Signature.canonical_email.like(f"{prefix}-%"))
        .order_by(Signature.id)
    ).all()


def tokens_for(rows):
    return [confirm_token(row) for row in rows]


def counts(petition_id, prefix):
    """(rows, distinct canonical emails, verified rows) for one run's prefix."""
    where = (Signature.petition_id == petition_id, Signature.canonical_email.like(f"{prefix}-%"))
    rows, distinct = db.session.execute(
        select(func.count(), func.count(Signature.canonical_email.distinct())).where(*where)
    ).one()
    verified = db.session.scalar(
        select(func.count()).where(*where, Signature.state == SignatureState.VERIFIED)
    )
    return rows, distinct, verified


def count_state(petition_id):
    """(stored counter, verified rows) of a petition: they must be equal."""
    db.session.expire_all()
    stored = db.session.scalar(select(Petition.signature_count).where(Petition.id == petition_id))
    verified = db.session.scalar(
        select(func.count()).where(
            Signature.petition_id == petition_id, Signature.state == SignatureState.VERIFIED
        )
    )
    return stored, verified


def fetch_sessions(port, slug, n, path):
    """GET the form `n` times as `n` visitors; write "cookie<TAB>token" lines to `path`."""
    lines = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(n):
        conn.request(
            "GET", f"/p/{slug}", headers={"X-Forwarded-For": f"10.250.{i // 256}.{i % 256}"}
        )
        response = conn.getresponse()
        html = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        match = CSRF.search(html)
        if response.status != 200 or not cookie or not match:
            raise RuntimeError(f"GET /p/{slug}: {response.status}, no session or CSRF token")
        lines.append(f"{cookie}\t{match.group(1) or match.group(2)}")
    conn.close()
    path.write_text("\n".join(lines) + "\n")
    return path
