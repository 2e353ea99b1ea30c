"""Readable organizer screens (issue 14, item 1): no internal key on any
organizer page in French, logs as sentences, dates in the local time zone
(stored in UTC), and a bulk invalidation that needs its confirmation screen."""

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from petition.dev import pages
from petition.extensions import db
from petition.models import (
    CATEGORIES,
    ExportLog,
    ModerationAction,
    Petition,
    PetitionState,
    SignatureState,
)

from helpers import add_signature, csrf, export, login, make_organizer, reread

#: Keys the code stores that are no French word: none may show on a French page.
STATE_KEYS = {*SignatureState.ALL, *PetitionState.ALL}
CATEGORY_KEYS = set(CATEGORIES) - {"entrepreneur", "association", "public"}  # French words too
KEYS = re.compile(r"\b(" + "|".join(sorted(STATE_KEYS | CATEGORY_KEYS)) + r")\b")
MODERATION = "/organizer/petitions/saint-etienne/moderation"


class _Text(HTMLParser):
    """The text a reader meets: element text and the labels of controls,
    not attribute values the browser never shows (name, value of hidden…)."""

    SKIP = {"script", "style", "code"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html):
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def app_overrides(tmp_path):
    return {"DEV_MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def world(app):
    pages.add_audit_routes(app)
    world = pages.build_world(app.config["DEV_MAIL_DIR"])
    petition = world.petition()
    for n, category in enumerate(CATEGORIES):  # every category on the dashboard
        email = f"category{n}@example.org"
        add_signature(petition, category=category, email=email, canonical_email=email)
    return world


def test_no_organizer_page_in_french_shows_an_internal_key(app, world):
    organizer = app.test_client()
    assert login(organizer, pages.ADMIN, pages.PASSWORD).status_code == 302
    assert export(organizer, category="student").status_code == 200  # a filtered export logged
    found = {}
    checked = 0
    for page in pages.PAGES:
        if not page.login:
            continue
        response = pages.open_with_client(organizer, page, world, "fr")
        text = visible_text(response.get_data(as_text=True))
        keys = sorted(set(KEYS.findall(text)))
        checked += 1
        if keys:
            found[page.name] = keys
    assert checked >= 10, "the organizer pages were visited"
    assert not found, f"internal keys shown in French: {found}"


def test_the_scan_sees_a_raw_key():
    assert KEYS.findall(visible_text("<td>verified</td><td>Étudiant·e</td>")) == ["verified"]
    assert not KEYS.findall(visible_text('<input type="hidden" name="x" value="verified">'))


def test_logs_are_sentences(client, petition):
    signature = add_signature(petition)
    add_signature(petition, email_domain="spam.example")
    make_organizer("marie@example.org", [petition])
    login(client, "marie@example.org")
    token = csrf(client, MODERATION)
    client.post(
        f"/organizer/petitions/saint-etienne/signatures/{signature.id}/invalidate",
        data={"reason": "rafale suspecte", "csrf_token": token},
    )
    page = client.get(MODERATION).get_data(as_text=True)
    assert f"Signature n° {signature.id} invalidée par marie@example.org : rafale suspecte" in page
    assert "signature_id" not in page and "{&#34;" not in page

    assert export(client, delimiter=";", category="developer").status_code == 200
    dashboard = client.get("/organizer/petitions/saint-etienne/").get_data(as_text=True)
    assert "Export CSV par marie@example.org, séparateur point-virgule, 1 ligne, empreinte" in (
        dashboard
    )
    assert "catégorie Développeur·se" in dashboard
    assert "{&#34;delimiter" not in dashboard and '{"delimiter' not in dashboard


def confirm_flow(client, since_local):
    token = csrf(client, MODERATION)
    rule = {"domain": "spam.example", "since": since_local, "csrf_token": token}
    preview = client.post(MODERATION + "/preview", data=rule)
    return rule, preview


def test_bulk_invalidation_needs_the_confirmation_screen(client, petition):
    for n in range(3):
        add_signature(petition, email_domain="spam.example", first_name=f"Bot{n}")
    add_signature(petition)
    make_organizer("marie@example.org", [petition])
    login(client, "marie@example.org")
    rule, preview = confirm_flow(client, "2000-01-01T00:00")
    text = preview.get_data(as_text=True)
    assert "touchera 3 signatures" in text and "Bot0" in text and "Bot2" in text, "which ones"
    assert 'name="reason"' not in text.split('id="preview"')[1].split("</div>")[0]

    skipped = client.post(MODERATION + "/apply", data={**rule, "reason": "rafale"})
    assert skipped.status_code == 400
    assert "Confirmez l’invalidation sur cet écran" in skipped.get_data(as_text=True)
    assert reread(Petition, petition.id).signature_count == 4, "nothing without confirmation"

    screen = client.post(MODERATION + "/confirm", data=rule)
    html = screen.get_data(as_text=True)
    assert screen.status_code == 200
    assert "Vous allez invalider 3 signatures" in html
    (reason,) = re.findall(r"<input[^>]*name=\"reason\"[^>]*>", html)
    assert "value=" not in reason or 'value=""' in reason, "the reason is typed, not pre-filled"

    add_signature(petition, email_domain="spam.example")  # one more arrives meanwhile
    stale = client.post(MODERATION + "/apply", data={**rule, "expected": "3", "reason": "rafale"})
    assert stale.status_code == 409
    assert "Vous allez invalider 4 signatures" in stale.get_data(as_text=True)
    no_reason = client.post(MODERATION + "/apply", data={**rule, "expected": "4", "reason": ""})
    assert no_reason.status_code == 400 and "Indiquez la raison" in no_reason.get_data(as_text=True)
    assert reread(Petition, petition.id).signature_count == 5

    done = client.post(MODERATION + "/apply", data={**rule, "expected": "4", "reason": "rafale"})
    assert done.status_code == 303
    assert reread(Petition, petition.id).signature_count == 1


def test_dates_are_typed_in_local_time_and_stored_in_utc(client, petition):
    add_signature(petition, email_domain="spam.example")
    make_organizer("marie@example.org", [petition])
    login(client, "marie@example.org")
    page = client.get(MODERATION).get_data(as_text=True)
    assert re.search(
        r'<input[^>]*type="datetime-local"[^>]*name="since"|'
        r'<input[^>]*name="since"[^>]*type="datetime-local"',
        page,
    )
    assert "Europe/Paris" in page
    rule, _preview = confirm_flow(client, "2026-07-01T12:00")  # summer: UTC+2
    client.post(MODERATION + "/apply", data={**rule, "expected": "1", "reason": "test"})
    action = db.session.scalars(select(ModerationAction)).one()
    assert json.loads(action.rule)["since"] == datetime(2026, 7, 1, 10, 0, tzinfo=UTC).isoformat()
    log = client.get(MODERATION).get_data(as_text=True)
    assert "depuis le 01/07/2026 12:00" in log, "shown back in local time"


@pytest.mark.parametrize("app_overrides", [{"TIMEZONE": "America/New_York"}])
def test_the_time_zone_is_a_setting(client, petition):
    add_signature(petition, email_domain="spam.example")
    make_organizer("marie@example.org", [petition])
    login(client, "marie@example.org")
    rule, _preview = confirm_flow(client, "2026-01-15T09:00")  # winter: UTC-5
    client.post(MODERATION + "/apply", data={**rule, "expected": "1", "reason": "test"})
    action = db.session.scalars(select(ModerationAction)).one()
    assert json.loads(action.rule)["since"] == datetime(2026, 1, 15, 14, 0, tzinfo=UTC).isoformat()


def test_an_unknown_time_zone_stops_the_start():
    from petition import create_app

    with pytest.raises(RuntimeError, match="TIMEZONE"):
        create_app({"TESTING": True, "TIMEZONE": "Mars/Olympus"})


def _categories(csv_bytes, delimiter=";"):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")), delimiter=delimiter))
    return [row[rows[0].index("categorie")] for row in rows[1:]]


def test_the_csv_names_categories_in_the_export_language(client, petition, runner, tmp_path):
    add_signature(petition, category="student")
    make_organizer("marie@example.org", [petition])
    login(client, "marie@example.org")
    assert _categories(export(client).get_data()) == ["Étudiant·e"]
    english = client.post(
        "/organizer/petitions/saint-etienne/export.csv?lang=en",
        data={"csrf_token": csrf(client, "/organizer/petitions/saint-etienne/?lang=en")},
    )
    assert _categories(english.get_data()) == ["Student"]

    out = tmp_path / "fr.csv"
    result = runner.invoke(args=["petition", "export", "saint-etienne", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _categories(out.read_bytes()) == ["Étudiant·e"]
    keys = tmp_path / "keys.csv"
    result = runner.invoke(
        args=["petition", "export", "saint-etienne", "-o", str(keys), "--keys", "--delimiter", ","]
    )
    assert result.exit_code == 0, result.output
    assert _categories(keys.read_bytes(), ",") == ["student"]
    verified = runner.invoke(
        args=["petition", "verify-export", str(keys), str(keys.with_name("keys.manifest.json"))]
    )
    assert verified.exit_code == 0, verified.output
    assert "--keys" in runner.invoke(args=["petition", "export", "--help"]).output


CHECK = "/organizer/petitions/saint-etienne/exports/check"


def _upload(client, csv_bytes, manifest_bytes):
    import io

    return client.post(
        CHECK,
        data={
            "csrf_token": csrf(client, CHECK),
            "csv_file": (io.BytesIO(csv_bytes), "export.csv"),
            "manifest": (io.BytesIO(manifest_bytes), "export.manifest.json"),
        },
        content_type="multipart/form-data",
    )


def test_an_export_is_checked_on_the_web(client, petition):
    for _n in range(3):
        add_signature(petition)
    make_organizer("marie@example.org", [petition])
    login(client, "marie@example.org")
    body = export(client).get_data()
    (entry_id,) = db.session.scalars(select(ExportLog.id)).all()
    manifest = client.get(
        f"/organizer/petitions/saint-etienne/exports/{entry_id}/manifest.json"
    ).get_data()

    good = _upload(client, body, manifest)
    text = good.get_data(as_text=True)
    assert good.status_code == 200 and "Fichier valide." in text
    assert f"exactement l’export n° {entry_id} : 3 signataires" in text

    one_less = b"".join(body.splitlines(keepends=True)[:-1])  # LF on PostgreSQL, CRLF on SQLite
    changed = _upload(client, one_less, manifest).get_data(as_text=True)
    assert "Ce fichier n’est pas l’export décrit" in changed
    assert "empreinte SHA-256 ne correspond pas" in changed
    assert "L’export comptait 3 lignes de signataires ; ce fichier en a 2." in changed

    resaved = body.removeprefix(b"\xef\xbb\xbf").replace(b";", b",")
    found = _upload(client, resaved, manifest).get_data(as_text=True)
    assert "(BOM) du début a disparu" in found and "Le séparateur n’est plus" in found

    forged = manifest.replace(b'"rows": 3', b'"rows": 30')
    assert "La signature du manifeste ne correspond pas" in _upload(client, body, forged).get_data(
        as_text=True
    )
    assert "pas un fichier JSON valide" in _upload(client, body, b"\xff{").get_data(as_text=True)
    missing = client.post(CHECK, data={"csrf_token": csrf(client, CHECK)})
    assert missing.status_code == 400 and "Choisissez le fichier CSV" in missing.get_data(
        as_text=True
    )
    assert export_checks_are_logged_nowhere_else()


def export_checks_are_logged_nowhere_else():
    return db.session.scalar(select(func.count()).select_from(ExportLog)) == 1
