"""Every bad input on the sign form and on the emailed links: a clear message
(French by default, English with ?lang=en), nothing stored, never a 500."""

import html
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from rq import Queue
from sqlalchemy import func, select

from petition import tokens
from petition.extensions import db
from petition.jobs import EMAIL_QUEUE
from petition.links import link_payload, withdraw_token
from petition.models import Petition, Signature, SignatureState, utcnow
from petition.services.petitions import save

from helpers import csrf_from, link_in, reread, sign_data

LANGS = ("fr", "en")


def query(lang):
    return "?lang=en" if lang == "en" else ""


def text_of(response):
    return html.unescape(response.get_data(as_text=True))


def stored_rows():
    return db.session.scalar(select(func.count()).select_from(Signature))


def queued_emails(app):
    return Queue(EMAIL_QUEUE, connection=app.extensions["redis"]).count


def submit(client, lang, slug="saint-etienne", **overrides):
    """GET the form in `lang`, POST it back with its CSRF token."""
    page = client.get(f"/p/{slug}{query(lang)}")
    data = sign_data(**overrides)
    data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(f"/p/{slug}{query(lang)}", data=data)


def assert_refused(app, response, message, status=400):
    assert response.status_code == status, text_of(response)[:2000]
    assert message in text_of(response), text_of(response)[:4000]
    assert stored_rows() == 0, "a refused input must store nothing"
    assert queued_emails(app) == 0, "a refused input must queue no email"


