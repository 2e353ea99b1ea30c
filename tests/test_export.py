"""The verified-signer CSV: exactly the verified rows, accents intact,
formulas neutralised, filters, the export log, and a signed manifest that
`flask petition verify-export` checks byte for byte.

The body is streamed: the test client reads it after the view returned and its
app context was torn down, as gunicorn does (helpers.ServerClient), so every
export here fails if the stream leans on the view's ORM objects."""

import codecs
import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from petition.extensions import db
from petition.models import ExportLog
from petition.services import exports

from helpers import add_signature, export, login, make_lyon, make_organizer

HEADER = [
    "prenom",
    "nom",
    "email",
    "code_postal",
    "code_insee",
    "commune",
    "territoire",
    "categorie",
    "organisation",
    "siren_siret",
    "verifie_le_utc",
    "liste_publique",
    "statut_registre",
    "nom_au_registre",
    "naf",
    "tranche_effectif",
    "commune_etablissement",
    "origine",
    "reference_feuille",
    "recueillie_le",
    "evenement",
]


def parse(body, delimiter=";"):
    assert body.startswith(codecs.BOM_UTF8), "UTF-8 with BOM, for Excel"
    text = body[len(codecs.BOM_UTF8) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def signers(petition):
    add_signature(
        petition,
        first_name="Éloïse",
        last_name="Bérénice-Noël",
        email="eloise@example.fr",
        organisation="Ça Marche & Cie",
        siren="732829320",
        category="company",
        public=True,
    )
    add_signature(
        petition,
        first_name='=HYPERLINK("http://x")',
        last_name="+33 6 12",
        email="hyper@example.fr",
        organisation='@risk; "quoted"',
        commune="Firminy",
        insee="42095",
        postal_code="42700",
    )
    add_signature(petition, state="pending", first_name="Pending", email="p@example.fr")
    add_signature(
        petition,
        state="withdrawn",
        first_name=None,
        last_name=None,
        email=None,
        canonical_email=None,
    )
    add_signature(petition, state="invalidated", first_name="Bot", email="bot@example.fr")


def test_csv_holds_exactly_the_verified_signers_neutralised(client, petition):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert 'filename="saint-etienne-signataires-' in disposition and disposition.endswith('.csv"')
    rows = parse(response.get_data())
    assert rows[0] == HEADER
    body = rows[1:]
    assert len(body) == 2
    assert {r[2] for r in body} == {"eloise@example.fr", "hyper@example.fr"}
    eloise = next(r for r in body if r[2] == "eloise@example.fr")
    assert eloise[:2] == ["Éloïse", "Bérénice-Noël"]
    assert eloise[3:6] == ["42000", "42218", "Saint-Étienne"] and eloise[6] == "local"
    assert eloise[7:10] == ["Entreprise", "Ça Marche & Cie", "732829320"], "the category named"
    assert eloise[11] == "oui" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", eloise[10])
    hyper = next(r for r in body if r[2] == "hyper@example.fr")
    assert hyper[0] == '\'=HYPERLINK("http://x")'
    assert hyper[1] == "'+33 6 12"
    assert hyper[8] == '\'@risk; "quoted"'
    assert hyper[4:6] == ["42095", "Firminy"] and hyper[11] == "non"

    entry = db.session.scalars(select(ExportLog)).one()
    assert entry.rows == 2 and entry.actor == "se@example.org"
    assert entry.sha256 == __import__("hashlib").sha256(response.get_data()).hexdigest()
    dashboard = client.get("/organizer/").status_code
    assert dashboard == 200


def test_comma_delimiter_and_filters(client, petition):
    signers(petition)
    add_signature(
        petition, commune="Firminy", category="student", days_ago=10, email="old@example.fr"
    )
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    rows = parse(export(client, delimiter=",").get_data(), ",")
    assert rows[0] == HEADER and len(rows) == 4
    firminy = parse(export(client, commune="Firminy").get_data())
    assert sorted(r[2] for r in firminy[1:]) == ["hyper@example.fr", "old@example.fr"]
    students = parse(export(client, category="student").get_data())
    assert [r[2] for r in students[1:]] == ["old@example.fr"]
    from datetime import date, timedelta

    today = date.today().isoformat()
    recent = parse(export(client, since=today).get_data())
    assert "old@example.fr" not in {r[2] for r in recent[1:]} and len(recent) == 3
    old_day = (date.today() - timedelta(days=10)).isoformat()
    old = parse(export(client, since=old_day, until=old_day).get_data())
    assert [r[2] for r in old[1:]] == ["old@example.fr"]
    filters = [
        json.loads(e.filters) for e in db.session.scalars(select(ExportLog).order_by(ExportLog.id))
    ]
    assert {"category": "student", "delimiter": ";", "language": "fr"} in filters


def test_the_csv_says_local_or_outside_and_filters_local_only(client, runner, petition, tmp_path):
    add_signature(petition, email="local@example.fr")
    add_signature(
        petition,
        email="paris@example.fr",
        postal_code="75001",
        insee="75101",
        commune="Paris 1er Arrondissement",
        local=False,
    )
    add_signature(petition, email="old@example.fr", insee=None, local=None)  # never placed
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    rows = {r[2]: r for r in parse(export(client).get_data())[1:]}
    assert rows["paris@example.fr"][3:7] == [
        "75001",
        "75101",
        "Paris 1er Arrondissement",
        "hors territoire",
    ]
    assert rows["local@example.fr"][6] == "local" and rows["old@example.fr"][6] == ""
    local = parse(export(client, place="local").get_data())
    assert [r[2] for r in local[1:]] == ["local@example.fr"]
    outside = parse(export(client, place="outside").get_data())
    assert sorted(r[2] for r in outside[1:]) == ["old@example.fr", "paris@example.fr"]
    bad = export(client, place="ailleurs")
    assert bad.status_code == 400 and "Provenance inconnue" in bad.get_data(as_text=True)
    out = tmp_path / "local.csv"
    result = runner.invoke(
        args=["petition", "export", "saint-etienne", "-o", str(out), "--place", "local"]
    )
    assert result.exit_code == 0, result.output
    assert [r[2] for r in parse(out.read_bytes())[1:]] == ["local@example.fr"]
    form = client.get("/organizer/petitions/saint-etienne/").get_data(as_text=True)
    assert '<option value="local">Du territoire seulement</option>' in form


def test_bad_filters_get_a_clear_message_and_log_nothing(client, petition):
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    for filters, words in [
        ({"delimiter": "|"}, "Séparateur"),
        ({"category": "pirate"}, "Catégorie"),
        ({"commune": "Paris"}, "Commune"),
        ({"since": "2026-13-01"}, "Date invalide"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "période"),
    ]:
        response = export(client, **filters)
        assert response.status_code == 400, filters
        page = response.get_data(as_text=True)
        assert words in page, filters
        assert 'method="post"' in page, "the form comes back"
    assert db.session.scalars(select(ExportLog)).all() == []
    client.get("/?lang=en")  # the language cookie
    english = export(client, delimiter="|")
    assert "Unknown separator" in english.get_data(as_text=True)
    assert db.session.scalars(select(ExportLog)).all() == []


def test_manifest_verifies_the_untouched_file_and_rejects_a_changed_byte(
    client, runner, petition, tmp_path
):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(client)
    manifest_url = response.headers["Link"].split(">")[0].lstrip("<")
    csv_bytes = response.get_data()
    manifest = client.get(manifest_url)
    assert manifest.status_code == 200
    data = manifest.get_json()
    assert data["rows"] == 2 and data["petition"] == "saint-etienne"
    assert data["filters"] == {"delimiter": ";", "language": "fr"} and data["signature"]

    csv_path, manifest_path = tmp_path / "export.csv", tmp_path / "manifest.json"
    csv_path.write_bytes(csv_bytes)
    manifest_path.write_bytes(manifest.get_data())
    ok = runner.invoke(args=["petition", "verify-export", str(csv_path), str(manifest_path)])
    assert ok.exit_code == 0 and "OK" in ok.output

    changed = bytearray(csv_bytes)
    changed[len(changed) // 2] ^= 0x01
    csv_path.write_bytes(bytes(changed))
    bad = runner.invoke(args=["petition", "verify-export", str(csv_path), str(manifest_path)])
    assert bad.exit_code != 0 and "FAILED" in bad.output and "SHA-256" in bad.output

    csv_path.write_bytes(csv_bytes)
    data["rows"] = 980  # a manifest edited to match a claim
    manifest_path.write_text(json.dumps(data))
    forged = runner.invoke(args=["petition", "verify-export", str(csv_path), str(manifest_path)])
    assert forged.exit_code != 0 and "signature" in forged.output


def test_cli_export_writes_csv_and_manifest(runner, petition, tmp_path):
    signers(petition)
    out = tmp_path / "se.csv"
    result = runner.invoke(
        args=["petition", "export", "saint-etienne", "--output", str(out), "--delimiter", ","]
    )
    assert result.exit_code == 0, result.output
    rows = parse(out.read_bytes(), ",")
    assert rows[0] == HEADER and len(rows) == 3
    manifest = tmp_path / "se.manifest.json"
    assert json.loads(manifest.read_text())["rows"] == 2
    ok = runner.invoke(args=["petition", "verify-export", str(out), str(manifest)])
    assert ok.exit_code == 0, ok.output
    entry = db.session.scalars(select(ExportLog)).one()
    assert entry.actor == "cli" and entry.rows == 2


def test_cli_export_refuses_unknown_petition_and_bad_filter(runner, petition, tmp_path):
    assert runner.invoke(args=["petition", "export", "nowhere"]).exit_code != 0
    bad = runner.invoke(
        args=[
            "petition",
            "export",
            "saint-etienne",
            "--category",
            "pirate",
            "--output",
            str(tmp_path / "x.csv"),
        ]
    )
    assert bad.exit_code != 0 and "pirate" in bad.output


def test_manifest_of_another_petition_export_is_404(client, petition):
    lyon = make_lyon()
    entry = exports.start(lyon, exports.Filters(), "cli")
    list(exports.stream(lyon, exports.Filters(), entry.id))
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    url = f"/organizer/petitions/saint-etienne/exports/{entry.id}/manifest.json"
    assert client.get(url).status_code == 404


def test_neutralise_covers_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert exports.neutralise(start + "1") == "'" + start + "1"
    assert exports.neutralise("Jean") == "Jean" and exports.neutralise(None) is None


def test_cli_export_to_stdout(runner, petition, tmp_path):
    signers(petition)
    manifest = tmp_path / "m.json"
    result = runner.invoke(
        args=["petition", "export", "saint-etienne", "--output", "-", "--manifest", str(manifest)]
    )
    assert result.exit_code == 0, result.output
    rows = parse(result.stdout_bytes)
    assert rows[0] == HEADER and len(rows) == 3
    assert (
        json.loads(manifest.read_text())["sha256"]
        == __import__("hashlib").sha256(result.stdout_bytes).hexdigest()
    )


def test_every_formula_start_is_neutralised_in_the_export(client, petition):
    starts = ("=", "+", "-", "@", "\t", "\r")
    for i, start in enumerate(starts):
        add_signature(petition, first_name=f"{start}cmd{i}", organisation=f"{start}org{i}")
    add_signature(petition, first_name="Zoé-Anne", organisation="Ordinaire")
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    rows = parse(export(client).get_data())[1:]
    firsts = {r[0] for r in rows}
    assert firsts == {f"'{s}cmd{i}" for i, s in enumerate(starts)} | {"Zoé-Anne"}
    assert {r[8] for r in rows} == {f"'{s}org{i}" for i, s in enumerate(starts)} | {"Ordinaire"}


def test_the_export_log_is_completed_after_the_streamed_body(client, petition):
    """The log entry gets its row count and digest at the end of the stream, which
    runs after the view's app context was torn down (as under gunicorn)."""
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(client)
    assert {r[2] for r in parse(response.get_data())[1:]} == {
        "eloise@example.fr",
        "hyper@example.fr",
    }
    assert db.session.scalars(select(ExportLog)).one().rows == 2


def test_a_get_of_the_export_url_shows_the_form_and_exports_nothing(client, petition):
    """The export writes a log entry: it is a POST from the dashboard's form.
    A GET (an old link, a prefetch, an <img src>) only shows the form, filled in."""
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = client.get(
        "/organizer/petitions/saint-etienne/export.csv?commune=Firminy&since=2026-01-02&delimiter=,"
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.get_data(as_text=True)
    assert "hyper@example.fr" not in page
    assert 'method="post" action="/organizer/petitions/saint-etienne/export.csv"' in page
    assert "<option selected>Firminy</option>" in page
    assert 'name="since" min="2000-01-01" max="2100-12-31" value="2026-01-02"' in page
    assert 'value="," checked' in page
    assert db.session.scalars(select(ExportLog)).all() == []
    dashboard = client.get("/organizer/petitions/saint-etienne/").get_data(as_text=True)
    assert 'method="post" action="/organizer/petitions/saint-etienne/export.csv"' in dashboard


def test_an_export_without_its_csrf_token_is_refused(client, petition):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = client.post("/organizer/petitions/saint-etienne/export.csv", data={"delimiter": ";"})
    assert response.status_code == 400
    assert "hyper@example.fr" not in response.get_data(as_text=True)
    assert db.session.scalars(select(ExportLog)).all() == []


def test_a_refused_export_keeps_its_filters(client, petition):
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(
        client,
        commune="Firminy",
        category="student",
        since="2026-05-02",
        until="2026-05-01",
        delimiter=",",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "La fin de la période doit suivre son début." in page
    assert "<option selected>Firminy</option>" in page
    assert '<option value="student" selected>' in page
    assert 'value="2026-05-02"' in page and 'value="2026-05-01"' in page
    assert 'value="," checked' in page


@pytest.mark.parametrize(
    "filters",
    [
        {"until": "9999-12-31"},
        {"since": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "1999-12-31", "until": "2026-01-01"},
        {"until": "2101-01-01"},
    ],
)
def test_an_out_of_range_date_is_a_400_before_any_byte_goes_out(client, petition, filters):
    """`until=9999-12-31` used to answer 200, then the end bound (the next
    midnight) overflowed inside the streamed body: a cut file and an export log
    left unfinished. The client reads the body after the view returned, as a
    server does, so an error there would raise here."""
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(client, **filters)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Date hors limites" in page and "2000-01-01" in page and "2100-12-31" in page
    assert db.session.scalars(select(ExportLog)).all() == [], "no unfinished export log"


def test_the_last_allowed_day_exports(client, petition):
    signers(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(client, since="2000-01-01", until="2100-12-31")
    assert response.status_code == 200
    assert len(parse(response.get_data())) == 3
    with pytest.raises(exports.ExportError, match="Date hors limites"):
        exports.parse_filters(petition, {"until": "9999-12-31"})


def test_cli_export_refuses_an_out_of_range_date(runner, petition, tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(
        args=["petition", "export", "saint-etienne", "--until", "9999-12-31", "--output", str(out)]
    )
    assert result.exit_code != 0 and "9999-12-31" in result.output
    assert not out.exists() or out.read_bytes() == b""
    assert db.session.scalars(select(ExportLog)).all() == []
