"""Rate limits on real Redis: 429 pages in French and English with Retry-After,
per address across petitions, on token pages; event windows (venue IP or QR
link) let a meetup of 100 people sign from one IP; Redis down lets people sign."""

import http.client
import threading
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from petition import create_app, ratelimits
from petition.dev.servers import free_port
from petition.extensions import db, limiter
from petition.models import Signature
from petition.services import abuse
from petition.services.petitions import parse_communes, save

from helpers import PASSWORD, csrf, csrf_from, make_organizer, post_signature, sign_data


@pytest.fixture
def app_overrides():
    return {
        "RATELIMIT_SIGN": "3 per minute",
        "RATELIMIT_SIGN_EVENT": "500 per hour",
        "RATELIMIT_EMAIL": "2 per day",
        "RATELIMIT_TOKEN": "5 per minute",
    }


def lyon():
    save(
        {
            "slug": "lyon",
            "title": "Lyon French Tech",
            "territory": "Lyon",
            "goal": 1000,
            "state": "open",
            "description": "",
            "controller_name": "Ville de Lyon",
        },
        parse_communes("Lyon:69001"),
    )


def rows():
    return db.session.scalar(select(func.count()).select_from(Signature))


def test_fourth_signature_from_one_ip_gets_429_with_retry_after(client, petition):
    for i in range(3):
        assert post_signature(client, email=f"person{i}@example.org").status_code == 302
    refused = post_signature(client, email="person4@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    assert rows() == 3, "a refused request stores nothing"


def test_429_page_in_english(client, petition):
    client.get("/p/saint-etienne?lang=en")
    for i in range(3):
        post_signature(client, email=f"person{i}@example.org")
    refused = post_signature(client, email="late@example.org")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"].isdigit()


def test_limit_is_per_petition(client, petition):
    lyon()
    for i in range(3):
        post_signature(client, email=f"person{i}@example.org")
    assert (
        post_signature(
            client, slug="lyon", postal_code="69001", email="other@example.org"
        ).status_code
        == 302
    )


def test_other_ip_is_not_limited(app, petition):
    client = app.test_client()
    for i in range(3):
        post_signature(client, email=f"person{i}@example.org")
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert post_signature(other, email="someone@example.org").status_code == 302


def test_x_forwarded_for_is_ignored_without_proxy_count(client, petition):
    for i in range(4):
        response = client.get("/p/saint-etienne")
        data = {
            "first_name": "A",
            "last_name": "B",
            "email": f"p{i}@example.org",
            "postal_code": "42000",
            "category": "developer",
            "consent": "y",
            "csrf_token": csrf_from(response.get_data(as_text=True)),
        }
        last = client.post(
            "/p/saint-etienne", data=data, headers={"X-Forwarded-For": f"198.51.100.{i}"}
        )
    assert last.status_code == 429, "a made-up X-Forwarded-For must not reset the limit"


def test_emails_per_address_limited_across_petitions(app, petition):
    lyon()
    one, two, three = (app.test_client() for _ in range(3))
    for n, c in enumerate((one, two, three)):
        c.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
    assert post_signature(one, email="jean.dupont@gmail.com").status_code == 302
    assert (
        post_signature(
            two, slug="lyon", postal_code="69001", email="JeanDupont+x@gmail.com"
        ).status_code
        == 302
    )
    refused = post_signature(three, email="jeandupont@googlemail.com")
    assert refused.status_code == 429, "the same person, however spelt, across petitions"
    assert "Retry-After" in refused.headers


def test_form_errors_do_not_use_up_the_address_budget(app, petition):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert post_signature(client, postal_code="nope").status_code == 400
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.51"
    assert post_signature(other).status_code == 302
    third = app.test_client()
    third.environ_base["REMOTE_ADDR"] = "192.0.2.52"
    assert post_signature(third).status_code == 302


def test_token_pages_are_limited(client, petition):
    codes = [client.get(f"/confirm/guess{i}").status_code for i in range(3)]
    codes += [client.get(f"/withdraw/guess{i}").status_code for i in range(3)]
    assert codes[:5] == [400] * 5
    assert codes[5] == 429, "confirm and withdraw share one budget of attempts"


def test_event_window_for_venue_ip_lets_100_people_sign(app, petition):
    abuse.open_window(petition, hours=3, label="Meetup", ip="127.0.0.1")
    client = app.test_client()
    codes = [post_signature(client, email=f"meetup{i}@gmail.com").status_code for i in range(100)]
    assert codes == [302] * 100
    assert rows() == 100
    flagged = db.session.scalar(
        select(func.count()).select_from(Signature).where(Signature.flagged.is_(True))
    )
    assert flagged == 0, "an announced event is not a burst"


def test_event_qr_link_lifts_the_limit_for_that_browser(app, client, petition):
    window = abuse.open_window(petition, hours=2, label="Salon")
    link = abuse.event_link(window)
    path = link.removeprefix(app.config["BASE_URL"])
    assert client.get(path).status_code == 200
    for i in range(10):
        assert post_signature(client, email=f"salon{i}@example.org").status_code == 302
    stranger = app.test_client()
    for i in range(3):
        post_signature(stranger, email=f"x{i}@example.org")
    assert post_signature(stranger, email="x9@example.org").status_code == 429, (
        "without the link, the same IP keeps its limit"
    )


def test_closed_or_forged_event_link_does_not_lift_the_limit(app, client, petition):
    window = abuse.open_window(petition, hours=1)
    path = abuse.event_link(window).removeprefix(app.config["BASE_URL"])
    abuse.close_window(petition, window.id)
    client.get(path)
    client.get("/p/saint-etienne?event=forged-token")
    for i in range(3):
        post_signature(client, email=f"p{i}@example.org")
    assert post_signature(client, email="p9@example.org").status_code == 429


def test_event_window_duration_is_bounded(app, petition):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(abuse.EventWindowError, match="between 1 and 24 hours"):
            abuse.open_window(petition, hours=200)
        with pytest.raises(abuse.EventWindowError, match="IP address"):
            abuse.open_window(petition, hours=2, ip="not-an-ip")


def test_signing_works_when_the_limit_store_is_down(app, client, petition, redis_down):
    page = client.get("/p/saint-etienne")
    data = {
        "first_name": "A",
        "last_name": "B",
        "email": "down@example.org",
        "postal_code": "42000",
        "category": "developer",
        "consent": "y",
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    }
    redis_down()
    response = client.post("/p/saint-etienne", data=data)
    assert response.status_code == 302
    assert rows() == 1


def test_health_probes_are_not_limited(client):
    assert all(client.get("/healthz").status_code == 200 for _ in range(10))


# --- the per-address budget under a race (issue 9, item 8) ------------------


class Browser:
    """One visitor over real HTTP: its own session cookie and client address."""

    def __init__(self, port, address):
        self.port, self.address, self.cookie = port, address, ""

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"X-Forwarded-For": self.address, "Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body and urlencode(body), headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text


@pytest.fixture
def threaded_server(app):
    """The test's app behind werkzeug's threaded server: each request in its own thread."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port
    server.shutdown()
    server.server_close()


class TestAddressBudgetUnderRace:
    @pytest.fixture
    def app_overrides(self):
        # One proxy in front: each browser below is its own client address.
        return {"RATELIMIT_EMAIL": "5 per hour", "PROXY_COUNT": 1}

    def test_twenty_simultaneous_signs_of_one_address_pass_the_limit_five_times(
        self, app, petition, threaded_server
    ):
        browsers = [Browser(threaded_server, f"198.51.100.{i + 1}") for i in range(20)]
        forms = []
        for browser in browsers:
            status, page = browser.request("GET", "/p/saint-etienne")
            assert status == 200
            forms.append(sign_data(email="jeandupont@gmail.com", csrf_token=csrf_from(page)))
        barrier = threading.Barrier(len(browsers))
        statuses, errors = [], []

        def post(browser, form):
            try:
                barrier.wait(30)
                statuses.append(browser.request("POST", "/p/saint-etienne", form)[0])
            except Exception as exc:  # reported below
                errors.append(repr(exc))

        threads = [
            threading.Thread(target=post, args=pair) for pair in zip(browsers, forms, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sorted(statuses) == [302] * 5 + [429] * 15, (
            "the check and the count are one step: at most the limit get through"
        )
        assert rows() == 1


# --- Redis down (issue 9, item 9) ---------------------------------------------


@pytest.fixture
def redis_down(redis_server):
    """Stop the test's redis-server; bring it back (and the limiter with it) after."""
    yield redis_server.stop
    redis_server.start()
    # Flask-Limiter rechecks a dead store with a growing back-off: the next
    # test should start on Redis again, not on this process's memory.
    limiter._storage_dead = False


def test_login_and_reset_limits_hold_and_signing_works_while_redis_is_down(
    app, petition, redis_down
):
    make_organizer("se@example.org", [petition])
    signer = app.test_client()
    sign_page = signer.get("/p/saint-etienne")
    visitor = app.test_client()
    login_token = csrf(visitor)
    reset_token = csrf(visitor, "/organizer/password/forgot")
    redis_down()
    logins = [
        visitor.post(
            "/organizer/login",
            data={
                "email": "se@example.org",
                "password": "wrong password!",
                "csrf_token": login_token,
            },
        ).status_code
        for _ in range(6)
    ]
    assert logins == [400] * 5 + [429], "login stays limited per client address"
    resets = [
        visitor.post(
            "/organizer/password/forgot",
            data={"email": "se@example.org", "csrf_token": reset_token},
        ).status_code
        for _ in range(6)
    ]
    assert resets == [200] * 5 + [429], "so does the password reset"
    signed = signer.post(
        "/p/saint-etienne",
        data=sign_data(
            email="down@example.org", csrf_token=csrf_from(sign_page.get_data(as_text=True))
        ),
    )
    assert signed.status_code == 302, "signing stays open (the sweeper sends its email later)"


def test_per_account_login_guard_counts_in_memory_while_redis_is_down(app, petition, redis_down):
    make_organizer("se@example.org", [petition])
    browsers = []
    for n in range(11):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        browsers.append((browser, csrf(browser)))
    redis_down()
    codes = [
        browser.post(
            "/organizer/login",
            data={
                "email": "se@example.org",
                "password": "wrong password!",
                "csrf_token": token,
            },
        ).status_code
        for browser, token in browsers[:10]
    ]
    assert codes == [400] * 10
    owner, token = browsers[10]
    answer = owner.post(
        "/organizer/login",
        data={"email": "se@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 200 and "Si le mot de passe était juste" in answer.get_data(
        as_text=True
    ), "the account stays guarded without Redis"


# --- limits name real endpoints -----------------------------------------------


@pytest.mark.parametrize("table", ["LIMITS", "EXEMPT"])
def test_a_limit_naming_a_missing_endpoint_stops_the_start(monkeypatch, table):
    """A view renamed (public.petition -> public.sign, say) used to lose its limit
    silently: the app now refuses to start and names the endpoint."""
    if table == "LIMITS":
        monkeypatch.setitem(ratelimits.LIMITS, "public.sign", [ratelimits.token_attempts])
    else:
        monkeypatch.setattr(ratelimits, "EXEMPT", (*ratelimits.EXEMPT, "health.live"))
    missing = "public.sign" if table == "LIMITS" else "health.live"
    with pytest.raises(ratelimits.UnknownEndpoint, match=missing.replace(".", r"\.")):
        create_app({"TESTING": True})


def test_every_limited_and_exempt_endpoint_is_a_view(app):
    assert set(ratelimits.LIMITS) | set(ratelimits.EXEMPT) <= set(app.view_functions)


def test_a_request_the_address_budget_refuses_is_not_counted_against_the_ip(client, petition):
    """Both signing limits are checked in one step: the budget first, so an
    address over its budget does not use up its IP's attempts."""
    for _ in range(2):
        assert post_signature(client, email="same@example.org").status_code == 302
    assert post_signature(client, email="same@example.org").status_code == 429  # budget: 2/day
    assert post_signature(client, email="other@example.org").status_code == 302  # IP: 3rd of 3
    assert post_signature(client, email="third@example.org").status_code == 429  # IP: full


def test_the_ip_limit_holds_in_memory_while_redis_is_down(app, client, petition, redis_down):
    page = client.get("/p/saint-etienne")
    token = csrf_from(page.get_data(as_text=True))
    redis_down()
    codes = [
        client.post(
            "/p/saint-etienne", data=sign_data(email=f"down{i}@example.org") | {"csrf_token": token}
        ).status_code
        for i in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def test_token_pages_stay_limited_in_memory_while_redis_is_down(client, petition, redis_down):
    """Guessing tokens gets no free run from a Redis outage: the shared budget
    of the token pages counts in the process's memory meanwhile."""
    redis_down()
    codes = [client.get(f"/confirm/guess{i}").status_code for i in range(3)]
    codes += [client.get(f"/withdraw/guess{i}").status_code for i in range(3)]
    assert codes[:5] == [400] * 5
    assert codes[5] == 429
