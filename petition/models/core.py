"""Petitions, their communes and their signatures. Constraints live here; no I/O."""

import secrets
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, false
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ..extensions import db
from ..geo import geography
from ..geo.territory import Area, communes_of, expand, label

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


class GoalScope:
    TOTAL = "total"  # the goal counts every verified signature
    LOCAL = "local"  # only those from the territory
    ALL = (TOTAL, LOCAL)


class SignatureSource:
    ONLINE = "online"  # signed on the site, confirmed by email
    PAPER = "paper"  # collected on a paper sheet, recorded by an organiser
    ALL = (ONLINE, PAPER)


class PaperReview:
    """Why a paper signature is flagged against the others (services/paper.py)."""

    EMAIL = "email"  # same canonical email as another signature: recorded, not counted
    NAME = "name"  # same name and postal code as another: counted, the organiser decides
    ALL = (EMAIL, NAME)


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
    # The part of it from the territory (signatures.local), moved by the same updates.
    local_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # The part of it collected on paper (signatures.source), moved by the same updates.
    paper_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # What the goal is read against: every verified signature, or the local ones.
    goal_scope = db.Column(db.String(5), nullable=False, default="total", server_default="total")
    # Privacy notice (RGPD): who controls the data and how long it is kept.
    controller_name = db.Column(db.String(200), nullable=False, default="")
    controller_email = db.Column(db.String(254), nullable=False, default="")
    controller_address = db.Column(db.String(300), nullable=False, default="")
    retention_days = db.Column(db.Integer, nullable=False, default=365)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(
        db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    # The territory: official areas (communes, EPCI, départements) by code.
    areas = db.relationship(
        "TerritoryArea",
        back_populates="petition",
        order_by="(TerritoryArea.kind, TerritoryArea.code)",
        cascade="all, delete-orphan",
    )
    # Hand-typed communes of the older `Name:postcodes` territories; migration
    # 0010 mapped each to an area, and those it could not map stay here.
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
        CheckConstraint("local_count >= 0", name="local_count_not_negative"),
        CheckConstraint("paper_count >= 0", name="paper_count_not_negative"),
        CheckConstraint("goal_scope in ('total', 'local')", name="goal_scope"),
    )

    @property
    def goal_count(self):
        """The number the goal is read against."""
        return self.local_count if self.goal_scope == GoalScope.LOCAL else self.signature_count

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
    def area_key(self):
        return tuple(sorted(Area(a.kind, a.code) for a in self.areas))

    @property
    def territory_codes(self):
        """INSEE codes of every commune of the territory (cached per area set)."""
        return expand(self.area_key)

    @property
    def territory_communes(self):
        """The official communes of the territory, alphabetical."""
        return communes_of(self.territory_codes)

    @property
    def area_labels(self):
        """The territory as its organiser gave it: EPCI, départements, communes."""
        order = {"epci": 0, "departement": 1, "commune": 2}
        areas = sorted(self.area_key, key=lambda a: (order[a.kind], a.code))
        labels = [label(a) or a.code for a in areas]
        return labels + [c.name for c in self.unmapped_communes if c.name not in labels]

    @property
    def unmapped_communes(self):
        """Hand-typed communes no official commune matched (kept, never dropped)."""
        return [c for c in self.communes if c.insee is None]

    @property
    def commune_names(self):
        """Alphabetical as a French reader expects: « Saint-Étienne » before « Saint-Priest »."""
        names = {c.name for c in self.territory_communes}
        names.update(c.name for c in self.unmapped_communes)
        return sorted(names, key=_alphabetical)

    def commune_for(self, postal_code):
        """The one commune of this territory with that postal code, if exactly one."""
        codes = self.territory_codes
        names = {
            (geography().commune(c.commune_code).name)
            for c in geography().by_postal_code(postal_code)
            if c.commune_code in codes
        }
        names.update(c.name for c in self.unmapped_communes if c.postal_code == postal_code)
        return names.pop() if len(names) == 1 else None

    def __repr__(self):
        return f"<Petition {self.slug}>"


class TerritoryArea(db.Model):
    """One area of a petition's territory: a commune (INSEE code), an EPCI
    (SIREN) or a département, expanded through the shipped geography."""

    __tablename__ = "territory_areas"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    kind = db.Column(db.String(12), nullable=False)
    code = db.Column(db.String(9), nullable=False)

    petition = db.relationship("Petition", back_populates="areas")

    __table_args__ = (
        UniqueConstraint("petition_id", "kind", "code"),
        CheckConstraint("kind in ('commune', 'epci', 'departement')", name="kind"),
    )


class Commune(db.Model):
    """A hand-typed commune of an older territory, one row per postal code it
    has; `insee` is the official commune it was mapped to (NULL: unmapped)."""

    __tablename__ = "communes"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    name = db.Column(db.String(120), nullable=False)
    postal_code = db.Column(db.String(5), nullable=False)
    insee = db.Column(db.String(5))

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
    commune = db.Column(db.String(120))  # the official name of `insee`
    # Where the signature is placed (geo/placing.py): the commune's INSEE code
    # (an arrondissement's for Paris, Lyon, Marseille) and whether it lies in
    # the territory (True: local, False: outside, NULL: could not be placed).
    insee = db.Column(db.String(5))
    local = db.Column(db.Boolean)
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
    # Where it was collected: online, or on paper (then the sheet reference,
    # the day and the event it was collected at, and any duplicate it may be).
    source = db.Column(
        db.String(6), nullable=False, default=SignatureSource.ONLINE, server_default="online"
    )
    sheet_ref = db.Column(db.String(20))
    collected_on = db.Column(db.Date)
    event_name = db.Column(db.String(120))
    paper_review = db.Column(db.String(5))
    duplicate_of_id = db.Column(db.Integer)
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
        UniqueConstraint("petition_id", "sheet_ref"),
        CheckConstraint(
            "status in ('pending', 'verified', 'withdrawn', 'invalidated')", name="status"
        ),
        CheckConstraint("source in ('online', 'paper')", name="source"),
        CheckConstraint("source = 'online' or sheet_ref is not null", name="paper_has_sheet_ref"),
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
