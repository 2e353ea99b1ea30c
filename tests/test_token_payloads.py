"""A correctly signed token whose payload names no usable id (over 64 bits,
over the 32-bit column, negative, a float, a string, a bool…) is "invalid"
for every reader — confirm, withdraw, organizer invitation and reset, event
QR link — fresh or expired: never a 500, never a query with it."""

import html
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from petition import tokens

from helpers import csrf_from, login, make_organizer

BAD_IDS = [2**64, 2**63, 2**63 - 1, 2**31, -1, 0, "1e9", 1e9, 1.0, "5", True, None, [1], {"id": 1}]


def backdated(app, purpose, payload, age=timedelta(days=3650)):
    class Old(TimestampSigner):
        def get_timestamp(self):
            return int(time.time() - age.total_seconds())

    return URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=tokens.SALTS[purpose], signer=Old
    ).dumps(payload)


def signed(app, purpose, payload):
    """Fresh and (for purposes with an age limit) expired versions of one payload."""
    made = {"fresh": tokens.make(purpose, payload)}
    if purpose != "withdraw":  # withdraw links have no age limit of their own
        made["expired"] = backdated(app, purpose, payload)
    return made


def page(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_confirm_and_withdraw_links_with_a_bad_id_are_invalid(app, client, petition, bad):
    csrf = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    for purpose in ("confirm", "withdraw"):
        for payload in ({"s": bad, "n": "x" * 22}, {"s": bad}):
            for age, token in signed(app, purpose, payload).items():
                for response in (
                    client.get(f"/{purpose}/{token}?lang=en"),
                    client.post(f"/{purpose}/{token}?lang=en", data={"csrf_token": csrf}),
                ):
                    case = (purpose, payload, age, response.request.method)
                    assert response.status_code == 400, case
                    text = page(response)
                    assert (
                        "This link has expired" if age == "expired" else "This link is not valid"
                    ) in text, case


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_organizer_links_with_a_bad_id_are_invalid(app, client, petition, bad):
    for purpose, path in (
        ("invite", "/organizer/invitation/"),
        ("reset", "/organizer/password/reset/"),
    ):
        for age, token in signed(app, purpose, {"o": bad, "f": "0123456789abcdef"}).items():
            response = client.get(f"{path}{token}")
            assert response.status_code == 400, (purpose, age)
            assert ("a expiré" if age == "expired" else "pas valide") in page(response), (
                purpose,
                age,
            )


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_event_links_with_a_bad_id_lift_nothing(app, client, petition, bad):
    for age, token in signed(app, "event", {"w": bad}).items():
        response = client.get(f"/p/saint-etienne?event={token}")
        assert response.status_code == 200, age
        with client.session_transaction() as session:
            assert not session.get("event_tokens"), "a bad link is not remembered"


def test_organizer_link_with_a_fingerprint_that_is_not_text_is_invalid(app, client, petition):
    organizer = make_organizer("new@ville.fr", [petition])
    for fingerprint in (None, 123, ["a"], "f" * 65):
        token = tokens.make("invite", {"o": organizer.id, "f": fingerprint})
        assert client.get(f"/organizer/invitation/{token}").status_code == 400, fingerprint


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_signin_links_with_a_bad_id_are_invalid(app, client, petition, bad):
    for age, token in signed(app, "signin", {"o": bad, "f": "0" * 16, "l": ""}).items():
        for response in (
            client.get(f"/organizer/signin/{token}"),
            client.post(f"/organizer/signin/{token}"),
        ):
            assert response.status_code == 400, (age, response.request.method)


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_access_links_with_a_bad_id_are_invalid(app, client, petition, bad):
    make_organizer("orga@ville.fr", [petition])
    login(client, "orga@ville.fr")
    for age, token in signed(app, "grant", {"g": bad, "n": "x" * 22}).items():
        assert client.get(f"/organizer/access/{token}").status_code == 400, age
