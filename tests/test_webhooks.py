"""Signed webhooks: registration (SSRF guard), delivery with retries and a
signature the receiver checks, the delivery log, disabling, the test event."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import select

from petition import outbound
from petition.dev.receiver import Receiver
from petition.models import Delivery, Endpoint, WebhookDeliveryState, WebhookEvent
from petition.services import webhooks

from helpers import csrf, drain, login, make_organizer, reread, reread_all


def verify(secret, headers, body, tolerance=300):
    """What a receiver does (docs/api.md): recompute and compare in constant time."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    assert abs(time.time() - int(timestamp)) < tolerance
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    given = [
        s.split(",", 1)[1] for s in headers["webhook-signature"].split() if s.startswith("v1,")
    ]
    return any(hmac.compare_digest(expected, g) for g in given)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


class TestRelaxed:
    """The tests' receiver listens on 127.0.0.1: the guard is relaxed by the setting."""

    @pytest.fixture
    def app_overrides(self):
        return {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_INTERVALS": [0, 0, 0, 0]}

    def test_500_twice_then_200_delivers_once_with_a_valid_signature(
        self, app, petition, receiver, run_jobs
    ):
        endpoint = webhooks.register(petition, receiver.url, [WebhookEvent.MILESTONE])
        assert endpoint.secret.startswith("whsec_")
        receiver.answer(500, 500)
        (delivery_id,) = webhooks.dispatch(
            petition, WebhookEvent.MILESTONE, "milestone-1", {"hello": "monde"}
        )
        assert webhooks.dispatch(petition, WebhookEvent.MILESTONE, "milestone-1", {}) == []
        drain(run_jobs)

        assert len(receiver.requests) == 3
        ids = {headers["webhook-id"] for _p, headers, _b in receiver.requests}
        assert len(ids) == 1, "every attempt carries the same idempotency key"
        for _path, headers, body in receiver.requests:
            assert verify(endpoint.secret, headers, body)
            assert not verify(endpoint.secret, headers, body + b" ")
        event = json.loads(receiver.requests[-1][2])
        assert event["type"] == "milestone.reached"
        assert event["data"] == {"hello": "monde"}
        delivery = reread(Delivery, delivery_id)
        assert delivery.state == WebhookDeliveryState.DELIVERED
        assert (delivery.attempts, delivery.response_code) == (3, 200)
        assert reread(Endpoint, endpoint.id).consecutive_failures == 0

    def test_repeated_failures_disable_the_endpoint(self, app, petition, receiver, run_jobs):
        app.config["WEBHOOK_MAX_FAILURES"] = 3
        endpoint = webhooks.register(petition, receiver.url, [WebhookEvent.MILESTONE])
        receiver.answer(*[500] * 10)
        (delivery_id,) = webhooks.dispatch(petition, WebhookEvent.MILESTONE, "m-1", {})
        drain(run_jobs)
        assert len(receiver.requests) == 3, "no attempt after it is disabled"
        endpoint = reread(Endpoint, endpoint.id)
        assert not endpoint.active and endpoint.disabled_at is not None
        delivery = reread(Delivery, delivery_id)
        assert (delivery.state, delivery.response_code) == (WebhookDeliveryState.FAILED, 500)
        assert webhooks.dispatch(petition, WebhookEvent.MILESTONE, "m-2", {}) == []

    def test_dashboard_registers_tests_and_logs(self, app, client, petition, receiver, run_jobs):
        make_organizer("alice@ville.example", [petition])
        login(client, "alice@ville.example")
        url = "/organizer/petitions/saint-etienne/"
        response = client.post(
            url + "webhooks",
            data={
                "csrf_token": csrf(client, url),
                "url": receiver.url,
                "events": ["milestone.reached"],
            },
        )
        assert response.status_code == 303
        (endpoint,) = reread_all(select(Endpoint))
        page = client.get(url).get_data(as_text=True)
        assert endpoint.secret in page and "Aucun envoi" in page
        client.post(f"{url}webhooks/{endpoint.id}/test", data={"csrf_token": csrf(client, url)})
        drain(run_jobs)
        assert json.loads(receiver.requests[0][2])["type"] == "webhook.test"
        page = client.get(url).get_data(as_text=True)
        assert "webhook.test" in page and "<td>200</td>" in page
        # Another petition's endpoint id is no one's: 404.
        assert (
            client.post(
                f"{url}webhooks/{endpoint.id + 1}/test", data={"csrf_token": csrf(client, url)}
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"{url}webhooks/99999999999/test", data={"csrf_token": csrf(client, url)}
            ).status_code
            == 404
        )

    def test_bad_urls_get_a_clear_message(self, app, client, petition):
        make_organizer("alice@ville.example", [petition])
        login(client, "alice@ville.example")
        url = "/organizer/petitions/saint-etienne/"
        for bad, message in [
            ("ftp://example.org/x", "https://"),
            ("https://user:pw@example.org/", "identifiants"),
            ("https://nowhere.invalid/", "introuvable"),
            ("http://[::1", "invalide"),
        ]:
            response = client.post(
                url + "webhooks",
                data={"csrf_token": csrf(client, url), "url": bad, "events": ["milestone.reached"]},
                follow_redirects=True,
            )
            assert response.status_code == 200
            assert message in response.get_data(as_text=True), bad
        assert reread_all(select(Endpoint)) == []


class TestProduction:
    """The guard as production runs it (WEBHOOK_ALLOW_PRIVATE unset)."""

    @pytest.mark.parametrize(
        "url",
        [
            "https://127.0.0.1/hook",
            "https://10.0.0.1/hook",
            "https://localhost/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:10.0.0.1]/hook",
            "https://0.0.0.0/hook",
        ],
    )
    def test_private_targets_are_refused_at_registration(self, app, petition, url):
        with pytest.raises(webhooks.WebhookError, match="réseau privé"):
            webhooks.register(petition, url, [WebhookEvent.MILESTONE])

    def test_refused_at_send_time_too(self, app, petition, receiver, run_jobs):
        # Registered while the guard was relaxed (or the DNS answer changed since):
        # the job checks the address it is about to connect to.
        app.config["WEBHOOK_ALLOW_PRIVATE"] = True
        webhooks.register(petition, receiver.url, [WebhookEvent.MILESTONE])
        app.config["WEBHOOK_ALLOW_PRIVATE"] = False
        (delivery_id,) = webhooks.dispatch(petition, WebhookEvent.MILESTONE, "m-1", {})
        drain(run_jobs)
        assert receiver.requests == []
        delivery = reread(Delivery, delivery_id)
        assert delivery.state == WebhookDeliveryState.FAILED
        assert "privé" in delivery.error

    def test_http_is_refused_in_production(self, app):
        app.config["APP_ENV"] = "production"
        with pytest.raises(outbound.Refused, match="https://"):
            outbound.parse("http://example.org/hook")

    def test_production_refuses_to_start_relaxed(self, app):
        from petition.config import check_production

        with pytest.raises(RuntimeError, match="WEBHOOK_ALLOW_PRIVATE"):
            check_production(
                {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "WEBHOOK_ALLOW_PRIVATE": True}
            )


class TestScheduledEvents:
    @pytest.fixture
    def app_overrides(self):
        return {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_INTERVALS": [0]}

    def test_daily_summary_once_a_day_and_closed_once(self, app, petition, receiver, run_jobs):
        from petition.jobs.alerts import send_closed_events, send_daily_summaries
        from petition.services.petitions import save

        webhooks.register(petition, receiver.url, [WebhookEvent.DAILY, WebhookEvent.CLOSED])
        assert send_daily_summaries() == {"queued": 1}
        assert send_daily_summaries() == {"queued": 0}, "once per day"
        assert send_closed_events() == {"queued": 0}, "still open"
        save(
            {
                "title": petition.title,
                "territory": petition.territory,
                "goal": petition.goal,
                "state": "closed",
            },
            [],
            petition=petition,
        )
        assert send_closed_events() == {"queued": 1}
        assert send_closed_events() == {"queued": 0}
        drain(run_jobs)
        types = [json.loads(body)["type"] for _p, _h, body in receiver.requests]
        assert types == ["petition.daily_summary", "petition.closed"]
        summary = json.loads(receiver.requests[0][2])["data"]
        assert summary["petition"]["slug"] == "saint-etienne"
        assert "verified_last_24h" in summary
