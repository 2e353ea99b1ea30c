"""Milestone alerts: a crossing is detected once, whatever the race, and
alerts each organizer by email and each endpoint by a signed webhook."""

import threading

import pytest
from sqlalchemy import select

from petition.dev.receiver import Receiver
from petition.extensions import db
from petition.links import confirm_token, withdraw_token
from petition.models import Delivery, Milestone, Petition
from petition.services import milestones, signing, webhooks, withdrawal

from helpers import add_signature, csrf, drain, login, make_organizer, reread, reread_all

THREADS = 20


@pytest.fixture
def app_overrides():
    return {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_INTERVALS": [0, 0, 0]}


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def small(petition):
    """The fixture petition with a goal of 20: milestones at 5, 10, 15, 20."""
    petition.goal = 20
    db.session.commit()
    make_organizer("alice@ville.example", [petition])
    make_organizer("bob@ville.example", [petition])
    return petition


def confirm_at_once(app, tokens):
    barrier = threading.Barrier(len(tokens))
    errors = []

    def run(token):
        with app.app_context():
            try:
                barrier.wait(30)
                signing.confirm(token)
            except Exception as exc:  # reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_new_petitions_get_the_default_milestones(small):
    pairs = milestones.listing(small)
    assert [(m.kind, m.value, t) for m, t in pairs] == [
        ("percent", 25, 5),
        ("percent", 50, 10),
        ("percent", 75, 15),
        ("percent", 100, 20),
    ]


def test_twenty_concurrent_confirmations_alert_once(app, small, smtp_sink, run_jobs, receiver):
    endpoint = webhooks.register(small, receiver.url, ["milestone.reached"])
    pending = [add_signature(small, state="pending") for _ in range(THREADS)]
    tokens = [confirm_token(s) for s in pending]
    smtp_sink.clear()

    confirm_at_once(app, tokens)
    drain(run_jobs)

    assert (
        db.session.scalar(select(Petition.signature_count).where(Petition.id == small.id))
        == THREADS
    )
    reached = reread_all(select(Milestone).where(Milestone.petition_id == small.id))
    # Each was marked by the one confirmation that crossed it, never again.
    assert sorted(m.count_at_reach for m in reached) == [5, 10, 15, 20]
    marks = {m.id: m.reached_at for m in reached}
    subjects = [(m["To"], m["Subject"]) for m in smtp_sink.messages]
    assert len(subjects) == 2 * 4, subjects  # 4 milestones x 2 organizers, once each
    assert (
        sorted(to for to, _s in subjects) == ["alice@ville.example"] * 4 + ["bob@ville.example"] * 4
    )
    bodies = sorted(m.get_body(("plain",)).get_content() for m in smtp_sink.messages)
    assert any("100 % de son objectif" in b for b in bodies)
    deliveries = reread_all(select(Delivery).where(Delivery.endpoint_id == endpoint.id))
    assert len(deliveries) == 4
    assert len(receiver.requests) == 4, "one webhook per milestone per endpoint"

    # A signer withdraws (the count dips under 100 %), another confirms (it
    # crosses again): nobody is told twice.
    smtp_sink.clear()
    receiver.requests.clear()
    withdrawal.withdraw(withdraw_token(pending[0]))
    assert reread(Petition, small.id).signature_count == THREADS - 1
    signing.confirm(confirm_token(add_signature(small, state="pending")))
    assert reread(Petition, small.id).signature_count == THREADS
    drain(run_jobs)
    assert smtp_sink.messages == []
    assert receiver.requests == []
    again = reread_all(select(Milestone).where(Milestone.petition_id == small.id))
    assert {m.id: m.reached_at for m in again} == marks


def test_an_organizer_round_number_is_alerted_and_past_ones_are_not(
    app, small, smtp_sink, run_jobs
):
    for _ in range(3):
        add_signature(small)
    past = milestones.add(small, "count", 2)
    assert past.reached_at is not None, "already passed: no alert for the past"
    milestones.add(small, "count", 4)
    with pytest.raises(milestones.MilestoneError):
        milestones.add(small, "count", 4)
    smtp_sink.clear()
    signing.confirm(confirm_token(add_signature(small, state="pending")))
    drain(run_jobs)
    texts = [m.get_body(("plain",)).get_content() for m in smtp_sink.messages]
    assert len(texts) == 2
    assert all("palier de 4 signatures" in t for t in texts)


def test_the_public_page_says_goal_reached_discreetly(app, client, small):
    assert 'data-live="reached" hidden' in client.get("/p/saint-etienne").get_data(as_text=True)
    for _ in range(20):
        add_signature(small)
    from petition.services import counters

    counters.changed(small.id)
    page = client.get("/p/saint-etienne").get_data(as_text=True)
    assert 'data-live="reached">Objectif atteint' in page


def test_dashboard_adds_and_removes_milestones_with_clear_messages(app, client, small):
    login(client, "alice@ville.example")
    url = "/organizer/petitions/saint-etienne/"
    for value, kind, message in [
        ("", "count", "Indiquez un nombre entier."),
        ("abc", "count", "pas un entier valide"),
        ("0", "count", "Un nombre de 1 à 10"),
        ("5000", "percent", "Un palier en pourcentage va de 1 à 1000"),
        ("10", "furlongs", "pas un choix valide"),
    ]:
        response = client.post(
            url + "milestones",
            data={"csrf_token": csrf(client, url), "value": value, "kind": kind},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), (value, kind)
    response = client.post(
        url + "milestones",
        data={"csrf_token": csrf(client, url), "value": "1000", "kind": "count"},
        follow_redirects=True,
    )
    assert "Palier ajouté." in response.get_data(as_text=True)
    (added,) = reread_all(select(Milestone).where(Milestone.value == 1000))
    assert (
        client.post(
            f"{url}milestones/{added.id}/delete", data={"csrf_token": csrf(client, url)}
        ).status_code
        == 303
    )
    assert reread_all(select(Milestone).where(Milestone.value == 1000)) == []
    assert (
        client.post(
            f"{url}milestones/{added.id}/delete", data={"csrf_token": csrf(client, url)}
        ).status_code
        == 404
    )
