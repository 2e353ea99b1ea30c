"""The accessibility statement (/accessibilite, /accessibility): the form the
RGAA 4.1 model gives (status, results, pages tested, derogations, contact,
recourse to the Défenseur des droits), in French and English, linked from
every footer with the status, and filled from facts only: the operator's
RGAA audit (configuration) and the automated audit's report (`make audit`),
never a date written by hand."""

import json
from datetime import date

import pytest

from petition.config import ROOT
from petition.dev import pages

REPORT = ROOT / "docs" / "accessibility-audit.json"
SAMPLE = {
    "date": "2026-11-20",
    "tool": "axe-core",
    "axe_version": "4.14.1",
    "browser": "Chromium 150",
    "tags": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
    "languages": ["fr", "en"],
    "viewports": {"phone": "390 × 844", "desktop": "1280 × 800"},
    "narrowest": 320,
    "pages": [
        {"name": "home", "label": {"fr": "Accueil", "en": "Home"}},
        {"name": "petition", "label": {"fr": "Pétition", "en": "Petition"}},
    ],
    "rules": ["color-contrast", "label", "aria-valid-attr-value"],
    "violations": [],
}


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(SAMPLE), encoding="utf-8")
    return path


@pytest.fixture
def app_overrides(request, tmp_path):
    return getattr(request, "param", {})


def _page(client, path="/accessibilite"):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "app_overrides", [{"ACCESSIBILITY_REPORT": "/nowhere.json"}], indirect=True
)
def test_without_an_audit_the_statement_says_so(client, petition):
    html = _page(client)
    assert "La plateforme est non conforme avec le RGAA version 4.1." in html
    assert "Aucun audit automatisé n’a encore été enregistré" in html
    for part in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Dérogations pour charge disproportionnée",
        "Établissement de cette déclaration",
        "Retour d’information et contact",
        "Voies de recours",
        "Défenseur des droits",
        "Libre réponse 71120",
    ):
        assert part in html, part


def test_the_statement_shows_the_audit_facts(app, client, petition, report):
    app.config["ACCESSIBILITY_REPORT"] = str(report)
    html = _page(client)
    assert "Audit automatisé du 20 novembre 2026 : axe-core 4.14.1" in html
    assert "dans Chromium 150" in html
    assert "2 pages ou états de page, en français et en anglais" in html
    assert "3 règles vérifiées sur chaque page" in html
    assert "0 non-conformité détectée" in html
    assert "<li>Accueil</li>" in html and "<li>Pétition</li>" in html
    assert "établie le 20 novembre 2026" in html
    english = _page(client, "/accessibility?lang=en")
    assert "Accessibility statement" in english
    assert "Automated audit of November 20, 2026: axe-core 4.14.1" in english
    assert "<li>Home</li>" in english and "0 violations found" in english


def test_violations_found_are_listed(app, client, petition, tmp_path):
    found = dict(
        SAMPLE,
        violations=[
            {
                "page": "home",
                "language": "en",
                "viewport": "phone",
                "rule": "color-contrast",
                "impact": "serious",
                "help": "Elements must meet minimum color contrast",
                "nodes": [],
            },
        ],
    )
    path = tmp_path / "found.json"
    path.write_text(json.dumps(found), encoding="utf-8")
    app.config["ACCESSIBILITY_REPORT"] = str(path)
    html = _page(client)
    assert "1 non-conformité détectée" in html
    assert "<code>color-contrast</code>" in html and "(home, en, phone)" in html


def test_an_unreadable_report_is_no_audit_not_an_error(app, client, petition, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    app.config["ACCESSIBILITY_REPORT"] = str(path)
    assert "Aucun audit automatisé" in _page(client)


@pytest.mark.parametrize(
    "rate,french,english",
    [
        (None, "non conforme", "not compliant"),
        (40.0, "non conforme", "not compliant"),
        (75.0, "partiellement conforme", "partially compliant"),
        (100.0, "totalement conforme", "fully compliant"),
    ],
)
def test_every_footer_states_the_status_and_links_the_statement(
    app, client, petition, rate, french, english
):
    app.config["ACCESSIBILITY_RGAA_RATE"] = rate
    app.config["ACCESSIBILITY_RGAA_DATE"] = date(2026, 10, 1) if rate else None
    for path in ("/", "/p/saint-etienne", "/p/saint-etienne/merci", "/organizer/login", "/nope"):
        html = client.get(path).get_data(as_text=True)
        assert f'<a href="/accessibilite">Accessibilité : {french}</a>' in html, path
    english_page = client.get("/?lang=en").get_data(as_text=True)
    assert f'<a href="/accessibilite">Accessibility: {english}</a>' in english_page
    statement = _page(client, "/accessibilite?lang=fr")
    assert f"La plateforme est {french} avec le RGAA version 4.1." in statement
    if rate:
        assert "L’audit de conformité du 1 octobre 2026 révèle que" in statement


def test_the_committed_report_is_the_audit_of_every_page():
    """docs/accessibility-audit.json is what `make audit` wrote: it covers every
    page state of petition/dev/pages.py (a page added since means: run it again)."""
    data = json.loads(REPORT.read_text(encoding="utf-8"))
    date.fromisoformat(data["date"])
    assert data["tool"] == "axe-core" and data["axe_version"].startswith("4.")
    assert data["tags"] == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    assert data["languages"] == ["fr", "en"] and set(data["viewports"]) == {"phone", "desktop"}
    assert len(data["rules"]) > 20
    assert [p["name"] for p in data["pages"]] == [p.name for p in pages.PAGES], (
        "pages changed since the last audit: run `make audit` and commit the report"
    )
    assert all(p["label"]["fr"] and p["label"]["en"] for p in data["pages"])
    assert data["violations"] == [], "the committed audit found violations"
