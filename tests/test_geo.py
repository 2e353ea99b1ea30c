"""The official geography shipped with the app: lookups, territories, cost."""

import json
import subprocess
import sys
import textwrap

import pytest

from petition.geo import build, fold, geography

#: Steady memory of the loaded geography, measured with tracemalloc (14 MiB on
#: the build machine). The test fails if a change makes it grow past this.
MEMORY_BOUND_MIB = 24


@pytest.fixture(scope="module")
def geo():
    return geography()


def test_postal_code_gives_its_commune(geo):
    (valbonne,) = geo.by_postal_code("06560")
    assert (valbonne.code, valbonne.name, valbonne.departement) == ("06152", "Valbonne", "06")
    assert valbonne.epci == "240600585"  # CA de Sophia Antipolis


def test_shared_postal_code_lists_every_commune_by_name(geo):
    found = geo.by_postal_code("42700")  # Firminy and its neighbours
    assert "Firminy" in [c.name for c in found]
    assert [c.name for c in found] == sorted((c.name for c in found), key=fold)


def test_arrondissements_stand_in_for_their_city(geo):
    (lyon3,) = geo.by_postal_code("69003")
    assert lyon3.code == "69383" and lyon3.parent == "69123"
    assert lyon3.commune_code == "69123"
    (paris1,) = geo.by_postal_code("75001")
    assert paris1.parent == "75056"


def test_unknown_postal_code(geo):
    assert geo.by_postal_code("00000") == ()
    assert geo.by_postal_code("99999") == ()


def test_epci_with_its_members(geo):
    metro = geo.epci("244200770")
    assert metro.name == "Saint-Étienne Métropole"
    assert len(metro.members) == 53
    assert "42218" in metro.members  # Saint-Étienne


def test_territory_from_epcis_holds_the_arrondissements_of_its_city(geo):
    lyon = geo.expand(epcis=["200046977"])
    (lyon3,) = geo.by_postal_code("69003")
    assert geo.holds(lyon, lyon3)
    cote_azur = geo.expand(epcis=["200030195", "200039915", "200039857", "240600585"])
    (mougins,) = geo.by_postal_code("06250")
    assert geo.holds(cote_azur, mougins)
    (paris1,) = geo.by_postal_code("75001")
    assert not geo.holds(cote_azur, paris1)


def test_territory_from_communes_and_departement(geo):
    assert geo.expand(communes=["06088", "06029"]) == {"06088", "06029"}
    loire = geo.expand(departements=["42"])
    assert "42218" in loire and all(geo.commune(c).departement == "42" for c in loire)
    with pytest.raises(KeyError):
        geo.expand(epcis=["999999999"])


def test_search_ignores_accents_case_and_hyphens(geo):
    assert geo.search("saint etienne")[0].code == "42218"
    assert [e.siren for e in geo.search_epci("saint-etienne metropole")] == ["244200770"]


def test_derivative_keeps_only_current_communes_and_arrondissements():
    package = {
        "communes": [
            {
                "code": "69123",
                "nom": "Lyon",
                "type": "commune-actuelle",
                "departement": "69",
                "region": "84",
                "codesPostaux": ["69003", "69001"],
                "population": 5,
            },
            {
                "code": "69383",
                "nom": "Lyon 3e Arrondissement",
                "commune": "69123",
                "type": "arrondissement-municipal",
                "departement": "69",
                "region": "84",
                "codesPostaux": ["69003"],
                "population": 1,
            },
            {"code": "01015", "nom": "Arbignieu", "type": "commune-deleguee"},
        ],
        "epci": [
            {
                "code": "200046977",
                "nom": "Métropole de Lyon",
                "type": "MET69",
                "membres": [{"code": "69123"}],
            }
        ],
        "departements": [{"code": "69", "nom": "Rhône", "region": "84"}],
        "regions": [{"code": "84", "nom": "Auvergne-Rhône-Alpes"}],
    }
    data = build.derive(package)
    assert [c[0] for c in data["communes"]] == ["69123", "69383"]
    assert data["communes"][0][6] == ["69001", "69003"]
    assert data["communes"][1][4] == "200046977"  # the arrondissement's EPCI is its city's
    assert data["source"]["version"] == build.VERSION


def test_shipped_file_names_its_pinned_source(geo):
    assert geo.source == {
        "package": build.PACKAGE,
        "version": build.VERSION,
        "sha256": build.SHA256,
        "license": build.LICENSE,
    }


def test_loading_stays_within_its_memory_bound():
    """Measured in a fresh interpreter: the geography alone, after the imports."""
    code = textwrap.dedent("""
        import gc, json, tracemalloc
        from petition.geo import geography
        tracemalloc.start()
        geography()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        print(json.dumps({"current": current, "peak": peak}))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    used = json.loads(out)
    assert used["current"] / 2**20 < MEMORY_BOUND_MIB, used


def test_importing_reads_nothing():
    code = "import petition.geo as g; import sys; sys.exit(0 if g._loaded is None else 1)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_app_and_the_worker_loads_nothing():
    """A web worker or an RQ worker starts without the geography: it loads on
    the first lookup, never at import or in create_app()."""
    code = textwrap.dedent("""
        import sys
        import petition.geo as g
        from petition import create_app
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": "redis://127.0.0.1:1/0"})
        import worker, wsgi  # noqa: F401
        sys.exit(0 if g._loaded is None else 1)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_flask_geo_postal(runner):
    result = runner.invoke(args=["geo", "postal", "06560"])
    assert result.exit_code == 0, result.output
    assert "Valbonne (06152)" in result.output
    assert "CA de Sophia Antipolis" in result.output


def test_flask_geo_postal_shared_and_unknown(runner):
    shared = runner.invoke(args=["geo", "postal", "42700"])
    assert "Firminy (42095)" in shared.output
    unknown = runner.invoke(args=["geo", "postal", "00000"])
    assert unknown.exit_code != 0 and "No commune has the postal code" in unknown.output


def test_flask_geo_epci(runner):
    result = runner.invoke(args=["geo", "epci", "244200770"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Saint-Étienne Métropole (244200770")
    assert lines[0].endswith(": 53 communes")
    assert len(lines) == 1 + 53
    assert any("42218\tSaint-Étienne\t" in line for line in lines)
    by_name = runner.invoke(args=["geo", "epci", "Saint-Étienne Métropole", "--no-members"])
    assert by_name.output.strip() == lines[0]
    unknown = runner.invoke(args=["geo", "epci", "999999999"])
    assert unknown.exit_code != 0 and "No EPCI matches" in unknown.output


def test_flask_geo_commune(runner):
    result = runner.invoke(args=["geo", "commune", "69383"])
    assert "Lyon 3e Arrondissement (69383), arrondissement de Lyon (69123)" in result.output
    assert "69003" in result.output
