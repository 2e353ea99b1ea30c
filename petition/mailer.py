"""One SMTP connection per worker process, reused across jobs.

Opening a connection costs a TCP handshake, EHLO, and with a real provider
STARTTLS and AUTH: several round trips per email when Flask-Mail's
`mail.send` opens one for each message. A worker that sends thousands of
confirmations in a viral hour keeps one connection open instead, checks it
with a NOOP when it sat idle (servers drop idle clients), and opens a new one
when it is gone.

SMTP error semantics are unchanged: a refusal (4xx or 5xx) raises the same
smtplib exception as `mail.send`, so tasks still tell temporary from
permanent. A connection that breaks mid-send is dropped and the error raised:
RQ retries the job on a fresh connection.
"""
import os
import smtplib
import threading
import time

from flask import current_app
from flask_mail import Connection

from .extensions import mail

#: Seconds a connection may sit idle before a NOOP checks it is still there.
IDLE_CHECK = 10.0

_local = threading.local()


def _key(config):
    return (os.getpid(), config["MAIL_SERVER"], config["MAIL_PORT"],
            config.get("MAIL_USERNAME"), config.get("MAIL_USE_TLS"),
            config.get("MAIL_USE_SSL"))


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


def send(message):
    """Send one flask_mail.Message on the reused connection.

    Raises what smtplib raises; a broken connection is dropped first so the
    retry opens a new one.
    """
    state = current_app.extensions["mail"]
    if state.suppress:
        mail.send(message)  # Flask-Mail records it (tests with suppression on)
        return
    connection = _connection()
    try:
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
