"""`flask petition create` and `flask petition demo`: non-interactive, clear
errors, nothing half made; descriptions are sanitised Markdown on the page."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from petition.extensions import db
from petition.models import Commune, Petition

FULL = [
    "petition",
    "create",
    "--slug",
    "cote-d-azur",
    "--title",
    "French Tech Côte d'Azur",
    "--territory",
    "French Tech Côte d'Azur",
    "--communes",
    "Nice:06000,06100;Cannes:06400;Grasse:06130;Valbonne:06560",
    "--description",
    "Soutenez **la Côte d'Azur**.",
    "--goal",
    "1500",
    "--state",
    "open",
    "--opens",
    "2026-01-01",
    "--closes",
    "2027-06-30T18:00",
    "--controller-name",
    "French Tech Côte d'Azur",
    "--controller-email",
    "rgpd@example.org",
    "--retention-days",
    "200",
]


def petitions_count():
    return db.session.scalar(select(func.count()).select_from(Petition))


def test_create_with_every_flag(app, runner):
    result = runner.invoke(args=FULL)
    assert result.exit_code == 0, result.output
    assert "Created petition cote-d-azur" in result.output
    petition = db.session.scalars(select(Petition)).one()
    assert petition.title == "French Tech Côte d'Azur" and petition.goal == 1500
    assert petition.state == "open" and petition.retention_days == 200
    assert petition.controller_email == "rgpd@example.org"
    assert petition.commune_names == ["Cannes", "Grasse", "Nice", "Valbonne"]
    assert petition.commune_for("06100") == "Nice"
    assert {(a.kind, a.code) for a in petition.areas} == {
        ("commune", "06088"),
        ("commune", "06029"),
        ("commune", "06069"),
        ("commune", "06152"),
    }
    assert db.session.scalar(select(func.count()).select_from(Commune)) == 0
    opens = petition.opens_at.replace(tzinfo=petition.opens_at.tzinfo or UTC)
    assert opens == datetime(2026, 1, 1, tzinfo=UTC)


def test_create_with_only_required_flags(app, runner, client):
    result = runner.invoke(
        args=[
            "petition",
            "create",
            "--slug",
            "lyon",
            "--title",
            "Lyon",
            "--territory",
            "Métropole de Lyon",
        ]
    )
    assert result.exit_code == 0, result.output
    petition = db.session.scalars(select(Petition)).one()
    assert petition.state == "open" and petition.goal == 1000 and petition.areas == []
    assert client.get("/p/lyon").status_code == 200


def replace_flag(flag, value):
    args = list(FULL)
    args[args.index(flag) + 1] = value
    return args


@pytest.mark.parametrize(
    "flag,value,message",
    [
        ("--slug", "Côte d'Azur", "Adresse courte invalide"),
        ("--slug", "-bad-", "Adresse courte invalide"),
        ("--communes", "Nice", "Code INSEE de commune inconnu : Nice"),
        ("--communes", "99999", "Code INSEE de commune inconnu : 99999"),
        (
            "--communes",
            "Sophia Antipolis:06560",
            "Aucune commune « Sophia Antipolis » n'a le code postal 06560 "
            "(communes de ce code : Valbonne).",
        ),
        ("--communes", "Firminy:42000", "Aucune commune « Firminy » n'a le code postal 42000"),
        ("--communes", "Nice:6000", "Code postal invalide : 6000"),
        ("--communes", ":06000", "Commune « :06000 » : écrivez Nom:code postal."),
        ("--opens", "demain", "Date invalide : demain"),
        ("--closes", "2025-12-31", "La date de clôture doit suivre la date d'ouverture."),
        ("--goal", "0", "L'objectif doit être un nombre entier positif."),
        ("--title", "", "Le titre est obligatoire"),
        ("--title", "T" * 201, "Le titre est obligatoire (200 caractères au plus)."),
        ("--territory", "  ", "Le territoire est obligatoire."),
        # One line each: a line break in a title broke every confirmation email.
        (
            "--title",
            "Côte d'Azur\r\nBcc: tous@example.org",
            "Titre : Ce champ ne peut contenir ni retour à la ligne ni caractère de contrôle.",
        ),
        ("--title", "Côte\u2028d'Azur", "Titre : Ce champ ne peut contenir ni retour"),
        ("--territory", "Nice\x00", "Territoire : Ce champ ne peut contenir ni retour"),
        ("--territory", "T" * 121, "Territoire : 120 caractères au plus."),
        ("--controller-name", "Ville\u202e", "Responsable du traitement : Ce champ ne peut"),
        (
            "--controller-email",
            "rgpd@example.org\nBcc: x@example.org",
            "E-mail du responsable : Ce champ ne peut contenir ni retour",
        ),
        ("--communes", "Ni\rce:06000", "Commune : Ce champ ne peut contenir ni retour"),
        ("--slug", "cote\nazur", "Adresse courte invalide"),
    ],
)
def test_create_refuses_bad_flags_with_a_clear_message(app, runner, flag, value, message):
    result = runner.invoke(args=replace_flag(flag, value))
    assert result.exit_code == 1, result.output
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, RuntimeError), result.exception
    assert petitions_count() == 0, "nothing half made"


def test_create_refuses_a_taken_slug(app, runner):
    assert runner.invoke(args=FULL).exit_code == 0
    result = runner.invoke(args=replace_flag("--title", "Another"))
    assert result.exit_code == 1
    assert "Error: Cette adresse courte est déjà prise." in result.output
    assert petitions_count() == 1


@pytest.mark.parametrize(
    "args,message",
    [
        (["petition", "create", "--title", "x", "--territory", "y"], "Missing option '--slug'"),
        (replace_flag("--state", "archived"), "Invalid value for '--state'"),
        (replace_flag("--goal", "many"), "Invalid value for '--goal'"),
    ],
)
def test_create_usage_errors(app, runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert message in result.output
    assert petitions_count() == 0


@pytest.mark.parametrize(
    "flags,count,inside",
    [
        (["--epci", "244200770"], 53, "42218"),
        (["--communes", "06088,06029"], 2, "06029"),
        (["--communes", "69383"], 1, "69123"),  # an arrondissement: its city
        (["--departement", "42"], None, "42095"),
        (
            ["--epci", "244200770", "--communes", "Firminy:42700", "--departement", "2A"],
            None,
            "2A004",
        ),
    ],
)
def test_create_a_territory_by_official_codes(app, runner, flags, count, inside):
    args = ["petition", "create", "--slug", "t", "--title", "T", "--territory", "T", *flags]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    petition = db.session.scalars(select(Petition)).one()
    assert inside in petition.territory_codes
    if count:
        assert len(petition.territory_codes) == count
        assert f"territory of {count} communes" in result.output


@pytest.mark.parametrize(
    "flag,value,message",
    [
        ("--epci", "123456789", "SIREN d'intercommunalité (EPCI) inconnu : 123456789"),
        ("--epci", "Saint-Étienne", "SIREN d'intercommunalité (EPCI) inconnu : Saint-Étienne"),
        ("--departement", "100", "Département inconnu : 100"),
    ],
)
def test_create_refuses_unknown_codes(app, runner, flag, value, message):
    args = ["petition", "create", "--slug", "t", "--title", "T", "--territory", "T", flag, value]
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and f"Error: {message}" in result.output
    assert petitions_count() == 0


def test_demo_is_idempotent(app, runner, client):
    first = runner.invoke(args=["petition", "demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("Loaded demo petition") == 3
    second = runner.invoke(args=["petition", "demo"])
    assert second.exit_code == 0
    assert second.output.count("already there") == 3
    assert petitions_count() == 3
    slugs = set(db.session.scalars(select(Petition.slug)))
    assert slugs == {"saint-etienne", "cote-d-azur", "lyon"}
    azur = db.session.scalars(select(Petition).where(Petition.slug == "cote-d-azur")).one()
    assert {"Nice", "Cannes", "Grasse", "Valbonne", "Mougins", "Antibes"} <= set(azur.commune_names)
    assert sorted(a.code for a in azur.areas) == [
        "200030195",
        "200039857",
        "200039915",
        "240600585",
    ]
    etienne = db.session.scalars(select(Petition).where(Petition.slug == "saint-etienne")).one()
    assert len(etienne.territory_codes) == 53 and "42218" in etienne.territory_codes
    lyon = db.session.scalars(select(Petition).where(Petition.slug == "lyon")).one()
    assert "69123" in lyon.territory_codes and "69266" in lyon.territory_codes
    for slug in slugs:
        page = client.get(f"/p/{slug}")
        assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)


HOSTILE = (
    "Intro **gras**.\n\n"
    "<script>alert('xss')</script>\n\n"
    "<img src=x onerror=alert(2)>\n\n"
    "[site](https://example.org/fr) et [piège](javascript:alert(3))\n\n"
    '<a href="https://evil.example" onclick="alert(4)">raw</a>\n'
)


class Elements(HTMLParser):
    """Every element of a fragment with its attributes: what a browser would build."""

    def __init__(self, fragment):
        super().__init__()
        self.found = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def description_html(page):
    body = page.get_data(as_text=True)
    start = body.index('<div class="description">')
    return body[start : body.index("</div>", start)]


def test_description_markdown_is_sanitised_on_the_page(app, runner, client):
    result = runner.invoke(args=replace_flag("--description", HOSTILE))
    assert result.exit_code == 0, result.output
    page = client.get("/p/cote-d-azur")
    assert page.status_code == 200
    assert "<script>alert" not in page.get_data(as_text=True)

    described = description_html(page)
    elements = Elements(described).found
    tags = {tag for tag, _attrs in elements}
    assert "script" not in tags and "img" not in tags
    assert "strong" in tags, "Markdown is still rendered"
    for tag, attrs in elements:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:"), attrs
    links = [attrs for tag, attrs in elements if tag == "a" and attrs.get("href")]
    assert [a["href"] for a in links] == ["https://example.org/fr"]
    assert links[0]["rel"] == "noopener noreferrer nofollow"
    assert "&lt;script&gt;" in described, "raw HTML is shown as text, harmlessly"
