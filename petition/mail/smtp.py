"""One SMTP connection per worker process, reused across jobs.

Opening a connection costs a TCP handshake, EHLO, and with a real provider
STARTTLS and AUTH: several round trips per email when Flask-Mail's
`mail.send` opens one for each message. A worker that sends thousands of
confirmations in a viral hour keeps one connection open instead, checks it
with a NOOP when it sat idle (servers drop idle clients), and opens a new one
when it is gone.

SMTP error semantics are unchanged: a refusal (4xx or 5xx) raises the same
smtplib exception as `mail.send`, so jobs still tell temporary from
permanent. A connection that breaks mid-send is dropped and the error raised:
RQ retries the job on a fresh connection.

A message that can never be sent as built (a template that fails, a line
break in the subject that Flask-Mail refuses with BadHeaderError, a header
it cannot serialise) raises `Unsendable` instead, whether it failed while
being built (`build`) or in Flask-Mail's checks before any SMTP command
(`send`): retrying cannot mend it, so jobs record it and stop.
"""

import os
import smtplib
import threading
import time
from contextlib import contextmanager

from flask import current_app
from flask_mail import BadHeaderError, Connection
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..extensions import mail

#: Errors of the services a message is built from (database, Redis, files):
#: they pass, and a retry may succeed.
TRANSIENT = (DBAPIError, PoolTimeout, RedisError, OSError)

#: Seconds a connection may sit idle before a NOOP checks it is still there.
IDLE_CHECK = 10.0

_local = threading.local()


def _key(config):
    return (
        os.getpid(),
        config["MAIL_SERVER"],
        config["MAIL_PORT"],
        config.get("MAIL_USERNAME"),
        config.get("MAIL_USE_TLS"),
        config.get("MAIL_USE_SSL"),
    )


def _state():
    """This thread's (key, Connection, last use) or None."""
    return getattr(_local, "held", None)


def close():
    """Close this thread's connection, if any (worker shutdown, tests)."""
    held = _state()
    _local.held = None
    if held is None:
        return
    try:
        held[1].host.quit()
    except (smtplib.SMTPException, OSError):
        pass  # it was going away anyway


def _alive(connection):
    try:
        return connection.host.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _connection():
    """An open Flask-Mail Connection for the current app's SMTP settings."""
    key = _key(current_app.config)
    held = _state()
    if held is not None:
        held_key, connection, last_used = held
        if held_key == key and (time.monotonic() - last_used < IDLE_CHECK or _alive(connection)):
            return connection
        close()
    state = current_app.extensions["mail"]
    connection = Connection(state).__enter__()  # opened here, closed by close()
    _local.held = (key, connection, time.monotonic())
    return connection


class Unsendable(Exception):
    """This message can never be sent as built; the text says why (for logs and
    the organizers' dashboard)."""


def build(make, *args, **kwargs):
    """`make(*args, **kwargs)`, a flask_mail.Message; raises Unsendable when it fails
    for any reason but an unavailable service (TRANSIENT)."""
    try:
        return make(*args, **kwargs)
    except TRANSIENT:
        raise
    except Exception as exc:
        raise Unsendable(f"message not built: {_describe(exc)}") from exc


def _describe(exc):
    if isinstance(exc, BadHeaderError):  # raised without a message
        return "BadHeaderError: a line break in the subject or an address"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@contextmanager
def _refused_before_smtp():
    """Flask-Mail's own refusals (BadHeaderError, assertions, serialisation
    errors) become Unsendable; SMTP and socket errors pass unchanged."""
    try:
        yield
    except (smtplib.SMTPException, OSError):
        raise
    except Exception as exc:
        raise Unsendable(f"message refused before SMTP: {_describe(exc)}") from exc


def send(message):
    """Send one flask_mail.Message on the reused connection.

    Raises what smtplib raises; a broken connection is dropped first so the
    retry opens a new one. Raises Unsendable when Flask-Mail refuses the
    message before talking SMTP.
    """
    state = current_app.extensions["mail"]
    if state.suppress:
        with _refused_before_smtp():
            mail.send(message)  # Flask-Mail records it (tests with suppression on)
        return
    connection = _connection()
    try:
        with _refused_before_smtp():
            connection.send(message)  # Flask-Mail's checks, serialisation and signal
    except smtplib.SMTPServerDisconnected:
        close()
        raise
    except smtplib.SMTPException:  # (an OSError too: caught before the next clause)
        # A refusal: smtplib sent RSET and the session goes on, unless the
        # server said 421 and smtplib closed it.
        if connection.host.sock is None:
            close()
        else:
            _touch(connection)
        raise
    except OSError:  # the socket broke
        close()
        raise
    _touch(connection)


def _touch(connection):
    held = _state()
    if held is not None and held[1] is connection:
        _local.held = (held[0], connection, time.monotonic())


def send_bulk(make, *args) -> str | None:
    """Build and send one email of a batch (news, sample audits): None when
    sent, or why it was refused for good (an SMTP code and our own words,
    never the server's text, which may quote the address). Raises what a
    retry may mend (a temporary refusal, a broken connection)."""
    try:
        send(build(make, *args))
    except Unsendable:
        return "message not built"
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and min(codes) >= 500:
            return f"{codes[0]} recipient refused"
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            return f"{exc.smtp_code} refused"
        raise
    return None
