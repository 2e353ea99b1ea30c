"""Property-based tests (hypothesis): whatever is typed into the sign form,
put in a token URL or an API path, the answer is never a 500 and no partial
row is stored. Example counts stay modest for CI time."""
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from petition.extensions import db
from petition.models import Signature

from conftest import csrf_from

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
REQUIRED = ("first_name", "last_name", "email", "canonical_email", "postal_code", "category")

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
maybe = st.one_of(st.none(), text, st.sampled_from(
    ["", " ", "42000", "jean@example.org", "developer", "y", "<script>alert(1)</script>",
     "' OR 1=1 --", "\x00", "é" * 300, "123456789", "73282932000074"]))


def rows():
    db.session.rollback()
    return db.session.scalars(select(Signature)).all()


@pytest.fixture
def form_token(client, petition):
    return csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))


@SETTINGS
@given(fields=st.fixed_dictionaries({}, optional={
    name: maybe for name in ("first_name", "last_name", "email", "postal_code", "commune",
                             "category", "organisation", "siren", "public", "consent",
                             "website")}))
def test_sign_form_never_fails_nor_stores_a_partial_row(client, form_token, fields):
    before = len(rows())
    data = {k: v for k, v in fields.items() if v is not None}
    data["csrf_token"] = form_token
    response = client.post("/p/saint-etienne", data=data)
    assert response.status_code in (302, 400), response.status_code
    after = rows()
    assert len(after) in (before, before + 1)
    if response.status_code == 400:
        assert len(after) == before, "a refused form stores nothing"
    for signature in after:
        assert all(getattr(signature, name) for name in REQUIRED), "no partial row"
    db.session.execute(Signature.__table__.delete())
    db.session.commit()


@SETTINGS
@given(token=text, method=st.sampled_from(["GET", "POST"]),
       prefix=st.sampled_from(["/confirm/", "/withdraw/", "/organizer/invitation/",
                               "/organizer/password/reset/"]))
def test_token_urls_never_fail(client, form_token, token, method, prefix):
    url = prefix + quote(token, safe="")
    data = {"csrf_token": form_token, "password": "x" * 12, "password2": "x" * 12}
    response = client.open(url, method=method, data=data if method == "POST" else None)
    assert response.status_code < 500, (url, response.status_code)
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def api_rules(app):
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/api/") and "GET" in rule.methods})


@SETTINGS
@given(data=st.data())
def test_api_paths_never_fail(app, client, petition, data):
    rule = data.draw(st.sampled_from(api_rules(app)))
    path = rule
    for name in ("<slug>", "<path:slug>"):
        if name in path:
            path = path.replace(name, quote(data.draw(text), safe="") or "x")
    path += data.draw(st.sampled_from(["", "?lang=en", "?" + quote("x=<>&y=\x7f")]))
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)
    if response.status_code >= 400:
        assert response.is_json, "API errors are JSON"


def test_nul_bytes_are_a_400_not_a_database_error(client, form_token):
    """Found by the properties above on PostgreSQL (NUL is refused in text)."""
    signed = client.post("/p/saint-etienne", data={
        "csrf_token": form_token, "first_name": "A\x00", "last_name": "B",
        "email": "a@example.org", "postal_code": "42000", "category": "developer",
        "consent": "y"})
    assert signed.status_code == 400
    assert rows() == []
    api = client.get("/api/v1/petitions/%00")
    assert api.status_code == 400 and api.is_json
    assert client.get("/p/saint-etienne?lang=%00").status_code == 400
