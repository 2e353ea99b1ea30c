"""The panorama of a territory's actors: organisations their signers chose to publish.

A profile is opt-in, one per organisation (SIREN) per petition, whoever of its
people signed. What the register said (name, activity, headcount band,
commune, Lambert-93 position) is copied from the publishing signer's check at
publish time, so public reads never join personal tables.

`panorama_settings` holds, per petition, the open-data licence of the CSV and
the generation every public cache of the panorama is keyed by: each change of
a profile sets a new random one in the same transaction (random rather than
counted, so a restored backup or a reused petition id never meets a cache
filled under the same value).
"""

from ..extensions import db
from .core import utcnow


class Licence:
    """Open-data licences an organiser may choose for the panorama's CSV."""

    ETALAB = "etalab-2.0"
    ODBL = "odbl-1.0"
    CC_BY = "cc-by-4.0"
    ALL = (ETALAB, ODBL, CC_BY)
    NAMES = {
        ETALAB: "Licence Ouverte 2.0 (Etalab)",
        ODBL: "Open Database License (ODbL) 1.0",
        CC_BY: "Creative Commons Attribution 4.0 (CC-BY 4.0)",
    }
    URLS = {
        ETALAB: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
        CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    }


class OrganisationProfile(db.Model):
    __tablename__ = "organisation_profiles"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    siren = db.Column(db.String(9), nullable=False)
    # The signature that published it; SET NULL: the profile belongs to the
    # organisation, and leaves when its last verified signer leaves.
    created_by = db.Column(db.Integer, db.ForeignKey("signatures.id", ondelete="SET NULL"))
    description = db.Column(db.String(600), nullable=False, default="")
    website = db.Column(db.String(300))
    category = db.Column(db.String(20), nullable=False)
    hidden = db.Column(db.Boolean, nullable=False, default=False)
    # Copied from the register check at publish time.
    siret = db.Column(db.String(14))
    registered_name = db.Column(db.String(250), nullable=False)
    naf = db.Column(db.String(6))
    headcount = db.Column(db.String(2))
    commune = db.Column(db.String(5))  # INSEE code of the establishment
    x = db.Column(db.Float)  # Lambert-93 metres, when the register has them
    y = db.Column(db.Float)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("petition_id", "siren", name="uq_organisation_profile_siren"),
        db.Index("ix_organisation_profiles_petition_hidden", "petition_id", "hidden"),
    )


class PanoramaSettings(db.Model):
    __tablename__ = "panorama_settings"

    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True
    )
    licence = db.Column(db.String(12), nullable=False, default=Licence.ETALAB)
    generation = db.Column(db.String(16), nullable=False)
