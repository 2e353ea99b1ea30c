"""Helpers shared by the organizer tests: accounts, logins, signatures."""
from datetime import datetime, timedelta, timezone

from petition.extensions import db
from petition.models import Signature
from petition.services import organizers
from petition.services.petitions import parse_communes, save

from conftest import csrf_from

PASSWORD = "correct horse battery staple"


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


def csrf(client, url="/organizer/login"):
    return csrf_from(client.get(url).get_data(as_text=True))


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
