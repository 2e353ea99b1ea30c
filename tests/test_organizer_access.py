"""Who may open what under /organizer/: login required everywhere, each
organizer sees only their petitions (404 elsewhere), administrators see all,
login is throttled and never redirects off-site."""

import re

import pytest

from petition.views.organizer import PUBLIC_ENDPOINTS

from helpers import add_signature, csrf, csrf_from, export, login, make_lyon, make_organizer

SAMPLE = {
    "slug": "saint-etienne",
    "token": "x",
    "action_id": 1,
    "signature_id": 1,
    "export_id": 1,
    "window_id": 1,
    "organizer_id": 1,
    "change": "deactivate",
    "update_id": 1,
    "milestone_id": 1,
    "endpoint_id": 1,
    "profile_id": 1,
    "audit_id": 1,
    "hidden": True,  # a default of the panorama's hide/show routes, not in the path
}


def organizer_rules(app):
    return [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/organizer") and r.endpoint not in PUBLIC_ENDPOINTS
    ]


def _url(rule, **values):
    params = {name: values.get(name, SAMPLE[name]) for name in rule.arguments}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(params[m.group(1)]), rule.rule)


def _request(client, rule, url, token):
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def test_every_organizer_route_redirects_anonymous_visitors_to_login(app, client, petition):
    rules = organizer_rules(app)
    assert len(rules) >= 12, "the organizer routes are registered"
    token = csrf(client)
    for rule in rules:
        url = _url(rule)
        response = _request(client, rule, url, token)
        assert response.status_code == 302, (rule.rule, response.status_code)
        location = response.headers["Location"]
        assert location.startswith("/organizer/login?next="), (rule.rule, location)


def test_public_organizer_pages_open_without_login(client):
    assert client.get("/organizer/login").status_code == 200
    assert client.get("/organizer/password/forgot").status_code == 200
    assert client.get("/organizer/invitation/bad").status_code == 400
    assert client.get("/organizer/password/reset/bad").status_code == 400


def test_lyon_organizer_gets_404_on_every_saint_etienne_url(app, client, petition):
    lyon = make_lyon()
    make_organizer("lyon@example.org", [lyon])
    signature = add_signature(petition)
    assert login(client, "lyon@example.org").status_code == 302
    assert client.get("/organizer/petitions/lyon/").status_code == 200
    token = csrf(client, "/organizer/petitions/lyon/")
    checked = 0
    for rule in organizer_rules(app):
        if "slug" not in rule.arguments:
            continue
        url = _url(rule, signature_id=signature.id)
        response = _request(client, rule, url, token)
        assert response.status_code == 404, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 10
    response = client.post(
        "/organizer/petitions/saint-etienne/export.csv", data={"csrf_token": token}
    )
    assert response.status_code == 404 and "Prénom" not in response.get_data(as_text=True)


def test_organizer_list_shows_only_assigned_petitions(client, petition):
    lyon = make_lyon()
    make_organizer("lyon@example.org", [lyon])
    login(client, "lyon@example.org")
    page = client.get("/organizer/").get_data(as_text=True)
    assert "Lyon French Tech" in page and "Saint-Étienne" not in page
    assert client.get("/organizer/admin/organizers").status_code == 404
    assert client.get("/organizer/petitions/new").status_code == 404


def test_admin_sees_and_manages_every_petition(client, petition):
    make_lyon()
    make_organizer("admin@example.org", admin=True)
    login(client, "admin@example.org")
    page = client.get("/organizer/").get_data(as_text=True)
    assert "Lyon French Tech" in page and "Saint-Étienne French Tech" in page
    assert client.get("/organizer/petitions/saint-etienne/").status_code == 200
    assert export(client, "lyon").status_code == 200
    assert client.get("/organizer/admin/organizers").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/organizer/",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/p/saint-etienne",
    ],
)
def test_login_never_redirects_off_the_organizer_area(client, petition, target):
    make_organizer("se@example.org", [petition])
    response = login(client, "se@example.org", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/"


def test_login_follows_a_local_next(client, petition):
    make_organizer("se@example.org", [petition])
    response = login(client, "se@example.org", next_url="/organizer/petitions/saint-etienne/")
    assert response.headers["Location"] == "/organizer/petitions/saint-etienne/"


def test_wrong_password_is_refused_with_a_message(client, petition):
    make_organizer("se@example.org", [petition])
    response = login(client, "se@example.org", password="wrong password!!")
    assert response.status_code == 400
    assert "Adresse ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 302
    english = client.post(
        "/organizer/login?lang=en",
        data={"email": "se@example.org", "password": "nope", "csrf_token": csrf(client)},
    )
    assert "Incorrect address or password" in english.get_data(as_text=True)


def test_login_is_throttled_per_ip(client, petition):
    make_organizer("se@example.org", [petition])
    token = csrf(client)
    codes = [
        client.post(
            "/organizer/login",
            data={"email": f"x{i}@example.org", "password": "nope", "csrf_token": token},
        ).status_code
        for i in range(6)
    ]
    assert codes[:5] == [400] * 5
    assert codes[5] == 429
    assert "Trop de tentatives" in client.post(
        "/organizer/login", data={"email": "se@example.org", "password": "x", "csrf_token": token}
    ).get_data(as_text=True)


def test_login_failures_count_per_account_across_addresses(app, petition):
    make_organizer("se@example.org", [petition])
    codes = []
    for i in range(12):  # a new client address each time: only the account key holds
        client = app.test_client()
        env = {"REMOTE_ADDR": f"10.0.0.{i + 1}"}
        token = csrf_from_env(client, env)
        codes.append(
            client.post(
                "/organizer/login",
                environ_base=env,
                data={"email": "SE@example.org", "password": "nope", "csrf_token": token},
            ).status_code
        )
    assert codes[:10] == [400] * 10
    # Never a 429 for the account (it would lock its owner out): the page that
    # sends a sign-in link if the password was right (tests/test_login_guard.py).
    assert codes[10:] == [200, 200]


def csrf_from_env(client, env):
    return csrf_from(client.get("/organizer/login", environ_base=env).get_data(as_text=True))


def test_session_cookie_is_httponly_and_samesite(client, petition):
    make_organizer("se@example.org", [petition])
    response = login(client, "se@example.org")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session(client, petition):
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    token = csrf(client, "/organizer/")
    assert client.post("/organizer/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/organizer/").status_code == 302
