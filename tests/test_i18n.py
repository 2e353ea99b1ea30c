"""Languages: French by default, English from the browser or the switch, which
sticks; and the English catalog covers every string in the code."""

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from petition import numbers
from petition.config import ROOT

PO = ROOT / "petition" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def lang_of(response):
    match = re.search(r'<html lang="(\w+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def test_french_by_default(client, petition):
    page = client.get("/p/saint-etienne")
    assert lang_of(page) == "fr"
    assert "Signer la pétition" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "header,expected",
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("de", "fr"),
        ("", "fr"),
    ],
)
def test_browser_language_is_followed(client, petition, header, expected):
    page = client.get("/p/saint-etienne", headers={"Accept-Language": header})
    assert lang_of(page) == expected
    text = page.get_data(as_text=True)
    assert ("Sign the petition" if expected == "en" else "Signer la pétition") in text


def test_switch_sets_a_cookie_that_sticks(client, petition):
    switched = client.get("/p/saint-etienne?lang=en")
    assert lang_of(switched) == "en"
    cookie = switched.headers.get("Set-Cookie", "")
    assert cookie.startswith("lang=en") and "SameSite=Lax" in cookie
    later = client.get("/")
    assert lang_of(later) == "en", "the choice sticks on the next page"
    assert "The French Tech territories in the race" in later.get_data(as_text=True)

    back = client.get("/p/saint-etienne?lang=fr", headers={"Accept-Language": "en"})
    assert lang_of(back) == "fr"
    assert lang_of(client.get("/", headers={"Accept-Language": "en"})) == "fr", (
        "the cookie wins over the browser"
    )


def test_unknown_language_is_ignored(client, petition):
    page = client.get("/p/saint-etienne?lang=xx")
    assert page.status_code == 200 and lang_of(page) == "fr"
    assert "lang=" not in page.headers.get("Set-Cookie", "")


def test_language_links_are_on_the_page(client, petition):
    french = client.get("/p/saint-etienne?utm=x").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">', french)
    assert link, "a link to the English page"
    assert link.group(1).startswith("/p/saint-etienne?") and "lang=en" in link.group(1)
    assert "utm=x" in link.group(1), "the rest of the address is kept"

    english = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(
        r'<a href="/p/saint-etienne\?[^"]*lang=fr[^"]*" lang="fr" hreflang="fr">', english
    )
    assert '<span aria-current="true">EN</span>' in english


def test_error_pages_speak_english_too(client):
    page = client.get("/p/nowhere?lang=en")
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)


# --- the catalog ---------------------------------------------------------


def extract_messages(tmp_path):
    """What `make extract-messages` would find in the code now."""
    pot = tmp_path / "messages.pot"
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(
        pybabel
        + [
            "-q",
            "extract",
            "-F",
            "petition/babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--ignore-dirs=.venv instance .git bench tests node_modules",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open(pot, "rb") as f:
        return [m for m in read_po(f) if m.id]


def translated(message):
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return bool(strings) and all(s and s.strip() for s in strings)


def test_every_string_has_an_english_translation(tmp_path):
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="en")
    found = extract_messages(tmp_path)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in found}
    # Guards against an extraction that silently finds nothing (a broken babel.cfg).
    assert {"Je signe", "Vérifiez votre boîte mail", "soutien vérifié"} <= ids, sorted(ids)[:20]
    missing = []
    for message in found:
        entry = catalog.get(message.id)
        if entry is None or not translated(entry) or entry.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, (
        f"{len(missing)} msgid(s) without an English msgstr in "
        "petition/translations/en/LC_MESSAGES/messages.po "
        "(append them, then `make translations`):\n" + "\n".join(f"  {m!r}" for m in missing)
    )


def test_translations_keep_their_placeholders():
    """A msgstr with other %(names)s than its msgid breaks the page at run time."""
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="en")
    wrong = []
    for message in catalog:
        if not message.id or not translated(message):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - expected or (
                len(ids) == 1 and set(PLACEHOLDER.findall(string)) != expected
            ):
                wrong.append(f"{ids[0]!r} -> {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


FRENCH = ROOT / "petition" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def test_every_plural_message_has_its_french_forms(tmp_path):
    """French is the source language, yet its plurals need a catalog: without
    one gettext's default rule (n != 1) says "0 soutiens". Each plural message
    the code holds has a French entry (`make extract-messages` writes them:
    petition/dev/catalogs.py) whose forms are its msgid and msgid_plural."""
    with open(FRENCH, "rb") as f:
        catalog = read_po(f, locale="fr")
    assert catalog.plural_expr.startswith("(n == 0 || n == 1) ? 0"), catalog.plural_expr
    wrong = []
    for message in extract_messages(tmp_path):
        if not message.pluralizable:
            continue
        entry = catalog.get(message.id)
        expected = (message.id[0],) + (message.id[1],) * (catalog.num_plurals - 1)
        if entry is None or tuple(entry.string) != expected or entry.fuzzy:
            wrong.append(message.id[0])
    assert not wrong, (
        f"{len(wrong)} plural message(s) without their French forms in {FRENCH.name} "
        "(run `make extract-messages`):\n" + "\n".join(f"  {m!r}" for m in wrong)
    )


@pytest.mark.parametrize(
    "lang,expected",
    [
        ("fr", ["0 soutien vérifié", "1 soutien vérifié", "2 soutiens vérifiés"]),
        ("en", ["0 verified supporters", "1 verified supporter", "2 verified supporters"]),
    ],
)
def test_zero_one_two_as_each_language_says_them(app, lang, expected):
    with app.test_request_context("/"), force_locale(lang):
        said = [f"{n} {numbers.supporters_label(n)}" for n in (0, 1, 2)]
    assert said == expected
