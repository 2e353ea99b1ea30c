"""The count endpoint's replay cache (petition/fastpath.py): while the
counters' micro-cache entry is unchanged, the recorded response is served
without the Flask request cycle; a confirmation shows at once."""

import json

from flask import request_started

from helpers import post_signature

COUNT = "/api/v1/petitions/saint-etienne/count"


class FlaskRequests:
    """Counts requests that went through the Flask request cycle."""

    def __init__(self, app):
        self.n = 0
        request_started.connect(self.seen, app)

    def seen(self, sender, **extra):
        self.n += 1


def test_unchanged_count_is_replayed_identically_without_flask(app, client, petition):
    flask_requests = FlaskRequests(app)
    first = client.get(COUNT)
    assert first.status_code == 200 and flask_requests.n == 1
    second = client.get(COUNT)
    assert flask_requests.n == 1, "the second read never entered Flask"
    assert second.status_code == 200
    assert second.get_data() == first.get_data()
    own = {"X-Request-ID"}  # each response carries its own request's id
    assert [h for h in second.headers.items() if h[0] not in own] == [
        h for h in first.headers.items() if h[0] not in own
    ]
    assert "Set-Cookie" not in second.headers
    assert second.headers["Access-Control-Allow-Origin"] == "*"


def test_matching_etag_gets_a_replayed_304_and_a_stale_one_a_200(app, client, petition):
    etag = client.get(COUNT).headers["ETag"]
    flask_requests = FlaskRequests(app)
    assert client.get(COUNT, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(COUNT, headers={"If-None-Match": etag}).status_code == 304
    assert flask_requests.n == 1, "the first 304 is recorded, the second replayed"
    other = client.get(COUNT, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.get_data()


def test_confirmation_shows_at_once_in_the_same_process(client, petition, confirm_via_email):
    assert json.loads(client.get(COUNT).get_data())["signature_count"] == 0
    assert json.loads(client.get(COUNT).get_data())["signature_count"] == 0  # replayed
    post_signature(client)
    confirm_via_email()
    assert json.loads(client.get(COUNT).get_data())["signature_count"] == 1


def test_other_paths_and_methods_go_through_flask(app, client, petition):
    flask_requests = FlaskRequests(app)
    assert client.get("/api/v1/petitions/nope/count").status_code == 404
    assert client.get("/api/v1/petitions/nope/count").status_code == 404
    client.head(COUNT)
    client.head(COUNT)
    assert flask_requests.n == 4
