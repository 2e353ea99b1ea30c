"""What tests share besides fixtures: the settings of a test app, and the steps
a browser or an organizer takes (sign, log in, export, read an email).

Import with `from helpers import …` (tests/ is on pythonpath). The organizer
helpers live here too: one module of shared steps, so no test imports another
helper module or conftest, and conftest.py holds fixtures only.
"""
import re
from datetime import datetime, timedelta, timezone

from petition.extensions import db
from petition.models import Signature
from petition.services import organizers
from petition.services.petitions import parse_communes, save

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                        r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


def app_settings(database_url, redis_server, smtp_sink, **extra):
    """The settings of an app on the tests' database, Redis and SMTP sink."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_server.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": "Pétitions <petition@test.example>",
        "BASE_URL": "http://localhost",
        "MAIL_RETRY_INTERVALS": [0, 0, 0, 0, 0],
        "APP_ENV": "test",
        # Shared fixtures sign many times from 127.0.0.1: generous limits here;
        # tests of the limits set them low (tests/test_ratelimits.py).
        "RATELIMIT_SIGN": "1000 per minute",
        "RATELIMIT_EMAIL": "1000 per minute",
        "RATELIMIT_TOKEN": "1000 per minute",
    }
    settings.update(extra)
    return settings


# --- pages and forms ---------------------------------------------------------

def csrf_from(html):
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def csrf(client, url="/organizer/login"):
    return csrf_from(client.get(url).get_data(as_text=True))


def sign_data(**overrides):
    data = {
        "first_name": "Jean", "last_name": "Dupont", "email": "jeandupont@gmail.com",
        "postal_code": "42000", "category": "developer", "organisation": "",
        "siren": "", "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_signature(client, slug="saint-etienne", **overrides):
    """GET the form, then POST it with its CSRF token, as a browser would."""
    page = client.get(f"/p/{slug}")
    data = sign_data(**overrides)
    data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(f"/p/{slug}", data=data)


# --- emails ------------------------------------------------------------------

def mail_text(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def mail_html(message):
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def link_in(message, path):
    """The first link in the email's text part whose path starts with `path`."""
    match = re.search(r"http://localhost(" + re.escape(path) + r"[^\s]+)", mail_text(message))
    assert match, f"no {path} link in: {mail_text(message)}"
    return match.group(1)


# --- organizers --------------------------------------------------------------

def make_lyon():
    return save(
        {"slug": "lyon", "title": "Lyon French Tech", "territory": "Métropole de Lyon",
         "goal": 500, "state": "open"},
        parse_communes("Lyon:69001,69002;Villeurbanne:69100"),
    )


def make_organizer(email, petitions=(), admin=False, password=PASSWORD):
    return organizers.create(email, password, list(petitions), is_admin=admin)


def login(client, email, password=PASSWORD, next_url=None):
    url = "/organizer/login" + (f"?next={next_url}" if next_url else "")
    page = client.get(url)
    return client.post(url, data={
        "email": email, "password": password,
        "csrf_token": csrf_from(page.get_data(as_text=True))})


def add_signature(petition, state="verified", days_ago=0, **fields):
    """A row as the signing flow leaves it (the count is moved for verified)."""
    now = datetime.now(timezone.utc) - timedelta(days=days_ago)
    n = db.session.query(Signature).count() + 1
    data = dict(
        petition_id=petition.id, state=state, first_name=f"Prénom{n}",
        last_name=f"Nom{n}", email=f"person{n}@example.org",
        canonical_email=f"person{n}@example.org", postal_code="42000",
        commune="Saint-Étienne", category="developer", public=False,
        email_domain="example.org", ip_hash="a" * 64, created_at=now,
        verified_at=now if state == "verified" else None,
    )
    data.update(fields)
    signature = Signature(**data)
    db.session.add(signature)
    if state == "verified":
        petition.signature_count += 1
    db.session.commit()
    return signature


def export(client, slug="saint-etienne", **filters):
    """Download the CSV as the dashboard's export form does: a POST with its CSRF token."""
    token = csrf(client, f"/organizer/petitions/{slug}/")
    return client.post(f"/organizer/petitions/{slug}/export.csv",
                       data={"csrf_token": token, **filters})
