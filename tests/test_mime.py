"""petition.mail.mime: our emails serialised on the fast path are, byte for
byte, what Flask-Mail's own serialisation (policy.SMTP) gives for the same
MIME tree, whatever the title, language or address."""

import email
import email.policy

import pytest
from sqlalchemy import select, update

from petition.extensions import db
from petition.mail import messages, mime
from petition.mail.mime import serialise
from petition.models import Petition, Signature

from helpers import post_signature

TITLES = [
    "Saint-Étienne French Tech",
    "Pour que la Métropole de Lyon « ouvre » ses données : " + "très longue " * 12,
    '=?utf-8?q?déjà encodé?= et des "guillemets", des ; et des : partout',
    "ASCII only and long enough to be folded by any policy " * 3,
    "Ça 🎉 émoji ñ ü ø 中文",
]


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("build", [messages.confirmation, messages.already_signed])
def test_fast_serialisation_gives_flask_mails_bytes(app, client, petition, title, locale, build):
    post_signature(client, email="jean.eloi-dupont@gmail.com", first_name="Jean-Éloi")
    db.session.execute(update(Petition).values(title=title))
    db.session.execute(update(Signature).values(locale=locale))
    db.session.commit()
    with app.app_context():
        signature = db.session.scalars(select(Signature)).one()
        mime = build(signature)._message()
        fast = serialise(mime)  # sets the boundaries; the stdlib keeps them
        assert fast == mime.as_bytes(), "the same bytes as Flask-Mail's serialisation"
    parsed = email.message_from_bytes(fast, policy=email.policy.SMTP)
    assert parsed["Subject"].startswith(("Confirmez", "Confirm", "Vous avez", "You have"))
    assert title.split()[0] in str(parsed["Subject"])
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


def test_a_boundary_found_in_the_text_is_not_used(monkeypatch):
    """The stdlib's boundary form, never one that the text already holds."""
    text = b"--" + b"=" * 15 + b"0" * 19 + b"=="
    draws = iter([0, 0, 1])
    monkeypatch.setattr(mime.random, "randrange", lambda _n: next(draws))
    boundary = mime._PartGenerator._make_boundary(text)
    assert boundary == "=" * 15 + "0" * 18 + "1" + "=="
