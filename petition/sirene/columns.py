"""The official columns of INSEE's Sirene stock files, and the ones we keep.

`StockUniteLegale` and `StockEtablissement` (CSV, comma, UTF-8, a header line,
quoted fields) as INSEE's "Description des fichiers du stock" lists them (Sirene
4, format 3.11). A non-diffusible value reads `[ND]`. The generator of demo
extracts (sample.py) writes these headers in this order; the import reads any
order and needs only the columns of `KEPT`.
"""

UNITS = "units"
ESTABLISHMENTS = "establishments"
NOT_DIFFUSED = "[ND]"

UNIT_HEADER = (
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
)

ESTABLISHMENT_HEADER = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)

TEXT, FLAG, NUMBER, PERSON = "text", "flag", "number", "person"

#: Per kind: the table, its key, and (our column, official column, conversion).
#: PERSON: the unit's name, `denominationUniteLegale`, else (an individual
#: entrepreneur) the usual or first forename and the usual or birth surname.
KEPT = {
    UNITS: (
        "sirene_units",
        "siren",
        (
            ("siren", "siren", TEXT),
            ("name", "denominationUniteLegale", PERSON),
            ("state", "etatAdministratifUniteLegale", TEXT),
            ("category", "categorieEntreprise", TEXT),
            ("diffusion", "statutDiffusionUniteLegale", TEXT),
        ),
    ),
    ESTABLISHMENTS: (
        "sirene_establishments",
        "siret",
        (
            ("siret", "siret", TEXT),
            ("siren", "siren", TEXT),
            ("nic", "nic", TEXT),
            ("state", "etatAdministratifEtablissement", TEXT),
            ("commune", "codeCommuneEtablissement", TEXT),
            ("naf", "activitePrincipaleEtablissement", TEXT),
            ("headcount", "trancheEffectifsEtablissement", TEXT),
            ("usual_name", "denominationUsuelleEtablissement", TEXT),
            ("sign", "enseigne1Etablissement", TEXT),
            ("diffusion", "statutDiffusionEtablissement", TEXT),
            ("head_office", "etablissementSiege", FLAG),
            ("x", "coordonneeLambertAbscisseEtablissement", NUMBER),
            ("y", "coordonneeLambertOrdonneeEtablissement", NUMBER),
        ),
    ),
}

#: The person-name columns PERSON falls back to, in order of preference.
FORENAMES = ("prenomUsuelUniteLegale", "prenom1UniteLegale")
SURNAMES = ("nomUsageUniteLegale", "nomUniteLegale")

#: The column that tells an establishment's commune (the `--communes` filter).
COMMUNE = "codeCommuneEtablissement"


def kind_of(header):
    """`units` or `establishments` from a file's header, or None."""
    names = set(header)
    if {"siret", "nic", COMMUNE} <= names:
        return ESTABLISHMENTS
    if {"siren", "denominationUniteLegale", "etatAdministratifUniteLegale"} <= names:
        return UNITS
    return None


def required(kind):
    """The official columns an import of that kind cannot do without."""
    columns = {source for _ours, source, _conv in KEPT[kind][2]}
    return columns | (set(FORENAMES + SURNAMES) if kind == UNITS else set())
