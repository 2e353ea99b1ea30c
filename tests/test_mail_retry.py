"""Temporary SMTP refusals are retried by RQ until the email goes out, once;
permanent ones, and messages that cannot be built, are recorded on the
signature and not retried."""

import logging
from datetime import timedelta

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import update

from petition.extensions import db
from petition.jobs import EMAIL_QUEUE
from petition.models import Petition, Signature, utcnow
from petition.services import organizers
from petition.services.sweeper import sweep

from helpers import drain, link_in, login, make_organizer, only_signature, post_signature


def failed_jobs(app):
    return FailedJobRegistry(EMAIL_QUEUE, connection=app.extensions["redis"]).get_job_ids()


def test_temporary_refusal_is_retried_and_email_arrives_once(
    app, client, petition, smtp_sink, run_jobs
):
    smtp_sink.refuse_next(2)  # 451 4.3.0 Try again later, twice
    assert post_signature(client).status_code == 302

    runs = drain(run_jobs)
    assert runs == 3, "two refused attempts, then the one that went through"
    (message,) = smtp_sink.messages
    assert message["To"] == "jeandupont@gmail.com"
    assert link_in(message, "/confirm/")
    signature = only_signature()
    assert signature.email_sent_at is not None
    assert signature.email_failed_at is None and signature.email_error is None
    assert failed_jobs(app) == []

    assert drain(run_jobs) == 0, "nothing left to retry"
    assert len(smtp_sink.messages) == 1, "sent exactly once"


def test_retries_are_spaced_by_the_configured_intervals(app, client, petition, smtp_sink, run_jobs):
    """With real intervals the retry waits in RQ's schedule instead of the queue."""
    app.config["MAIL_RETRY_INTERVALS"] = [3600]
    smtp_sink.refuse_next(1)
    post_signature(client)
    assert drain(run_jobs) == 1
    assert smtp_sink.messages == []
    connection = app.extensions["redis"]
    queue = Queue(EMAIL_QUEUE, connection=connection)
    assert queue.count == 0
    assert len(queue.scheduled_job_registry) == 1, "the retry is scheduled, not lost"
    assert failed_jobs(app) == []


def test_temporary_refusals_stop_after_the_last_retry(app, client, petition, smtp_sink, run_jobs):
    attempts = len(app.config["MAIL_RETRY_INTERVALS"]) + 1
    smtp_sink.refuse_next(attempts + 3)
    post_signature(client)
    assert drain(run_jobs) == attempts
    assert smtp_sink.messages == []
    assert len(failed_jobs(app)) == 1, "kept in the failed registry for a person to look at"
    assert only_signature().email_sent_at is None


def test_permanent_refusal_is_recorded_and_not_retried(app, client, petition, smtp_sink, run_jobs):
    smtp_sink.refuse_next(1, "550 5.1.1 No such user here")
    post_signature(client)

    assert drain(run_jobs) == 1, "a 5xx is not retried"
    assert smtp_sink.messages == []
    signature = only_signature()
    assert signature.email_failed_at is not None
    assert "550" in signature.email_error
    assert signature.email_sent_at is None
    assert failed_jobs(app) == [], "recorded on the signature, the job itself ended"


def test_a_later_success_clears_the_recorded_failure(app, client, petition, smtp_sink, run_jobs):
    smtp_sink.refuse_next(1, "552 5.2.2 Mailbox full")
    post_signature(client)
    drain(run_jobs)
    assert "552" in only_signature().email_error

    post_signature(client)  # signs again once the mailbox has room
    drain(run_jobs)
    assert len(smtp_sink.messages) == 1
    signature = only_signature()
    assert signature.email_sent_at is not None
    assert signature.email_failed_at is None and signature.email_error is None


def write_directly(table=Petition, **values):
    """Change rows behind the services' back, as an old row could be."""
    db.session.execute(update(table).values(**values))
    db.session.commit()


@pytest.mark.parametrize(
    "table,values,error",
    [
        (Petition, {"title": "Saint-Étienne\r\nBcc: tous@example.org"}, "BadHeaderError"),
        (Petition, {"title": "Saint-Étienne\nFrench Tech"}, "BadHeaderError"),
        (Signature, {"locale": "zz"}, "UnknownLocaleError"),  # fails while rendering
    ],
    ids=["crlf-title", "lf-title", "unknown-locale"],
)
def test_a_message_that_cannot_be_built_is_recorded_once_not_retried(
    app, client, petition, smtp_sink, run_jobs, table, values, error
):
    assert post_signature(client).status_code == 302
    write_directly(table, **values)

    assert drain(run_jobs) == 1, "one run: no retry can mend the message"
    assert smtp_sink.messages == []
    signature = only_signature()
    assert signature.email_failed_at is not None and signature.email_sent_at is None
    assert error in signature.email_error
    assert failed_jobs(app) == [], "recorded on the signature, the job itself ended"
    assert sweep(now=utcnow() + timedelta(days=1)) == 0, "the sweeper leaves it alone"
    assert drain(run_jobs) == 0


def test_a_message_that_cannot_be_built_is_shown_to_organizers(client, petition, run_jobs):
    post_signature(client)
    write_directly(title="Saint-Étienne\r\nFrench Tech")
    drain(run_jobs)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    page = client.get("/organizer/petitions/saint-etienne/").get_data(as_text=True)
    assert "jeandupont@gmail.com" in page and "BadHeaderError" in page


def test_an_organizer_email_that_cannot_be_built_fails_once_loudly(
    app, petition, run_jobs, smtp_sink, caplog
):
    write_directly(title="Saint-Étienne\r\nFrench Tech")
    admin = make_organizer("admin@example.org", admin=True)
    assert organizers.invite(admin, "colleague@example.org", petition) == "invited"

    with caplog.at_level(logging.ERROR, logger="petition.jobs.organizers"):
        assert drain(run_jobs) == 1, "failed at once, not retried"
    assert smtp_sink.messages == []
    (job_id,) = failed_jobs(app)
    assert "send_invitation" in Job.fetch(job_id, connection=app.extensions["redis"]).description
    assert any("cannot be sent" in r.getMessage() and r.exc_info for r in caplog.records)
