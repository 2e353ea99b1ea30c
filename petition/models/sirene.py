"""The Sirene register as we keep it, and each signature's check against it.

`sirene_units` and `sirene_establishments` hold the official stock files
(`StockUniteLegale`, `StockEtablissement`) as INSEE publishes them, reduced to
the columns we use, plus answers of the online API (`source = "api"`). Column
comments give the official column each one comes from.

`organisation_checks` holds, per signature that names a SIREN or SIRET, what
the register said, copied at check time: the signature's page, the results and
the attestation read it without touching the register again.
"""

from ..extensions import db
from .core import utcnow


class RegisterStatus:
    """What the register says of a signer's organisation."""

    ACTIVE = "active"
    CLOSED = "closed"
    NOT_FOUND = "not_found"
    NOT_CHECKED = "not_checked"
    ALL = (ACTIVE, CLOSED, NOT_FOUND, NOT_CHECKED)


class RegisterSource:
    STOCK = "stock"  # the offline extract (`flask sirene import`)
    API = "api"  # the online API recherche-entreprises, when SIRENE_API_URL is set


def _code(length):
    """A number or code made of digits: byte order on PostgreSQL ("C"), which
    sorts without the locale's rules (the import's index builds, 1.5x faster)
    and compares as equal exactly the same strings."""
    return db.String(length).with_variant(db.String(length, collation="C"), "postgresql")


class SireneUnit(db.Model):
    """A legal unit (unité légale), by SIREN."""

    __tablename__ = "sirene_units"

    siren = db.Column(_code(9), primary_key=True)
    name = db.Column(db.String(250))  # denominationUniteLegale
    state = db.Column(db.String(1))  # etatAdministratifUniteLegale: A (active), C (ceased)
    category = db.Column(db.String(3))  # categorieEntreprise: PME, ETI, GE
    diffusion = db.Column(db.String(1))  # statutDiffusionUniteLegale: O, or P (partial)
    source = db.Column(db.String(5), nullable=False, default=RegisterSource.STOCK)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class SireneEstablishment(db.Model):
    """An establishment (établissement), by SIRET."""

    __tablename__ = "sirene_establishments"

    siret = db.Column(_code(14), primary_key=True)
    siren = db.Column(_code(9), nullable=False, index=True)
    nic = db.Column(db.String(5))
    state = db.Column(db.String(1))  # etatAdministratifEtablissement: A, F (closed)
    commune = db.Column(_code(5), index=True)  # codeCommuneEtablissement (INSEE)
    naf = db.Column(db.String(6))  # activitePrincipaleEtablissement, e.g. 62.01Z
    headcount = db.Column(db.String(2))  # trancheEffectifsEtablissement, e.g. 11
    usual_name = db.Column(db.String(250))  # denominationUsuelleEtablissement
    sign = db.Column(db.String(250))  # enseigne1Etablissement
    diffusion = db.Column(db.String(1))  # statutDiffusionEtablissement: O or P
    head_office = db.Column(db.Boolean)  # etablissementSiege
    x = db.Column(db.Float)  # coordonneeLambertAbscisseEtablissement (Lambert-93, metres)
    y = db.Column(db.Float)  # coordonneeLambertOrdonneeEtablissement
    source = db.Column(db.String(5), nullable=False, default=RegisterSource.STOCK)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class SireneImport(db.Model):
    """Progress of one stock file's import, so an interrupted import resumes."""

    __tablename__ = "sirene_imports"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(14), nullable=False)  # units | establishments
    path = db.Column(db.String(500), nullable=False)
    fingerprint = db.Column(db.String(64), nullable=False)  # size + head/tail hash of the file
    communes = db.Column(db.Text)  # the filter, when the import keeps a territory only
    # Where a resumed import starts: every byte before it is committed (the
    # chunks after it that are committed too are in sirene_import_chunks).
    offset = db.Column(db.BigInteger, nullable=False, default=0)
    rows = db.Column(db.Integer, nullable=False, default=0)  # rows kept so far
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))


class SireneImportChunk(db.Model):
    """One committed chunk of an import, written in the transaction of its rows.
    Chunks load on several connections at once and commit in any order: a
    resumed import skips those it finds here."""

    __tablename__ = "sirene_import_chunks"

    import_id = db.Column(
        db.Integer, db.ForeignKey("sirene_imports.id", ondelete="CASCADE"), primary_key=True
    )
    start = db.Column(db.BigInteger, primary_key=True)  # byte offset of its first record
    stop = db.Column(db.BigInteger, nullable=False)  # just after its last record
    rows = db.Column(db.Integer, nullable=False)  # rows kept from it


class OrganisationCheck(db.Model):
    """What the register said of one signature's organisation."""

    __tablename__ = "organisation_checks"

    signature_id = db.Column(
        db.Integer, db.ForeignKey("signatures.id", ondelete="CASCADE"), primary_key=True
    )
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status = db.Column(db.String(12), nullable=False, default=RegisterStatus.NOT_CHECKED)
    siren = db.Column(db.String(9), nullable=False)
    siret = db.Column(db.String(14))
    registered_name = db.Column(db.String(250))  # never shown publicly when partial
    partial_diffusion = db.Column(db.Boolean, nullable=False, default=False)
    naf = db.Column(db.String(6))
    headcount = db.Column(db.String(2))
    commune = db.Column(db.String(5))  # the establishment's commune (INSEE)
    in_territory = db.Column(db.Boolean)
    source = db.Column(db.String(5))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    checked_at = db.Column(db.DateTime(timezone=True))
    next_attempt_at = db.Column(db.DateTime(timezone=True))  # when not_checked: retry after

    __table_args__ = (
        db.CheckConstraint(
            "status in ('active', 'closed', 'not_found', 'not_checked')",
            name="organisation_check_status",
        ),
        db.Index("ix_organisation_checks_petition_status", "petition_id", "status"),
    )
