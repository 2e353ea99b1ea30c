"""The export's columns and the SQL pieces both databases share.

Each cell is computed by the database (formula guard, labels, local/outside),
so neither stream runs Python per cell. The register check's columns come from
`organisation_checks` (joined as `o`); the paper columns (origine,
reference_feuille, recueillie_le, evenement) from the signature itself.
"""

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_START)  # for SQL's ascii()
#: The local/outside cell: "local", "hors territoire", or empty when never placed.
PLACE_CELL = "CASE WHEN {c} THEN 'local' WHEN NOT {c} THEN 'hors territoire' ELSE '' END"


def neutralise(value: str | None) -> str | None:
    """A cell a spreadsheet would run as a formula starts with a quote instead."""
    if value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def guarded(column: str, ascii_function: str) -> str:
    """The formula guard on a typed (or registered) text column, in SQL."""
    return (
        f"CASE WHEN {ascii_function}({column}) IN ({FORMULA_CODES}) "
        f"THEN '''' || {column} ELSE {column} END"
    )


def labelled(labels: dict[str, str], column: str, percent: bool = False) -> str:
    """SQL mapping each key to its name; the names are our catalog's, quoted here."""

    def quoted(text):
        text = text.replace("'", "''")
        return "'" + (text.replace("%", "%%") if percent else text) + "'"

    whens = " ".join(f"WHEN {quoted(k)} THEN {quoted(v)}" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


def register_cell(column: str, filters, postgres: bool) -> str:
    """One of the register check's cells (statut_registre in the export's language)."""
    if column == "registered_name":
        return guarded(REGISTER[column], "ascii" if postgres else "unicode")
    if column == "register_status" and filters.status_labels:
        return labelled(filters.status_labels, REGISTER_STATUS, percent=postgres)
    return REGISTER_STATUS if column == "register_status" else REGISTER[column]


def cell(column: str, filters, postgres: bool) -> str:
    """The SQL of one cell; only the verification date differs between the databases."""
    if column in REGISTER:
        return register_cell(column, filters, postgres)
    if column == "category" and filters.labels:
        return labelled(filters.labels, "s.category", percent=postgres)
    if column == "source" and filters.sources:
        return labelled(filters.sources, "s.source", percent=postgres)
    if column == "public":
        return "CASE WHEN s.public THEN 'oui' ELSE 'non' END"
    if column == "local":
        return PLACE_CELL.format(c="s.local")
    if column in TEXT:
        # ascii() (PostgreSQL) and unicode() (SQLite) cost far less per row than
        # left() IN (...) or a regex (measured at 1M rows).
        return guarded(f"s.{column}", "ascii" if postgres else "unicode")
    return f"s.{column}"
