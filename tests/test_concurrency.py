"""Simultaneous submissions of one address: the unique constraint settles the
race, so exactly one row exists whatever the timing (SQLite and PostgreSQL)."""

import threading

import pytest
from sqlalchemy import func, select

from petition.extensions import db
from petition.models import Petition, Signature, SignatureState
from petition.services import signing

from helpers import csrf_from, sign_data

THREADS = 20


def spellings(i):
    """Twenty ways of writing one Gmail address."""
    return [
        "jeandupont@gmail.com",
        "Jean.Dupont@gmail.com",
        f"jean.dupont+{i}@GMAIL.com",
        f" JeanDupont+t{i}@googlemail.com ",
    ][i % 4]


def run_at_once(target):
    """Start THREADS threads that pass a barrier together; return their errors."""
    barrier = threading.Barrier(THREADS)
    errors = []

    def run(i):
        try:
            target(i, barrier)
        except Exception as exc:  # reported below, with the thread's number
            errors.append((i, repr(exc)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return errors


def test_twenty_simultaneous_signings_leave_one_row(app, petition, smtp_sink, run_jobs):
    petition_id = petition.id
    returned = []

    def sign(i, barrier):
        with app.app_context():  # its own session and connection
            try:
                target = db.session.get(Petition, petition_id)
                data = {
                    k: v
                    for k, v in sign_data(email=spellings(i)).items()
                    if k not in ("consent", "csrf_token")
                }
                data.update(public=False, email=data["email"].strip())  # as the form gives it
                # Give the connection back: twenty held across the barrier would
                # exhaust the pool (5 + 10 overflow) and no thread would get there.
                db.session.close()
                barrier.wait(30)
                returned.append(signing.sign(target, data, ip=f"10.0.0.{i}").id)
            finally:
                db.session.remove()

    errors = run_at_once(sign)
    assert errors == []
    assert len(returned) == THREADS
    (signature,) = db.session.scalars(select(Signature)).all()
    assert set(returned) == {signature.id}, "every caller got the one signature"
    assert signature.state == SignatureState.PENDING
    assert signature.canonical_email == "jeandupont@gmail.com"

    # The email cap held under the race too: never more than 5 emails.
    cap = app.config["MAX_EMAILS_PER_SIGNATURE"]
    assert signature.email_count == cap
    run_jobs()
    assert len(smtp_sink.messages) == cap, "each capped email is its own job"
    assert {m["To"] for m in smtp_sink.messages} == {signature.email}, "to the first spelling"


class TestOverHttp:
    """The same race through the real form: twenty browsers press "Je signe" at once."""

    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": False}  # twenty posts from one test address

    def test_twenty_simultaneous_posts_leave_one_row(self, app, petition):
        statuses = []

        def post(i, barrier):
            client = app.test_client()
            token = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
            data = sign_data(email=spellings(i), csrf_token=token)
            barrier.wait(30)
            statuses.append(client.post("/p/saint-etienne", data=data).status_code)

        errors = run_at_once(post)
        assert errors == []
        assert statuses == [302] * THREADS, "everyone sees the same 'check your inbox' page"
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
