"""What organisers see of the register check: the status per signature on the
moderation list, filtered by it, the registered name beside a typed one that
differs (a partial-diffusion one too, marked so), and the CSV columns, the same
bytes from PostgreSQL's COPY and SQLite's cursor."""

from test_export import HEADER, parse
from test_organisation_checks import (
    ACTIVE_SIRET,
    CLOSED_SIRET,
    PARTIAL_NAME,
    PARTIAL_SIRET,
    UNKNOWN_SIRET,
    put_register,
)

from petition.jobs.organisations import check_due_organisations
from petition.services import exports

from helpers import add_signature, export, login, make_organizer


def signers(petition):
    put_register()
    add_signature(petition, email="forge@example.org", siren=ACTIVE_SIRET, organisation="Forge")
    add_signature(
        petition, email="closed@example.org", siren=CLOSED_SIRET, organisation="Manufacture"
    )
    add_signature(petition, email="eve@example.org", siren=PARTIAL_SIRET, organisation="Martine")
    add_signature(petition, email="ghost@example.org", siren=UNKNOWN_SIRET, organisation="Ghost")
    check_due_organisations()
    add_signature(petition, email="late@example.org", siren=ACTIVE_SIRET, organisation="Forge")
    add_signature(petition, email="none@example.org", organisation="Sans numéro")


def moderation(client, **args):
    response = client.get("/organizer/petitions/saint-etienne/moderation", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_moderation_list_shows_and_filters_by_register_status(client, petition):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    html = moderation(client, registre="active")
    assert "forge@example.org" in html and "eve@example.org" in html
    assert "closed@example.org" not in html and "late@example.org" not in html
    assert "active au registre" in html
    assert "au registre : Forge Numérique SAS" in html
    assert f"au registre : {PARTIAL_NAME}" in html and "diffusion partielle" in html
    closed = moderation(client, registre="closed")
    assert "closed@example.org" in closed and "forge@example.org" not in closed
    unknown = moderation(client, registre="not_found")
    assert "ghost@example.org" in unknown and "introuvable au registre" in unknown
    waiting = moderation(client, registre="not_checked")
    assert "late@example.org" in waiting and "none@example.org" not in waiting
    assert "forge@example.org" not in waiting
    by_name = moderation(client, q="ghost", registre="active")
    assert "ghost@example.org" not in by_name


def test_a_bad_register_filter_is_a_message_not_an_error(client, petition):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    html = moderation(client, registre="pirate")
    assert "forge@example.org" not in html
    assert "field-error" in html


REGISTER_COLUMNS = [
    "statut_registre",
    "nom_au_registre",
    "naf",
    "tranche_effectif",
    "commune_etablissement",
]


def test_the_csv_carries_the_register_columns(client, petition):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    rows = parse(export(client).get_data())
    assert rows[0] == HEADER
    first = HEADER.index("statut_registre")
    assert HEADER[first : first + 5] == REGISTER_COLUMNS
    by_email = {r[2]: r[first : first + 5] for r in rows[1:]}
    assert by_email["forge@example.org"] == [
        "active au registre",
        "Forge Numérique SAS",
        "62.01Z",
        "11",
        "42218",
    ]
    assert by_email["closed@example.org"][:2] == ["fermée au registre", "Ancienne Manufacture"]
    assert by_email["eve@example.org"][1] == PARTIAL_NAME  # the organiser's own file
    assert by_email["ghost@example.org"] == ["introuvable au registre", "", "", "", ""]
    assert by_email["late@example.org"] == ["pas encore vérifiée", "", "", "", ""]
    assert by_email["none@example.org"] == ["", "", "", "", ""]


def test_the_csv_keys_and_the_manifest(app, runner, petition, tmp_path):
    """`--keys` keeps the machine statuses; the file verifies against its manifest."""
    signers(petition)
    out = tmp_path / "se.csv"
    result = runner.invoke(args=["petition", "export", "saint-etienne", "-o", str(out), "--keys"])
    assert result.exit_code == 0, result.output
    rows = parse(out.read_bytes())
    statuses = {r[2]: r[HEADER.index("statut_registre")] for r in rows[1:]}
    assert statuses["forge@example.org"] == "active"
    assert statuses["late@example.org"] == "not_checked"
    assert statuses["none@example.org"] == ""
    manifest = tmp_path / "se.manifest.json"
    ok = runner.invoke(args=["petition", "verify-export", str(out), str(manifest)])
    assert ok.exit_code == 0, ok.output


def test_the_register_cells_are_guarded_like_typed_ones(app, petition):
    sql_sqlite, _params = exports._sqlite_query(petition.id, exports.Filters())
    sql_pg = exports._pg_query(exports.Filters())
    for sql, function in ((sql_sqlite, "unicode"), (sql_pg, "ascii")):
        assert f"{function}(o.registered_name)" in sql
