"""Petitions, their communes and their signatures. Constraints live here; no I/O."""

import secrets
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, false
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ..extensions import db

#: The largest id our INTEGER primary keys hold on both databases (32 bits on
#: PostgreSQL, 64 on SQLite): an id from a URL or a search box beyond it is no
#: row, never a driver error ("integer out of range", OverflowError). Raise it
#: with a migration to BIGINT.
MAX_ID = 2**31 - 1


def utcnow():
    """Timezone-aware now, evaluated at each insert (never at import)."""
    return datetime.now(UTC)


def new_token_nonce():
    """A random value no other row ever had, even one that later gets the same id."""
    return secrets.token_urlsafe(16)


class random_nonce(FunctionElement):
    """The database's own random nonce: the column default for rows inserted
    without one (a process still running the previous release during a
    deploy, bulk SQL). Migration 0005 sets the same expressions."""

    type = String()
    inherit_cache = True


@compiles(random_nonce, "postgresql")
def _random_nonce_postgresql(element, compiler, **kw):
    return "md5(random()::text || clock_timestamp()::text)"


@compiles(random_nonce, "sqlite")
def _random_nonce_sqlite(element, compiler, **kw):
    return "lower(hex(randomblob(16)))"


class PetitionState:
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ALL = (DRAFT, OPEN, CLOSED)


class SignatureState:
    PENDING = "pending"
    VERIFIED = "verified"
    WITHDRAWN = "withdrawn"
    INVALIDATED = "invalidated"
    ALL = (PENDING, VERIFIED, WITHDRAWN, INVALIDATED)


#: Actor categories, in the order the form lists them. Labels live in categories.py.
CATEGORIES = (
    "entrepreneur",
    "company",
    "association",
    "incubator",
    "public",
    "investor",
    "researcher",
    "engineer",
    "designer",
    "developer",
    "student",
    "media",
    "citizen",
)


class Petition(db.Model):
    __tablename__ = "petitions"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    territory = db.Column(db.String(120), nullable=False)
    goal = db.Column(db.Integer, nullable=False, default=1000)
    state = db.Column(db.String(10), nullable=False, default=PetitionState.DRAFT)
    opens_at = db.Column(db.DateTime(timezone=True))
    closes_at = db.Column(db.DateTime(timezone=True))
    # Moved only by guarded SQL in the same transaction as the signature's state.
    signature_count = db.Column(db.Integer, nullable=False, default=0)
    # Privacy notice (RGPD): who controls the data and how long it is kept.
    controller_name = db.Column(db.String(200), nullable=False, default="")
    controller_email = db.Column(db.String(254), nullable=False, default="")
    controller_address = db.Column(db.String(300), nullable=False, default="")
    retention_days = db.Column(db.Integer, nullable=False, default=365)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(
        db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    communes = db.relationship(
        "Commune",
        back_populates="petition",
        order_by="Commune.name",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        CheckConstraint("state in ('draft', 'open', 'closed')", name="state"),
        CheckConstraint("goal > 0", name="goal_positive"),
        CheckConstraint("signature_count >= 0", name="count_not_negative"),
    )

    def is_open(self, now=None):
        now = now or utcnow()
        if self.state != PetitionState.OPEN:
            return False
        if self.opens_at and _aware(self.opens_at) > now:
            return False
        if self.closes_at and _aware(self.closes_at) <= now:
            return False
        return True

    @property
    def commune_names(self):
        """Alphabetical as a French reader expects: « Saint-Étienne » before « Saint-Priest »."""
        return sorted({c.name for c in self.communes}, key=_alphabetical)

    def commune_for(self, postal_code):
        """The one commune of this territory with that postal code, if exactly one."""
        names = {c.name for c in self.communes if c.postal_code == postal_code}
        return names.pop() if len(names) == 1 else None

    def __repr__(self):
        return f"<Petition {self.slug}>"


class Commune(db.Model):
    """A commune of the petition's territory, one row per postal code it has."""

    __tablename__ = "communes"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    name = db.Column(db.String(120), nullable=False)
    postal_code = db.Column(db.String(5), nullable=False)

    petition = db.relationship("Petition", back_populates="communes")

    __table_args__ = (UniqueConstraint("petition_id", "name", "postal_code"),)


class Signature(db.Model):
    __tablename__ = "signatures"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    # `state`, as Petition.state; the column keeps its name "status" (raw SQL,
    # the PostgreSQL export and migrations name it so).
    state = db.Column("status", db.String(12), nullable=False, default=SignatureState.PENDING)
    # Personal data: erased (NULL) on withdrawal and after retention.
    first_name = db.Column(db.String(100))
    last_name = db.Column(db.String(100))
    email = db.Column(db.String(254))
    # The dedup key; NULL once erased so the person may sign again.
    canonical_email = db.Column(db.String(254))
    postal_code = db.Column(db.String(5))
    commune = db.Column(db.String(120))
    category = db.Column(db.String(20), nullable=False)
    organisation = db.Column(db.String(200))
    siren = db.Column(db.String(14))
    public = db.Column(db.Boolean, nullable=False, default=False)
    # Opted in, at signing, to news about the petition (off by default, apart
    # from consent); cleared by unsubscribing and by erasure.
    news_opt_in = db.Column(db.Boolean, nullable=False, default=False, server_default=false())
    locale = db.Column(db.String(5), nullable=False, default="fr")
    ip_hash = db.Column(db.String(64))
    email_domain = db.Column(db.String(254))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    verified_at = db.Column(db.DateTime(timezone=True))
    withdrawn_at = db.Column(db.DateTime(timezone=True))
    invalidated_at = db.Column(db.DateTime(timezone=True))
    invalidation_reason = db.Column(db.String(300))
    flagged = db.Column(db.Boolean, nullable=False, default=False)
    # Email bookkeeping: the cap, what was last queued and whether it went out.
    email_count = db.Column(db.Integer, nullable=False, default=0)
    email_queued_at = db.Column(db.DateTime(timezone=True))
    email_sent_at = db.Column(db.DateTime(timezone=True))
    email_failed_at = db.Column(db.DateTime(timezone=True))
    email_error = db.Column(db.String(500))
    # Carried by every confirm and withdraw link and in every email job id, with
    # the row id: SQLite hands a deleted row's id to the next insert, and a link
    # or an "already sent" marker of the old row must never act on the new one.
    token_nonce = db.Column(
        db.String(32), nullable=False, default=new_token_nonce, server_default=random_nonce()
    )

    petition = db.relationship("Petition")

    __table_args__ = (
        UniqueConstraint("petition_id", "canonical_email"),
        CheckConstraint(
            "status in ('pending', 'verified', 'withdrawn', 'invalidated')", name="status"
        ),
        Index("ix_signatures_petition_status", "petition_id", "status"),
        Index("ix_signatures_petition_verified_at", "petition_id", "verified_at"),
        Index("ix_signatures_status_created", "status", "created_at"),
    )

    @property
    def full_name(self):
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def __repr__(self):
        return f"<Signature {self.id} {self.state}>"


def _alphabetical(name):
    """Sort key ignoring accents and case (no locale needed on the machine)."""
    letters = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in letters if not unicodedata.combining(c)), name


def _aware(value):
    """SQLite returns naive datetimes; treat them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
