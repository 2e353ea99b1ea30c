"""The worker keeps one SMTP connection across jobs, notices when the server
dropped it, and keeps SMTP's error semantics (4xx retried, 5xx recorded)."""

import socket

import pytest
from sqlalchemy import select

from petition.mail import smtp
from petition.models import Signature

from helpers import drain, link_in, only_signature, post_signature, reread_all


@pytest.fixture(autouse=True)
def fresh_connection():
    smtp.close()
    yield
    smtp.close()


def held_socket():
    held = smtp._state()
    return held and held[1].host.sock


def test_one_connection_serves_several_jobs(client, petition, smtp_sink, run_jobs):
    post_signature(client, email="anne@gmail.com")
    assert run_jobs() == 1
    first = held_socket()
    assert first is not None, "the connection stays open after the job"

    post_signature(client, email="bruno@gmail.com")
    assert run_jobs() == 1
    assert held_socket() is first, "the second email went over the same connection"
    assert sorted(m["To"] for m in smtp_sink.messages) == ["anne@gmail.com", "bruno@gmail.com"]


def test_a_dropped_connection_is_replaced_after_idling(
    client, petition, smtp_sink, run_jobs, monkeypatch
):
    post_signature(client, email="anne@gmail.com")
    run_jobs()
    dropped = held_socket()
    dropped.shutdown(socket.SHUT_RDWR)  # what a server's idle timeout does to us
    monkeypatch.setattr(smtp, "IDLE_CHECK", 0.0)  # checked before every send

    post_signature(client, email="bruno@gmail.com")
    assert run_jobs() == 1, "no failed attempt: the NOOP check reconnected first"
    assert held_socket() is not dropped
    assert [m["To"] for m in smtp_sink.messages][-1] == "bruno@gmail.com"


def test_a_connection_broken_mid_send_is_retried_on_a_new_one(
    client, petition, smtp_sink, run_jobs
):
    post_signature(client, email="anne@gmail.com")
    run_jobs()
    held_socket().shutdown(socket.SHUT_RDWR)  # broken, and not idle long enough to be checked

    post_signature(client, email="bruno@gmail.com")
    assert drain(run_jobs) == 2, "the broken attempt raised, RQ retried on a new connection"
    assert [m["To"] for m in smtp_sink.messages].count("bruno@gmail.com") == 1


def test_temporary_refusal_keeps_the_connection(client, petition, smtp_sink, run_jobs):
    post_signature(client, email="anne@gmail.com")
    run_jobs()
    first = held_socket()
    smtp_sink.refuse_next(1)
    post_signature(client, email="bruno@gmail.com")
    assert drain(run_jobs) == 2
    assert held_socket() is first, "a 4xx answer leaves the session usable"
    assert the_signature_for("bruno@gmail.com").email_sent_at is not None


def test_permanent_refusal_is_recorded_not_retried(client, petition, smtp_sink, run_jobs):
    smtp_sink.refuse_next(1, "550 5.1.1 No such user")
    post_signature(client)
    assert drain(run_jobs) == 1
    signature = only_signature()
    assert signature.email_failed_at is not None and signature.email_error.startswith("550")
    assert smtp_sink.messages == []


def the_signature_for(email):
    (signature,) = reread_all(select(Signature).filter_by(email=email))
    return signature


def test_link_in_the_email_is_absolute(client, petition, smtp_sink, run_jobs):
    post_signature(client)
    run_jobs()
    (message,) = smtp_sink.messages
    assert link_in(message, "/confirm/").startswith("/confirm/")