# (case, form fields, French message, English message)
FORM_CASES = [
    ("no first name", {"first_name": ""}, "Indiquez votre prénom.", "Enter your first name."),
    ("blank first name", {"first_name": "   "}, "Indiquez votre prénom.", "Enter your first name."),
    ("no last name", {"last_name": None}, "Indiquez votre nom.", "Enter your last name."),
    ("no email", {"email": ""}, "Indiquez votre adresse e-mail.", "Enter your email address."),
    (
        "email without domain",
        {"email": "jean@"},
        "Cette adresse e-mail n'est pas valide.",
        "This email address is not valid.",
    ),
    (
        "email without at",
        {"email": "jean.dupont.gmail.com"},
        "Cette adresse e-mail n'est pas valide.",
        "This email address is not valid.",
    ),
    (
        "email with space",
        {"email": "jean dupont@gmail.com"},
        "Cette adresse e-mail n'est pas valide.",
        "This email address is not valid.",
    ),
    (
        "no postal code",
        {"postal_code": ""},
        "Indiquez votre code postal.",
        "Enter your postal code.",
    ),
    (
        "postal code too short",
        {"postal_code": "4200"},
        "Le code postal doit comporter 5 chiffres",
        "The postal code must have 5 digits",
    ),
    (
        "postal code letters",
        {"postal_code": "42OOO"},
        "Le code postal doit comporter 5 chiffres",
        "The postal code must have 5 digits",
    ),
    (
        "postal code 00",
        {"postal_code": "00100"},
        "Le code postal doit comporter 5 chiffres",
        "The postal code must have 5 digits",
    ),
    (
        "SIRET wrong key",
        {"siren": "73282932000075"},
        "SIRET (14 chiffres) invalide : vérifiez la clé",
        "SIRET (14 digits) number: check the last digit",
    ),
    (
        "SIREN wrong key",
        {"siren": "732829321"},
        "SIREN (9 chiffres) ou SIRET",
        "Invalid SIREN (9 digits)",
    ),
    (
        "SIREN wrong length",
        {"siren": "7328293"},
        "SIREN (9 chiffres) ou SIRET",
        "Invalid SIREN (9 digits)",
    ),
    (
        "no consent",
        {"consent": None},
        "Votre accord est nécessaire pour signer.",
        "Your consent is required to sign.",
    ),
    (
        "first name too long",
        {"first_name": "A" * 101},
        "plus de 100 caractères",
        "longer than 100 characters",
    ),
    (
        "last name too long",
        {"last_name": "B" * 101},
        "plus de 100 caractères",
        "longer than 100 characters",
    ),
    (
        "organisation too long",
        {"organisation": "C" * 201},
        "plus de 200 caractères",
        "longer than 200 characters",
    ),
    (
        "email too long",
        {"email": "d" * 250 + "@example.org"},
        "plus de 254 caractères",
        "longer than 254 characters",
    ),
    ("no category", {"category": ""}, "Choisissez une catégorie", "Choose a category"),
    (
        "unknown category",
        {"category": "pirate"},
        "Choisissez une catégorie dans la liste.",
        "Choose a category from the list.",
    ),
    (
        "commune contradicting the postal code",
        {"commune": "Paris"},
        "Cette commune n’a pas le code postal 42000",
        "This municipality does not have the postal code 42000",
    ),
    (
        "postal code of no commune",
        {"postal_code": "42999"},
        "Aucune commune n’a le code postal 42999 : vérifiez-le.",
        "No municipality has the postal code 42999: please check it.",
    ),
    (
        "postal code shared, no commune chosen",
        {"postal_code": "42160"},
        "Plusieurs communes ont le code postal 42160 : choisissez la vôtre.",
        "Several municipalities have the postal code 42160: choose yours.",
    ),
    (
        "web address as a name",
        {"last_name": "www.casino.ru"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    # Text rules shared by every form (petition/text.py); see also tests/test_text.py.
    (
        "line break in a name",
        {"first_name": "Jean\r\nBcc: tous@example.org"},
        "ni retour à la ligne ni caractère de contrôle",
        "cannot contain line breaks",
    ),
    (
        "tab in an organisation",
        {"organisation": "Acme\tSA"},
        "ni retour à la ligne ni caractère de contrôle",
        "cannot contain line breaks",
    ),
    (
        "zero-width space as a name",
        {"first_name": "\u200b"},
        "caractère invisible ou de mise en forme",
        "invisible or formatting character",
    ),
    (
        "zero-width space inside a name",
        {"last_name": "Du\u200bpont"},
        "caractère invisible ou de mise en forme",
        "invisible or formatting character",
    ),
    (
        "bidi override in a name",
        {"last_name": "\u202etnopuD"},
        "ni retour à la ligne ni caractère de contrôle",
        "cannot contain line breaks",
    ),
    (
        "zalgo name",
        {"last_name": "Z" + "\u0336" * 99},
        "Trop de signes accumulés sur une même lettre (3 au plus)",
        "Too many marks stacked on one letter (3 at most)",
    ),
    (
        "four marks on one letter",
        {"first_name": "Jea\u0336\u0336\u0336\u0336n"},
        "Trop de signes accumulés",
        "Too many marks stacked",
    ),
    (
        "domain under another TLD",
        {"last_name": "secure-login.de/fr"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    (
        "bare .com domain",
        {"first_name": "example.com"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    (
        "domain under co.uk",
        {"organisation": "evil.co.uk"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    (
        "punycode domain",
        {"last_name": "xn--bcher-kva.ch"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    (
        "scheme without a dot",
        {"first_name": "http://x"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    (
        "www without a TLD",
        {"organisation": "www.x"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
    (
        "full-width domain",
        {"last_name": "ｅｘａｍｐｌｅ．ｃｏｍ"},
        "Un nom ne peut pas contenir d'adresse web.",
        "A name cannot contain a web address.",
    ),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "fields,fr,en", [c[1:] for c in FORM_CASES], ids=[c[0] for c in FORM_CASES]
)
def test_bad_form_input_is_refused_with_a_clear_message(
    app, client, petition, lang, fields, fr, en
):
    response = submit(client, lang, **fields)
    assert_refused(app, response, fr if lang == "fr" else en)
    page = text_of(response)
    assert (
        "Le formulaire contient des erreurs" if lang == "fr" else "The form contains errors"
    ) in page
    assert 'aria-invalid="true"' in page, "the error is tied to its field"
    assert 'class="error" id="' in page


def test_valid_siret_with_spaces_is_accepted(client, petition):
    """The control case: the SIREN/SIRET check accepts a good number."""
    assert submit(client, "fr", siren="732 829 320 00074").status_code == 302
    assert db.session.scalars(select(Signature)).one().siren == "73282932000074"


@pytest.mark.parametrize("lang", LANGS)
def test_missing_csrf_token_is_refused(app, client, petition, lang):
    client.get(f"/p/saint-etienne{query(lang)}")
    response = client.post(f"/p/saint-etienne{query(lang)}", data=sign_data())
    assert_refused(
        app, response, "Le formulaire a expiré" if lang == "fr" else "The form has expired"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_wrong_csrf_token_is_refused(app, client, petition, lang):
    client.get(f"/p/saint-etienne{query(lang)}")
    data = sign_data(csrf_token="IjEyMzQ1Ig.Zm9v.YmFy")
    response = client.post(f"/p/saint-etienne{query(lang)}", data=data)
    assert_refused(app, response, "Rechargez la page" if lang == "fr" else "Reload the page")


def test_csrf_token_of_another_visitor_is_refused(app, client, petition):
    other = app.test_client()
    token = csrf_from(other.get("/p/saint-etienne").get_data(as_text=True))
    client.get("/p/saint-etienne")
    response = client.post("/p/saint-etienne", data=sign_data(csrf_token=token))
    assert_refused(app, response, "Le formulaire a expiré")


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_petition_is_404(app, client, petition, lang):
    assert client.get(f"/p/nulle-part{query(lang)}").status_code == 404
    token = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    response = client.post(f"/p/nulle-part{query(lang)}", data=sign_data(csrf_token=token))
    assert_refused(
        app,
        response,
        "Cette page n'existe pas" if lang == "fr" else "This page does not exist",
        status=404,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_draft_petition_is_404(app, client, petition, lang):
    save(
        {
            "slug": "brouillon",
            "title": "Brouillon",
            "territory": "Nulle part",
            "goal": 10,
            "state": "draft",
        }
    )
    assert client.get(f"/p/brouillon{query(lang)}").status_code == 404
    assert client.get(f"/p/brouillon/merci{query(lang)}").status_code == 404
    token = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    response = client.post(f"/p/brouillon{query(lang)}", data=sign_data(csrf_token=token))
    assert_refused(
        app, response, "Page introuvable" if lang == "fr" else "Page not found", status=404
    )


@pytest.fixture
def closed_petitions(petition):
    """One closed by state, one open whose closing date has passed."""
    save({"slug": "close", "title": "Close", "territory": "Lyon", "goal": 10, "state": "closed"})
    save(
        {
            "slug": "passee",
            "title": "Passée",
            "territory": "Lyon",
            "goal": 10,
            "state": "open",
            "opens_at": utcnow() - timedelta(days=10),
            "closes_at": utcnow() - timedelta(days=1),
        }
    )
    return ("close", "passee")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", ["close", "passee"])
def test_closed_petition_refuses_signatures(app, client, closed_petitions, lang, slug):
    page = client.get(f"/p/{slug}{query(lang)}")
    assert page.status_code == 200
    assert 'name="email"' not in page.get_data(as_text=True), "no form on a closed petition"
    token = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    response = client.post(f"/p/{slug}{query(lang)}", data=sign_data(csrf_token=token))
    assert_refused(
        app, response, "rien n’a été enregistré" if lang == "fr" else "nothing was recorded"
    )


# --- Emailed links -------------------------------------------------------


@pytest.fixture
def pending(client, petition, smtp_sink, run_jobs):
    """A pending signature and the confirmation path its email carries."""
    assert submit(client, "fr").status_code == 302
    run_jobs()
    (message,) = smtp_sink.messages
    signature = db.session.scalars(select(Signature)).one()
    return signature, link_in(message, "/confirm/")


def old_token(app, purpose, payload, age):
    """A token signed `age` ago, as if it had waited in an inbox."""

    class Backdated(TimestampSigner):
        def get_timestamp(self):
            return int(time.time() - age.total_seconds())

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=tokens.SALTS[purpose], signer=Backdated
    )
    return serializer.dumps(payload)


def tampered(path):
    token = path.rsplit("/", 1)[1]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    return flipped


def bad_confirm_tokens(app, signature, path):
    return {
        "tampered": tampered(path),
        "truncated": path.rsplit("/", 1)[1][:-6],
        "garbage": "pas-un-jeton",
        "long garbage": "x" * 3000,
        "unknown signature": tokens.make(
            "confirm", {"s": signature.id + 1000, "n": signature.token_nonce}
        ),
        "another row's nonce": tokens.make("confirm", {"s": signature.id, "n": "autre"}),
        "payload without id": tokens.make("confirm", {"x": 1}),
        "payload not a number": tokens.make("confirm", {"s": "un", "n": signature.token_nonce}),
        "other key": URLSafeTimedSerializer(
            "another-secret-key-xyz", salt=tokens.SALTS["confirm"]
        ).dumps(link_payload(signature)),
        "withdraw token": withdraw_token(signature),
    }


def assert_unconfirmed(petition, signature):
    assert reread(Signature, signature.id).state == SignatureState.PENDING
    assert reread(Petition, petition.id).signature_count == 0


@pytest.mark.parametrize("lang", LANGS)
def test_bad_confirmation_tokens_get_a_helpful_page(app, client, petition, pending, lang):
    signature, path = pending
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    for case, token in bad_confirm_tokens(app, signature, path).items():
        for response in (
            client.get(f"/confirm/{token}{query(lang)}"),
            client.post(f"/confirm/{token}{query(lang)}", data={"csrf_token": csrf}),
        ):
            page = text_of(response)
            assert response.status_code == 400, (case, response.status_code)
            if lang == "fr":
                assert "Ce lien n’est pas valide" in page, case
                assert "signez de nouveau" in page and "Signer de nouveau" in page, case
            else:
                assert "This link is not valid" in page, case
                assert "sign again" in page and "Sign again" in page, case
            assert "/p/saint-etienne" in page or 'href="/"' in page, "a way to sign again"
            assert_unconfirmed(petition, signature)


@pytest.mark.parametrize("lang", LANGS)
def test_expired_confirmation_token_says_so(app, client, petition, pending, lang):
    signature, path = pending
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    token = old_token(app, "confirm", link_payload(signature), timedelta(days=31))
    for response in (
        client.get(f"/confirm/{token}{query(lang)}"),
        client.post(f"/confirm/{token}{query(lang)}", data={"csrf_token": csrf}),
    ):
        assert response.status_code == 400
        page = text_of(response)
        assert ("Ce lien a expiré" if lang == "fr" else "This link has expired") in page
        assert ("Signer de nouveau" if lang == "fr" else "Sign again") in page
        assert "/p/saint-etienne" in page, "the page offers to sign this petition again"
    assert_unconfirmed(petition, signature)


def test_token_younger_than_max_age_still_confirms(app, client, petition, pending):
    """The control case: 29 days old is within the default 30."""
    signature, _path = pending
    token = old_token(app, "confirm", link_payload(signature), timedelta(days=29))
    page = client.get(f"/confirm/{token}")
    assert page.status_code == 200
    done = client.post(
        f"/confirm/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert done.status_code == 200
    assert reread(Petition, petition.id).signature_count == 1


class TestTinyMaxAge:
    @pytest.fixture
    def app_overrides(self):
        return {"CONFIRM_TOKEN_MAX_AGE": 1}

    def test_link_expires_after_configured_max_age(self, app, client, petition, pending):
        signature, path = pending
        token = old_token(app, "confirm", link_payload(signature), timedelta(seconds=5))
        response = client.get(f"/confirm/{token}")
        assert response.status_code == 400
        assert "Ce lien a expiré" in text_of(response)
        assert_unconfirmed(petition, signature)


@pytest.mark.parametrize("lang", LANGS)
def test_confirm_token_does_not_withdraw(app, client, petition, pending, lang):
    signature, path = pending
    confirm_token = path.rsplit("/", 1)[1]
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    for response in (
        client.get(f"/withdraw/{confirm_token}{query(lang)}"),
        client.post(f"/withdraw/{confirm_token}{query(lang)}", data={"csrf_token": csrf}),
    ):
        assert response.status_code == 400
        page = text_of(response)
        assert ("Ce lien n’est pas valide" if lang == "fr" else "This link is not valid") in page
        assert (
            "Le lien de retrait est incomplet"
            if lang == "fr"
            else "The withdrawal link is incomplete"
        ) in page
    kept = reread(Signature, signature.id)
    assert kept.state == SignatureState.PENDING and kept.email == "jeandupont@gmail.com"


def test_old_withdraw_link_works_while_the_data_exist(app, client, petition, pending):
    """No age limit of its own: an open petition may run for years (README)."""
    signature, _path = pending
    token = old_token(app, "withdraw", link_payload(signature), timedelta(days=3 * 365))
    response = client.get(f"/withdraw/{token}?lang=en")
    assert response.status_code == 200
    assert "Withdraw my signature" in text_of(response)


class TestWithdrawMaxAge:
    @pytest.fixture
    def app_overrides(self):
        return {"WITHDRAW_TOKEN_MAX_AGE": 400 * 86400}

    def test_a_configured_max_age_expires_withdraw_links(self, app, client, petition, pending):
        signature, _path = pending
        token = old_token(app, "withdraw", link_payload(signature), timedelta(days=401))
        response = client.get(f"/withdraw/{token}?lang=en")
        assert response.status_code == 400
        assert "This link has expired" in text_of(response)
        assert reread(Signature, signature.id).email == "jeandupont@gmail.com"


def test_confirming_without_csrf_token_confirms_nothing(app, client, petition, pending):
    signature, path = pending
    response = client.post(path, data={})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text_of(response)
    assert_unconfirmed(petition, signature)
